//! The last step of GitHub's manifest flow: the one-time code from the redirect is exchanged,
//! without authentication, for the new App's id and credentials.

use std::error::Error as _;
use std::time::Duration;

use serde::Deserialize;
use url::Url;

use crate::server::Secret;

/// How long the exchange may take before it counts as failed (and may be retried).
pub const EXCHANGE_TIMEOUT: Duration = Duration::from_secs(30);

/// The App GitHub created, as `POST /app-manifests/{code}/conversions` returns it. The secrets
/// are [`Secret`]s, so `Debug` never shows them.
#[derive(Debug, Deserialize)]
pub struct CreatedApp {
    /// The App id (`AMIROLL_APP_ID`).
    pub id: u64,
    /// The App's slug, as in `https://github.com/apps/{slug}`.
    pub slug: String,
    /// The App's public page; installing it starts at `{html_url}/installations/new`.
    pub html_url: String,
    /// The OAuth client id (not secret; amiroll does not use it).
    pub client_id: String,
    /// The OAuth client secret (amiroll does not use it; kept in case).
    pub client_secret: Secret,
    /// The secret GitHub signs webhooks with (`AMIROLL_WEBHOOK_SECRET`).
    #[serde(default)]
    pub webhook_secret: Option<Secret>,
    /// The App's private key, PEM (`AMIROLL_PRIVATE_KEY_PATH`).
    pub pem: Secret,
}

/// Why the code could not be exchanged.
#[derive(Debug, thiserror::Error)]
pub enum ExchangeError {
    /// GitHub refused the code (4xx): unknown, already exchanged, or older than an hour.
    /// Retrying cannot help.
    #[error(
        "GitHub refused the code ({status}{detail}): it is unknown, was already exchanged, or is \
         more than an hour old. If the App was created, its settings page can generate a new \
         private key and webhook secret; or delete it and run `amiroll setup` again"
    )]
    Rejected {
        /// GitHub's status code.
        status: u16,
        /// `: <GitHub's message>` when it gave one.
        detail: String,
    },
    /// GitHub could not be reached or failed (network, timeout, 5xx): the code is probably
    /// still valid, so the exchange can be retried.
    #[error("cannot reach GitHub to exchange the code: {0}")]
    Unavailable(String),
    /// GitHub answered 2xx but not with an App: the code is spent.
    #[error("GitHub's answer to the code exchange is not an App ({0})")]
    Unexpected(String),
}

impl ExchangeError {
    /// Whether the same code may work on a second try.
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Unavailable(_))
    }
}

/// `{api_url}/app-manifests/{code}/conversions`, the code escaped as one path segment; `None`
/// when `api_url` cannot have a path.
pub fn conversion_url(api_url: &Url, code: &str) -> Option<Url> {
    let mut url = api_url.clone();
    url.set_query(None);
    url.path_segments_mut()
        .ok()?
        .pop_if_empty()
        .extend(["app-manifests", code, "conversions"]);
    Some(url)
}

/// A client for the exchange: bounded in time, following no redirect.
pub fn http_client() -> Result<reqwest::Client, ExchangeError> {
    reqwest::Client::builder()
        .timeout(EXCHANGE_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("amiroll-setup/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|err| ExchangeError::Unavailable(format!("cannot build the HTTP client: {err}")))
}

/// Exchanges `code` at `api_url` (`https://api.github.com`, or `https://HOST/api/v3`).
pub async fn exchange_code(
    client: &reqwest::Client,
    api_url: &Url,
    code: &str,
) -> Result<CreatedApp, ExchangeError> {
    let url = conversion_url(api_url, code).ok_or_else(|| {
        ExchangeError::Unavailable(format!("the GitHub API URL `{api_url}` cannot have a path"))
    })?;
    let response = client
        .post(url)
        .header("accept", "application/vnd.github+json")
        .header("x-github-api-version", "2022-11-28")
        .send()
        .await
        .map_err(|err| ExchangeError::Unavailable(innermost(&err)))?;
    let status = response.status();
    let body = response
        .bytes()
        .await
        .map_err(|err| ExchangeError::Unavailable(innermost(&err)))?;
    if status.is_client_error() {
        let detail = serde_json::from_slice::<serde_json::Value>(&body)
            .ok()
            .and_then(|value| value.get("message")?.as_str().map(|m| format!(": {m}")))
            .unwrap_or_default();
        return Err(ExchangeError::Rejected {
            status: status.as_u16(),
            detail,
        });
    }
    if !status.is_success() {
        return Err(ExchangeError::Unavailable(format!(
            "GitHub answered {status}"
        )));
    }
    serde_json::from_slice(&body).map_err(|err| ExchangeError::Unexpected(err.to_string()))
}

/// The innermost cause of a request error, e.g. "Connection refused (os error 111)".
fn innermost(err: &reqwest::Error) -> String {
    if err.is_timeout() {
        return format!(
            "no answer within {}",
            humantime::format_duration(EXCHANGE_TIMEOUT)
        );
    }
    let mut reason = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        reason = cause.to_string();
        source = cause.source();
    }
    reason
}
