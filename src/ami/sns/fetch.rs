//! The only two things the SNS endpoint fetches from the network (a signing certificate, a
//! `SubscribeURL`), behind a trait so that tests can prove which URLs were, and were not, fetched.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use anyhow::Context;
use url::Url;

/// The future a [`Fetcher`] returns.
pub type FetchFuture<'a> = Pin<Box<dyn Future<Output = Result<Vec<u8>, FetchError>> + Send + 'a>>;

/// Fetches a URL that already passed the SNS host rule, returning the body.
pub trait Fetcher: Send + Sync + 'static {
    /// GETs `url` and returns its body; a non-2xx answer is an error.
    fn get<'a>(&'a self, url: &'a Url) -> FetchFuture<'a>;
}

/// Why a fetch failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    /// No answer (DNS, connection, TLS, timeout).
    #[error("cannot reach {url}: {reason}")]
    Transport {
        /// The URL fetched.
        url: String,
        /// What went wrong.
        reason: String,
    },
    /// An answer other than 2xx (redirects are not followed).
    #[error("{url} answered HTTP {status}")]
    Status {
        /// The URL fetched.
        url: String,
        /// The HTTP status.
        status: u16,
    },
    /// The body is larger than [`MAX_FETCHED_BYTES`].
    #[error("{url} answered more than {MAX_FETCHED_BYTES} bytes")]
    TooLarge {
        /// The URL fetched.
        url: String,
    },
}

/// The largest body read from a fetched URL (an SNS certificate is about 2 KB).
pub const MAX_FETCHED_BYTES: usize = 64 * 1024;

/// Fetches over HTTPS with reqwest: HTTPS only, redirects not followed (a redirect could leave the
/// SNS hosts), short timeouts, bodies capped at [`MAX_FETCHED_BYTES`].
#[derive(Clone, Debug)]
pub struct ReqwestFetcher {
    client: reqwest::Client,
}

impl ReqwestFetcher {
    /// A fetcher with its own HTTPS client.
    pub fn new() -> anyhow::Result<Self> {
        let client = reqwest::Client::builder()
            .https_only(true)
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(15))
            .user_agent(concat!("amiroll/", env!("CARGO_PKG_VERSION")))
            .build()
            .context("Cannot build the HTTPS client for SNS certificates")?;
        Ok(Self { client })
    }

    async fn fetch(&self, url: &Url) -> Result<Vec<u8>, FetchError> {
        let transport = |e: reqwest::Error| FetchError::Transport {
            url: url.to_string(),
            reason: e.to_string(),
        };
        let mut response = self
            .client
            .get(url.clone())
            .send()
            .await
            .map_err(transport)?;
        let status = response.status();
        if !status.is_success() {
            return Err(FetchError::Status {
                url: url.to_string(),
                status: status.as_u16(),
            });
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(transport)? {
            if body.len() + chunk.len() > MAX_FETCHED_BYTES {
                return Err(FetchError::TooLarge {
                    url: url.to_string(),
                });
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }
}

impl Fetcher for ReqwestFetcher {
    fn get<'a>(&'a self, url: &'a Url) -> FetchFuture<'a> {
        Box::pin(self.fetch(url))
    }
}
