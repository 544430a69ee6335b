//! A guard against heredocs that the parser and Terraform end on different lines.
//!
//! Terraform ends a heredoc at the first line that, trimmed, is exactly its marker. hcl-edit 0.10
//! does not end an empty heredoc at its first line, and accepts a closing marker followed by a
//! comment. Either way everything after it is misread, and text that Terraform reads as heredoc
//! content could be taken for an attribute and edited; such files are refused instead.

use std::ops::Range;

use hcl_edit::Span;
use hcl_edit::structure::Body;
use hcl_edit::template::HeredocTemplate;
use hcl_edit::visit::{Visit, visit_body, visit_heredoc_template};

use super::{HclError, Location};

/// Refuses `body`, parsed from `text`, if any heredoc in it ends elsewhere than Terraform ends it.
pub(super) fn check(text: &str, body: &Body) -> Result<(), HclError> {
    let mut check = Check {
        text,
        misread: None,
    };
    visit_body(&mut check, body);
    match check.misread {
        None => Ok(()),
        Some(start) => Err(HclError::Parse {
            location: Location::at(text, start),
            message: "this heredoc is empty or its closing marker shares its line with \
                      something else, and amiroll's HCL parser would end it elsewhere than \
                      Terraform does; give it a line of text and its marker a line of its own"
                .to_owned(),
        }),
    }
}

struct Check<'t> {
    text: &'t str,
    /// Where the first misread heredoc starts.
    misread: Option<usize>,
}

impl Visit for Check<'_> {
    fn visit_heredoc_template(&mut self, node: &HeredocTemplate) {
        if self.misread.is_none() {
            let span = node.span().unwrap_or_default();
            if !ends_where_terraform_ends(self.text, span.clone(), node.delimiter.as_str()) {
                self.misread = Some(span.start);
            }
        }
        visit_heredoc_template(self, node);
    }
}

/// Whether the heredoc the parser found at `span` (from `<<` to the end of the closing marker)
/// ends on the line where Terraform ends it.
fn ends_where_terraform_ends(text: &str, span: Range<usize>, marker: &str) -> bool {
    let Some(source) = text.get(span.clone()) else {
        return false;
    };
    let Some(opening_line_end) = source.find('\n') else {
        return false;
    };
    let closing_line = text[..span.end]
        .rfind('\n')
        .map_or(0, |newline| newline + 1);
    let mut line_start = span.start + opening_line_end + 1;
    for line in text[line_start..].split_inclusive('\n') {
        if line.trim() == marker {
            return line_start == closing_line;
        }
        line_start += line.len();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checked(text: &str) -> Result<(), HclError> {
        let body = hcl_edit::parser::parse_body(text).unwrap();
        check(text, &body)
    }

    #[test]
    fn accepts_ordinary_heredocs() {
        for text in [
            "a = <<EOT\nline\nEOT\n",
            "a = <<-EOT\n    line\n  EOT\nb = 1\n",
            "a = <<EOT\r\nline\r\nEOT\r\n",
            "a = <<EOT\nEOTX\nxEOT\nEOT\n",
            "a = { b = <<EOT\n${x}\nEOT\n}\n",
            "a = <<EOT\n\nEOT",
        ] {
            assert_eq!(checked(text), Ok(()), "{text:?}");
        }
    }

    #[test]
    fn refuses_an_empty_heredoc_the_parser_runs_past() {
        // Terraform: `a` is empty, `b` is code, `c` ends at the last line. The parser reads all
        // of it as the content of `a`.
        let text = "a = <<EOT\nEOT\nb = 1\nc = <<EOT\nx\nEOT\n";
        let err = checked(text).unwrap_err();
        assert_eq!(err.location(), Location { line: 1, column: 5 });
    }

    #[test]
    fn refuses_a_closing_marker_followed_by_a_comment() {
        // Terraform: lines 2 to 6 are the content of `a`. The parser ends `a` on line 3, reads
        // `b` as an attribute and `c` as a heredoc.
        let text = "a = <<EOT\nx\nEOT # c\nb = \"ami-cad827b7\"\nc = <<EOT\ny\nEOT\n";
        assert!(matches!(checked(text), Err(HclError::Parse { .. })));
    }
}
