//! What can go wrong talking to GitHub, in the terms callers branch on: "not there", "refused",
//! "GitHub would not answer after we tried long enough".

use std::time::Duration;

/// A failed GitHub call.
#[derive(Debug, thiserror::Error)]
pub enum GitHubError {
    /// GitHub answered 404 (after the brief retries a fresh pull request gets).
    #[error("GitHub has no {route} (404)")]
    NotFound {
        /// The route template that was called.
        route: &'static str,
    },
    /// GitHub refused the request as invalid (422), e.g. a branch that already exists.
    #[error("GitHub refused {route} (422): {message}")]
    Unprocessable {
        /// The route template that was called.
        route: &'static str,
        /// GitHub's explanation.
        message: String,
    },
    /// GitHub answered with a status this client does not retry.
    #[error("GitHub answered {status} to {route}: {message}")]
    Status {
        /// The route template that was called.
        route: &'static str,
        /// The HTTP status.
        status: u16,
        /// GitHub's explanation.
        message: String,
    },
    /// A rate limit would make the call wait longer than this client is willing to.
    #[error(
        "GitHub rate-limited {route}; it may be retried in {wait:?}, longer than the allowed wait"
    )]
    RateLimited {
        /// The route template that was called.
        route: &'static str,
        /// How long GitHub asked to wait.
        wait: Duration,
    },
    /// Every attempt failed; the last failure is described.
    #[error("gave up on {route} after {attempts} attempts; last: {last}")]
    GaveUp {
        /// The route template that was called.
        route: &'static str,
        /// How many attempts were made.
        attempts: u32,
        /// What went wrong on the last attempt.
        last: String,
    },
    /// GitHub's answer could not be read.
    #[error("cannot read GitHub's answer to {route}: {message}")]
    Decode {
        /// The route template that was called.
        route: &'static str,
        /// What was wrong with it.
        message: String,
    },
    /// A file is not UTF-8 text (reading) or a change is not UTF-8 (writing).
    #[error("{path} is not UTF-8 text")]
    NotUtf8 {
        /// The file's path.
        path: String,
    },
    /// The request could not be built or authenticated (bad key, bad base URL, ...).
    #[error("cannot call GitHub: {0}")]
    Client(String),
}

impl GitHubError {
    /// Whether GitHub said the thing is not there.
    pub fn is_not_found(&self) -> bool {
        matches!(self, Self::NotFound { .. })
    }
}
