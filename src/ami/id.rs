//! The AMI id newtype: the one value amiroll writes into Terraform, so it is validated once, here.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// An Amazon Machine Image id: `ami-` followed by 8 or 17 lowercase hexadecimal digits.
///
/// Every AMI id that reaches a Terraform file passes through [`AmiId::from_str`], so a value
/// that is not an AMI id can never be written.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AmiId(String);

/// Why a string is not an AMI id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{value}` is not an AMI id (expected `ami-` followed by 8 or 17 lowercase hex digits)")]
pub struct InvalidAmiId {
    /// The rejected input, shortened when very long so that it can be shown in an error.
    pub value: String,
}

impl AmiId {
    /// The id as written in Terraform, e.g. `ami-0123456789abcdef0`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether `value` has the shape of an AMI id.
    pub fn is_valid(value: &str) -> bool {
        let Some(hex) = value.strip_prefix("ami-") else {
            return false;
        };
        (hex.len() == 8 || hex.len() == 17)
            && hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    }
}

impl FromStr for AmiId {
    type Err = InvalidAmiId;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        if Self::is_valid(value) {
            Ok(Self(value.to_owned()))
        } else {
            let shown: String = value.chars().take(64).collect();
            Err(InvalidAmiId { value: shown })
        }
    }
}

impl TryFrom<String> for AmiId {
    type Error = InvalidAmiId;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse()
    }
}

impl From<AmiId> for String {
    fn from(id: AmiId) -> Self {
        id.0
    }
}

impl fmt::Display for AmiId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_both_lengths_of_lowercase_hex() {
        assert!("ami-cad827b7".parse::<AmiId>().is_ok());
        assert!("ami-0bb273345f0961e90".parse::<AmiId>().is_ok());
    }

    #[test]
    fn refuses_everything_else() {
        for bad in [
            "",
            "ami-",
            "ami-0BB273345F0961E90",
            "ami-0bb273345f0961e9",
            "ami-0bb273345f0961e900",
            "ami-cad827b",
            "ami-cad827b77",
            "ami-cad827bg",
            "AMI-cad827b7",
            " ami-cad827b7",
            "ami-cad827b7\n",
            "var.ami",
            "ami-ｃad827b7",
        ] {
            assert!(bad.parse::<AmiId>().is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn error_names_the_value() {
        let err = "ami-nope".parse::<AmiId>().unwrap_err();
        assert!(err.to_string().contains("`ami-nope`"), "{err}");
    }
}
