//! Newtypes for GitHub's identifiers, so that a pull request number is never passed where an
//! installation id is expected, and the rollout core speaks in these rather than bare strings.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A repository's full name, `owner/name`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RepoName {
    owner: String,
    name: String,
}

/// Why a string is not `owner/name`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a repository name (expected `owner/name`)")]
pub struct InvalidRepoName(pub String);

impl RepoName {
    /// `owner/name` from its parts; `None` when either part is empty or holds a `/` or whitespace.
    pub fn new(owner: &str, name: &str) -> Option<Self> {
        let ok = |part: &str| {
            !part.is_empty()
                && part.len() <= 100
                && part
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        };
        (ok(owner) && ok(name) && ![owner, name].iter().any(|p| p.chars().all(|c| c == '.'))).then(
            || Self {
                owner: owner.to_owned(),
                name: name.to_owned(),
            },
        )
    }

    /// The owner (user or organisation).
    pub fn owner(&self) -> &str {
        &self.owner
    }

    /// The repository's name without its owner.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl FromStr for RepoName {
    type Err = InvalidRepoName;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        value
            .split_once('/')
            .and_then(|(owner, name)| Self::new(owner, name))
            .ok_or_else(|| InvalidRepoName(value.chars().take(200).collect()))
    }
}

impl TryFrom<String> for RepoName {
    type Error = InvalidRepoName;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse()
    }
}

impl From<RepoName> for String {
    fn from(repo: RepoName) -> Self {
        repo.to_string()
    }
}

impl fmt::Display for RepoName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.owner, self.name)
    }
}

macro_rules! numeric_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub u64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

numeric_id!(
    /// A pull request's number within its repository (`#12`).
    PullRequestNumber
);
numeric_id!(
    /// A GitHub App installation's id.
    InstallationId
);
numeric_id!(
    /// A check run's id.
    CheckRunId
);
numeric_id!(
    /// An issue or pull request comment's id.
    CommentId
);

/// A commit's full SHA (40 lowercase hex digits).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CommitSha(String);

/// Why a string is not a full commit SHA.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a commit SHA (expected 40 lowercase hex digits)")]
pub struct InvalidCommitSha(pub String);

impl CommitSha {
    /// The SHA as hex.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for CommitSha {
    type Err = InvalidCommitSha;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        let ok = value.len() == 40
            && value
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if ok {
            Ok(Self(value.to_owned()))
        } else {
            Err(InvalidCommitSha(value.chars().take(64).collect()))
        }
    }
}

impl TryFrom<String> for CommitSha {
    type Error = InvalidCommitSha;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse()
    }
}

impl From<CommitSha> for String {
    fn from(sha: CommitSha) -> Self {
        sha.0
    }
}

impl fmt::Display for CommitSha {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repo_names_parse_and_print_back() {
        let repo: RepoName = "CityOfBoston/digital-terraform".parse().unwrap();
        assert_eq!(repo.owner(), "CityOfBoston");
        assert_eq!(repo.name(), "digital-terraform");
        assert_eq!(repo.to_string(), "CityOfBoston/digital-terraform");
        for bad in ["", "a", "a/", "/b", "a/b/c", "a b/c", "a/..", "../b"] {
            assert!(bad.parse::<RepoName>().is_err(), "{bad}");
        }
    }

    #[test]
    fn commit_shas_are_full_lowercase_hex() {
        assert!(
            "0123456789abcdef0123456789abcdef01234567"
                .parse::<CommitSha>()
                .is_ok()
        );
        for bad in [
            "",
            "abc",
            "0123456789ABCDEF0123456789abcdef01234567",
            "0123456789abcdef0123456789abcdef012345678",
        ] {
            assert!(bad.parse::<CommitSha>().is_err(), "{bad}");
        }
    }
}
