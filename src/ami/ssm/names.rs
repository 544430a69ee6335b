//! SSM parameter names and AWS region names, checked before they reach AWS so that a typo is a
//! clear "bad input" rather than an opaque service error.

use std::fmt;
use std::str::FromStr;

/// The longest parameter name SSM accepts.
const MAX_LEN: usize = 2048;

/// A fully qualified SSM parameter name, e.g.
/// `/aws/service/ecs/optimized-ami/amazon-linux-2/recommended`.
///
/// It starts with `/`, uses only ASCII letters, digits and `_.-/`, has no empty path segment and
/// is at most 2048 characters long. Version and label selectors (`name:3`) and ARNs are refused:
/// amiroll always wants the current value, and it derives sub-parameter names from the name.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ParameterName(String);

/// Why a string is not an SSM parameter name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{value}` is not an SSM parameter name: {reason}")]
pub struct InvalidParameterName {
    /// The rejected input, shortened when very long so that it can be shown in an error.
    pub value: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

impl ParameterName {
    /// The name as sent to SSM.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The sub-parameter `key` below this one, e.g. `.../recommended/image_id`.
    pub fn child(&self, key: &str) -> Result<Self, InvalidParameterName> {
        format!("{}/{key}", self.0).parse()
    }
}

impl FromStr for ParameterName {
    type Err = InvalidParameterName;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        let reason = if value.is_empty() {
            Some("it is empty")
        } else if value.len() > MAX_LEN {
            Some("it is longer than 2048 characters")
        } else if !value.starts_with('/') {
            Some(
                "it must start with `/`, e.g. `/aws/service/ecs/optimized-ami/amazon-linux-2/recommended`",
            )
        } else if value.ends_with('/') || value.contains("//") {
            Some("it has an empty path segment")
        } else if !value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_.-/".contains(&b))
        {
            Some("only ASCII letters, digits and `_.-/` are allowed")
        } else {
            None
        };
        match reason {
            None => Ok(Self(value.to_owned())),
            Some(reason) => Err(InvalidParameterName {
                value: value.chars().take(80).collect(),
                reason,
            }),
        }
    }
}

impl fmt::Display for ParameterName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Whether `region` has the shape of an AWS region name, e.g. `us-east-1` or `us-gov-west-1`.
pub fn is_region(region: &str) -> bool {
    let parts: Vec<&str> = region.split('-').collect();
    let Some((number, words)) = parts.split_last() else {
        return false;
    };
    words.len() >= 2
        && words[0].len() == 2
        && words
            .iter()
            .all(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase()))
        && !number.is_empty()
        && number.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_public_and_custom_names() {
        for name in [
            "/aws/service/ecs/optimized-ami/amazon-linux-2/recommended",
            "/aws/service/ecs/optimized-ami/amazon-linux-2/recommended/image_id",
            "/test/ecs/recommended",
            "/a",
        ] {
            assert_eq!(name.parse::<ParameterName>().unwrap().as_str(), name);
        }
    }

    #[test]
    fn refuses_what_ssm_or_amiroll_cannot_use() {
        for name in [
            "",
            "recommended",
            "/aws/service/",
            "/aws//service",
            "/aws/service recommended",
            "/aws/service/x:3",
            "arn:aws:ssm:us-east-1::parameter/aws/service/x",
            "/é",
        ] {
            assert!(
                name.parse::<ParameterName>().is_err(),
                "{name:?} was accepted"
            );
        }
        let long = format!("/{}", "a".repeat(MAX_LEN));
        assert!(long.parse::<ParameterName>().is_err());
    }

    #[test]
    fn error_names_the_value_and_the_reason() {
        let err = "recommended".parse::<ParameterName>().unwrap_err();
        let message = err.to_string();
        assert!(message.contains("`recommended`"), "{message}");
        assert!(message.contains("start with `/`"), "{message}");
    }

    #[test]
    fn child_appends_a_path_segment() {
        let parent: ParameterName = "/test/ecs/recommended".parse().unwrap();
        assert_eq!(
            parent.child("image_id").unwrap().as_str(),
            "/test/ecs/recommended/image_id"
        );
    }

    #[test]
    fn regions() {
        for good in [
            "us-east-1",
            "eu-central-2",
            "us-gov-west-1",
            "ap-southeast-10",
        ] {
            assert!(is_region(good), "{good}");
        }
        for bad in [
            "",
            "us",
            "us-east",
            "US-EAST-1",
            "us-east-1a",
            "useast-1",
            "us--1",
            "-east-1",
        ] {
            assert!(!is_region(bad), "{bad}");
        }
    }
}
