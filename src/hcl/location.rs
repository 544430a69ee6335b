//! Line and column positions, so that every refusal points at the exact place in the file.

use std::fmt;

/// A position in a file: 1-based line and 1-based column, the column counting characters (not
/// bytes) from the start of the line. Displays as `line:column`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Location {
    /// The line, from 1.
    pub line: usize,
    /// The column, from 1, in characters.
    pub column: usize,
}

impl Location {
    /// The start of a file.
    pub const START: Location = Location { line: 1, column: 1 };

    /// The location of byte `offset` in `text`. An offset past the end, or inside a character,
    /// counts as the position just after the last whole character before it.
    pub fn at(text: &str, offset: usize) -> Location {
        let mut end = offset.min(text.len());
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        let before = &text[..end];
        let line_start = before.rfind('\n').map_or(0, |newline| newline + 1);
        Location {
            line: before.bytes().filter(|&b| b == b'\n').count() + 1,
            column: before[line_start..].chars().count() + 1,
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_lines_and_characters() {
        let text = "a = 1\r\n\tb = \"é\" # x\nc";
        assert_eq!(Location::at(text, 0), Location::START);
        assert_eq!(Location::at(text, 4), Location { line: 1, column: 5 });
        // The tab counts as one column; CRLF ends the line like LF.
        let b = text.find('b').unwrap();
        assert_eq!(Location::at(text, b), Location { line: 2, column: 2 });
        // Multi-byte characters count once.
        let hash = text.find('#').unwrap();
        assert_eq!(
            Location::at(text, hash),
            Location {
                line: 2,
                column: 10
            }
        );
        assert_eq!(
            Location::at(text, text.len()),
            Location { line: 3, column: 2 }
        );
    }

    #[test]
    fn tolerates_offsets_out_of_range_or_inside_a_character() {
        let text = "é";
        assert_eq!(Location::at(text, 1), Location::START);
        assert_eq!(Location::at(text, 99), Location { line: 1, column: 2 });
        assert_eq!(Location { line: 3, column: 7 }.to_string(), "3:7");
    }
}
