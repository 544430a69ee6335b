//! Target addresses: how a repository's config names the one Terraform value that holds an AMI,
//! the way Terraform users write it (`module.staging_cluster.instance_image_id`).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The dotted path to one Terraform value, e.g. `module.staging_cluster.instance_image_id`,
/// `locals.amis.staging`, `variable.ami.default`, or `staging_ami` in a `.tfvars` file.
///
/// Segments are separated by `.`. A segment is either bare (letters, digits, `_` and `-`) or a
/// double-quoted string for names that contain anything else (`locals.amis."eu.west"`), in which
/// `\"` and `\\` stand for a quote and a backslash. [`Display`](fmt::Display) writes the canonical
/// form, which parses back to the same address.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Address(Vec<String>);

/// Why a string is not an [`Address`]. `position` counts characters from 1.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    /// Nothing was given.
    #[error("the address is empty (expected e.g. `module.staging_cluster.instance_image_id`)")]
    Empty,
    /// Two dots in a row, or a dot at either end.
    #[error(
        "address `{address}` has an empty segment at character {position} \
         (segments are separated by single dots)"
    )]
    EmptySegment {
        /// The rejected address, shortened when very long.
        address: String,
        /// Where the empty segment is.
        position: usize,
    },
    /// A character that cannot appear in a bare segment.
    #[error(
        "address `{address}` has an unexpected {found:?} at character {position} \
         (bare segments hold letters, digits, `_` and `-`; quote anything else: `\"eu.west\"`)"
    )]
    UnexpectedChar {
        /// The rejected address, shortened when very long.
        address: String,
        /// The character.
        found: char,
        /// Where it is.
        position: usize,
    },
    /// A quoted segment that never ends.
    #[error(
        "address `{address}` has a quoted segment starting at character {position} that is never closed"
    )]
    UnterminatedQuote {
        /// The rejected address, shortened when very long.
        address: String,
        /// Where the opening quote is.
        position: usize,
    },
}

impl Address {
    /// The segments, unquoted, e.g. `["module", "staging_cluster", "instance_image_id"]`.
    pub fn segments(&self) -> &[String] {
        &self.0
    }

    /// The address made of the first `len` segments (used to name the part that resolved).
    pub(crate) fn prefix(&self, len: usize) -> Address {
        Address(self.0[..len.min(self.0.len())].to_vec())
    }
}

/// Whether `c` may appear in a bare (unquoted) segment.
fn is_bare(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '-'
}

/// Shortens an input for inclusion in an error message.
fn shown(input: &str) -> String {
    const LIMIT: usize = 80;
    if input.chars().count() > LIMIT {
        let mut short: String = input.chars().take(LIMIT).collect();
        short.push('…');
        short
    } else {
        input.to_owned()
    }
}

impl FromStr for Address {
    type Err = AddressError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        if input.is_empty() {
            return Err(AddressError::Empty);
        }
        let mut segments = Vec::new();
        let mut chars = input.chars().enumerate().peekable();
        loop {
            // At the start of a segment.
            let segment = match chars.peek().copied() {
                None | Some((_, '.')) => {
                    let position = chars
                        .peek()
                        .map_or(input.chars().count() + 1, |&(i, _)| i + 1);
                    return Err(AddressError::EmptySegment {
                        address: shown(input),
                        position,
                    });
                }
                Some((start, '"')) => {
                    chars.next();
                    let mut segment = String::new();
                    loop {
                        match chars.next() {
                            None => {
                                return Err(AddressError::UnterminatedQuote {
                                    address: shown(input),
                                    position: start + 1,
                                });
                            }
                            Some((_, '"')) => break,
                            Some((_, '\\')) => match chars.next() {
                                Some((_, c @ ('"' | '\\'))) => segment.push(c),
                                Some((i, c)) => {
                                    return Err(AddressError::UnexpectedChar {
                                        address: shown(input),
                                        found: c,
                                        position: i + 1,
                                    });
                                }
                                None => {
                                    return Err(AddressError::UnterminatedQuote {
                                        address: shown(input),
                                        position: start + 1,
                                    });
                                }
                            },
                            Some((_, c)) => segment.push(c),
                        }
                    }
                    segment
                }
                Some(_) => {
                    let mut segment = String::new();
                    while let Some(&(i, c)) = chars.peek() {
                        if c == '.' {
                            break;
                        }
                        if !is_bare(c) {
                            return Err(AddressError::UnexpectedChar {
                                address: shown(input),
                                found: c,
                                position: i + 1,
                            });
                        }
                        segment.push(c);
                        chars.next();
                    }
                    segment
                }
            };
            segments.push(segment);
            // After a segment: the end, or a dot and another segment.
            match chars.next() {
                None => return Ok(Address(segments)),
                Some((_, '.')) => {}
                Some((i, c)) => {
                    return Err(AddressError::UnexpectedChar {
                        address: shown(input),
                        found: c,
                        position: i + 1,
                    });
                }
            }
        }
    }
}

impl TryFrom<String> for Address {
    type Error = AddressError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse()
    }
}

impl From<Address> for String {
    fn from(address: Address) -> Self {
        address.to_string()
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, segment) in self.0.iter().enumerate() {
            if index > 0 {
                f.write_str(".")?;
            }
            if !segment.is_empty() && segment.chars().all(is_bare) {
                f.write_str(segment)?;
            } else {
                f.write_str("\"")?;
                for c in segment.chars() {
                    if c == '"' || c == '\\' {
                        f.write_str("\\")?;
                    }
                    write!(f, "{c}")?;
                }
                f.write_str("\"")?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segments(input: &str) -> Vec<String> {
        input.parse::<Address>().unwrap().segments().to_vec()
    }

    #[test]
    fn splits_bare_segments_on_dots() {
        assert_eq!(
            segments("module.staging_cluster.instance_image_id"),
            ["module", "staging_cluster", "instance_image_id"]
        );
        assert_eq!(segments("staging_ami"), ["staging_ami"]);
        assert_eq!(
            segments("locals.amis.us-east-1"),
            ["locals", "amis", "us-east-1"]
        );
    }

    #[test]
    fn quoted_segments_may_hold_dots_quotes_and_backslashes() {
        assert_eq!(
            segments(r#"locals.amis."eu.west"."a \"b\" \\c""#),
            ["locals", "amis", "eu.west", r#"a "b" \c"#]
        );
    }

    #[test]
    fn display_is_canonical_and_parses_back() {
        for input in [
            "module.staging_cluster.instance_image_id",
            r#"locals.amis."eu.west""#,
            r#"a."quote \" and \\ slash"."""#,
            r#""with space".x"#,
        ] {
            let address: Address = input.parse().unwrap();
            assert_eq!(address.to_string(), input);
            assert_eq!(address.to_string().parse::<Address>().unwrap(), address);
        }
        // Needlessly quoted segments come back bare.
        let address: Address = r#""locals"."ami""#.parse().unwrap();
        assert_eq!(address.to_string(), "locals.ami");
    }

    #[test]
    fn refuses_malformed_addresses_and_says_where() {
        assert_eq!("".parse::<Address>(), Err(AddressError::Empty));
        let cases: [(&str, AddressError); 7] = [
            (
                "a..b",
                AddressError::EmptySegment {
                    address: "a..b".into(),
                    position: 3,
                },
            ),
            (
                ".a",
                AddressError::EmptySegment {
                    address: ".a".into(),
                    position: 1,
                },
            ),
            (
                "a.",
                AddressError::EmptySegment {
                    address: "a.".into(),
                    position: 3,
                },
            ),
            (
                "a b",
                AddressError::UnexpectedChar {
                    address: "a b".into(),
                    found: ' ',
                    position: 2,
                },
            ),
            (
                "module.x[0]",
                AddressError::UnexpectedChar {
                    address: "module.x[0]".into(),
                    found: '[',
                    position: 9,
                },
            ),
            (
                r#"a."b"c"#,
                AddressError::UnexpectedChar {
                    address: r#"a."b"c"#.into(),
                    found: 'c',
                    position: 6,
                },
            ),
            (
                r#"a."b"#,
                AddressError::UnterminatedQuote {
                    address: r#"a."b"#.into(),
                    position: 3,
                },
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(input.parse::<Address>(), Err(expected), "{input:?}");
        }
    }

    #[test]
    fn error_messages_quote_the_address() {
        let err = "module..x".parse::<Address>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "address `module..x` has an empty segment at character 8 \
             (segments are separated by single dots)"
        );
    }

    #[test]
    fn serde_uses_the_string_form() {
        let address: Address = serde_json::from_str(r#""locals.amis.staging""#).unwrap();
        assert_eq!(address.segments(), ["locals", "amis", "staging"]);
        assert_eq!(
            serde_json::to_string(&address).unwrap(),
            r#""locals.amis.staging""#
        );
        assert!(serde_json::from_str::<Address>(r#""a..b""#).is_err());
    }
}
