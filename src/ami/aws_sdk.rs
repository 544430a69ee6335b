//! What every AWS SDK client of amiroll shares: one bounded retry and timeout policy, the shared
//! configuration loader, and the reading of SDK errors (credentials problems, causes on one line).

use std::error::Error as StdError;
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};

/// Error codes AWS uses when the caller's credentials are missing, expired or invalid.
pub(crate) const CREDENTIAL_CODES: [&str; 5] = [
    "UnrecognizedClientException",
    "InvalidClientTokenId",
    "ExpiredTokenException",
    "InvalidSignatureException",
    "MissingAuthenticationTokenException",
];

/// The SDK configuration for `region`: the default credential chain, the bounded retry and
/// timeout policy, and `endpoint` when given (e.g. a moto server; otherwise the standard
/// `AWS_ENDPOINT_URL*` variables and profile settings apply).
pub(crate) async fn sdk_config(region: &str, endpoint: Option<String>) -> SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new(region.to_owned()))
        .retry_config(retry_config())
        .timeout_config(timeout_config());
    if let Some(endpoint) = endpoint {
        loader = loader.endpoint_url(endpoint);
    }
    loader.load().await
}

/// The SDK's standard strategy, bounded: 3 attempts, backoff from 0.5 s up to 5 s.
fn retry_config() -> RetryConfig {
    RetryConfig::standard()
        .with_max_attempts(3)
        .with_initial_backoff(Duration::from_millis(500))
        .with_max_backoff(Duration::from_secs(5))
}

/// Each attempt and the whole call (retries included) are bounded.
fn timeout_config() -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(5))
        .read_timeout(Duration::from_secs(10))
        .operation_attempt_timeout(Duration::from_secs(15))
        .operation_timeout(Duration::from_secs(45))
        .build()
}

/// The error and its sources on one line, each cause said once.
pub(crate) fn describe(err: &(dyn StdError + 'static)) -> String {
    let mut message = err.to_string();
    let mut current = err.source();
    while let Some(cause) = current {
        let text = cause.to_string();
        if !text.is_empty() && !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        current = cause.source();
    }
    message
}

/// Whether the failure happened while resolving credentials, before any request was sent.
pub(crate) fn is_credentials_failure(err: &(dyn StdError + 'static)) -> bool {
    let mut current = Some(err);
    while let Some(err) = current {
        let debug = format!("{err:?}");
        if debug.starts_with("CredentialsNotLoaded")
            || debug.starts_with("ProviderTimedOut")
            || debug.starts_with("ProviderError")
        {
            return true;
        }
        current = err.source();
    }
    false
}
