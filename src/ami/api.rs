//! The operator API: `POST /api/check` asks amiroll to re-read SSM now, for whoever holds the
//! `AMIROLL_API_TOKEN`. Like an SNS notification, it can only ask for a check, never name an AMI.

use std::fmt;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use tokio::sync::mpsc::Sender;

use super::check::{CheckDispatch, CheckRequest, request_check};

type HmacSha256 = Hmac<Sha256>;

/// Domain separation for the token digests; not a secret.
const TOKEN_DIGEST_KEY: &[u8] = b"amiroll operator API token v1";

/// The shortest token accepted.
pub const MIN_TOKEN_LEN: usize = 16;

/// The operator API token. Only an HMAC-SHA256 digest of it is kept, and a presented token is
/// compared digest to digest in constant time, so neither its content nor its length leaks through
/// timing.
#[derive(Clone)]
pub struct ApiToken {
    digest: Vec<u8>,
}

/// Why a configured token is refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum WeakApiToken {
    /// Shorter than [`MIN_TOKEN_LEN`] characters.
    #[error("the API token is shorter than {MIN_TOKEN_LEN} characters")]
    TooShort,
    /// Contains whitespace or control characters, which cannot travel in a Bearer header intact.
    #[error("the API token contains whitespace or control characters")]
    Unprintable,
}

fn digest(token: &[u8]) -> HmacSha256 {
    // HMAC accepts keys of any length, so this cannot fail; an empty key would still be sound.
    let mut mac = HmacSha256::new_from_slice(TOKEN_DIGEST_KEY)
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(token);
    mac
}

impl ApiToken {
    /// The token `value` (from `AMIROLL_API_TOKEN`): at least [`MIN_TOKEN_LEN`] printable,
    /// non-space characters.
    pub fn new(value: &str) -> Result<Self, WeakApiToken> {
        if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(WeakApiToken::Unprintable);
        }
        if value.chars().count() < MIN_TOKEN_LEN {
            return Err(WeakApiToken::TooShort);
        }
        Ok(Self {
            digest: digest(value.as_bytes()).finalize().into_bytes().to_vec(),
        })
    }

    /// Whether `presented` is the token, compared in constant time.
    pub fn matches(&self, presented: &[u8]) -> bool {
        digest(presented).verify_slice(&self.digest).is_ok()
    }
}

impl fmt::Debug for ApiToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiToken(<redacted>)")
    }
}

/// The operator API router's state: cheap to clone, no globals.
///
/// When no token is configured the API is disabled and every route answers **403 Forbidden**
/// ("disabled: no AMIROLL_API_TOKEN configured") without looking at the request: 403, not 404,
/// because the path is right and no credentials will ever work, which is what an operator
/// debugging the call needs to read; 401 is kept for a missing or wrong token.
#[derive(Clone, Debug)]
pub struct OperatorApi {
    token: Option<ApiToken>,
    checks: Sender<CheckRequest>,
}

impl OperatorApi {
    /// The path of the check trigger.
    pub const CHECK_PATH: &'static str = "/api/check";

    /// An API that sends [`CheckRequest`]s with origin `Manual` on `checks`, for holders of
    /// `token`; disabled (403) when `token` is `None`.
    pub fn new(token: Option<ApiToken>, checks: Sender<CheckRequest>) -> Self {
        Self { token, checks }
    }

    /// `POST /api/check`.
    pub fn router(&self) -> Router {
        Router::new()
            .route(Self::CHECK_PATH, post(check))
            .with_state(self.clone())
    }
}

/// The token of an `Authorization: Bearer <token>` header, if there is exactly one such header.
fn bearer_token(headers: &HeaderMap) -> Option<&[u8]> {
    let mut values = headers.get_all(header::AUTHORIZATION).iter();
    let value = values.next()?;
    if values.next().is_some() {
        return None;
    }
    let value = value.as_bytes();
    let (scheme, token) = value.split_at_checked(7)?;
    if !scheme.eq_ignore_ascii_case(b"bearer ") {
        return None;
    }
    let token = token.trim_ascii();
    (!token.is_empty()).then_some(token)
}

async fn check(State(api): State<OperatorApi>, headers: HeaderMap) -> Response {
    let Some(token) = &api.token else {
        return (
            StatusCode::FORBIDDEN,
            "disabled: no AMIROLL_API_TOKEN configured",
        )
            .into_response();
    };
    if !bearer_token(&headers).is_some_and(|presented| token.matches(presented)) {
        tracing::warn!("operator check refused: missing or wrong token");
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer")],
            "missing or wrong bearer token",
        )
            .into_response();
    }
    tracing::info!("operator asked for a check");
    match request_check(&api.checks, CheckRequest::manual()) {
        CheckDispatch::Queued => (StatusCode::ACCEPTED, "check requested").into_response(),
        CheckDispatch::AlreadyPending => {
            (StatusCode::ACCEPTED, "a check is already pending").into_response()
        }
        CheckDispatch::Closed => {
            tracing::error!("operator check dropped: the poller is not running");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "checks are not being taken",
            )
                .into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn weak_tokens_are_refused() {
        assert_eq!(ApiToken::new("").unwrap_err(), WeakApiToken::TooShort);
        assert_eq!(ApiToken::new("short").unwrap_err(), WeakApiToken::TooShort);
        assert_eq!(
            ApiToken::new("a long token with spaces").unwrap_err(),
            WeakApiToken::Unprintable
        );
        assert!(ApiToken::new("0123456789abcdef").is_ok());
    }

    #[test]
    fn only_the_exact_token_matches() {
        let token = ApiToken::new("0123456789abcdef").unwrap();
        assert!(token.matches(b"0123456789abcdef"));
        for other in [
            &b""[..],
            b"0123456789abcde",
            b"0123456789abcdef0",
            b"0123456789ABCDEF",
        ] {
            assert!(!token.matches(other), "{other:?}");
        }
        assert_eq!(format!("{token:?}"), "ApiToken(<redacted>)");
    }

    #[test]
    fn the_bearer_scheme_is_case_insensitive_and_single() {
        let with = |values: &[&'static str]| {
            let mut headers = HeaderMap::new();
            for v in values {
                headers.append(header::AUTHORIZATION, HeaderValue::from_static(v));
            }
            headers
        };
        assert_eq!(bearer_token(&with(&["Bearer abc"])), Some(&b"abc"[..]));
        assert_eq!(bearer_token(&with(&["bearer  abc "])), Some(&b"abc"[..]));
        assert_eq!(bearer_token(&with(&["Basic abc"])), None);
        assert_eq!(bearer_token(&with(&["Bearer "])), None);
        assert_eq!(bearer_token(&with(&["Bearer"])), None);
        assert_eq!(bearer_token(&with(&[])), None);
        assert_eq!(bearer_token(&with(&["Bearer a", "Bearer b"])), None);
    }
}
