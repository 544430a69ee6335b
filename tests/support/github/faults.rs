//! Faults the simulated GitHub can inject into the next calls of a route, the way real GitHub
//! fails: server errors, secondary rate limits with `retry-after`, a spent primary limit with
//! `x-ratelimit-reset`, and the 404 for a pull request GitHub has just announced.

use std::time::{SystemTime, UNIX_EPOCH};

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// One way for a call to fail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fault {
    /// A bare server error (500, 502, 503...).
    ServerError(u16),
    /// 403 "secondary rate limit" with `retry-after: seconds`.
    SecondaryRateLimit {
        /// The `retry-after` value.
        retry_after_secs: u64,
    },
    /// 403 with `x-ratelimit-remaining: 0` and a reset `reset_in_secs` from now.
    PrimaryRateLimit {
        /// Seconds until the window resets.
        reset_in_secs: u64,
    },
    /// 404, as for a pull request GitHub has not caught up with yet.
    NotFound,
}

impl Fault {
    /// The answer GitHub would give.
    pub fn response(&self) -> Response {
        match self {
            Self::ServerError(code) => {
                let status =
                    StatusCode::from_u16(*code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                (status, axum::Json(json!({ "message": "Server Error" }))).into_response()
            }
            Self::SecondaryRateLimit { retry_after_secs } => {
                let mut response = (
                    StatusCode::FORBIDDEN,
                    axum::Json(json!({
                        "message": "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
                        "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"
                    })),
                )
                    .into_response();
                response
                    .headers_mut()
                    .insert("retry-after", HeaderValue::from(*retry_after_secs));
                response
            }
            Self::PrimaryRateLimit { reset_in_secs } => {
                let now = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map(|d| d.as_secs())
                    .unwrap_or(0);
                let mut response = (
                    StatusCode::FORBIDDEN,
                    axum::Json(json!({
                        "message": "API rate limit exceeded for installation.",
                        "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"
                    })),
                )
                    .into_response();
                let headers = response.headers_mut();
                headers.insert("x-ratelimit-limit", HeaderValue::from(5000u64));
                headers.insert("x-ratelimit-remaining", HeaderValue::from(0u64));
                headers.insert("x-ratelimit-reset", HeaderValue::from(now + reset_in_secs));
                response
            }
            Self::NotFound => (
                StatusCode::NOT_FOUND,
                axum::Json(json!({ "message": "Not Found" })),
            )
                .into_response(),
        }
    }
}
