//! `amiroll healthcheck`: asks a running `amiroll serve` whether it is alive, so a container image
//! without a shell or curl (distroless) can still declare a `HEALTHCHECK` that uses the binary
//! itself.

use std::error::Error as _;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use url::Url;

use crate::cli::Exit;

/// The URL checked when neither `--url` nor `AMIROLL_LISTEN` says otherwise: the server's default
/// listen address.
pub const DEFAULT_URL: &str = "http://127.0.0.1:8080/healthz";

/// How long the whole request (connect, headers and body) may take before the check fails.
pub const TIMEOUT: Duration = Duration::from_secs(2);

/// How much of an unhealthy answer's body is read, and how much of its first line is quoted.
const REASON_BODY_BYTES: usize = 1024;
const REASON_BODY_CHARS: usize = 120;

/// Arguments of `amiroll healthcheck`.
#[derive(Debug, clap::Args)]
#[command(after_long_help = AFTER_HELP)]
pub struct HealthcheckArgs {
    /// The URL to GET. [default: derived from AMIROLL_LISTEN, else http://127.0.0.1:8080/healthz]
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,
    /// The address `amiroll serve` listens on; the URL is `http://ADDR:PORT/healthz`, with an
    /// unspecified address (`0.0.0.0`, `::`) replaced by loopback.
    #[arg(long, env = "AMIROLL_LISTEN", value_name = "ADDR:PORT")]
    pub listen: Option<String>,
}

const AFTER_HELP: &str = "\
Use:
  The container image's HEALTHCHECK runs `amiroll healthcheck`; it reads the same
  AMIROLL_LISTEN as `amiroll serve`, so the two agree on the port. The request has a 2 s
  timeout, follows no redirect and ignores HTTP(S)_PROXY.

Exit status:
  0  the server answered with a 2xx status
  1  it did not (another status, refused connection, timeout, or a malformed URL or
     AMIROLL_LISTEN); one line on stderr says why. Never 2, which Docker reserves.";

/// Why a health check failed; each variant is one line on stderr.
#[derive(Debug, thiserror::Error)]
pub enum HealthcheckError {
    /// `--url` or `AMIROLL_LISTEN` does not give an HTTP(S) URL to check.
    #[error("{0}")]
    BadTarget(String),
    /// The server answered, but not with a 2xx status.
    #[error("unhealthy: {url} answered {status}{detail}")]
    Unhealthy {
        /// The URL checked.
        url: Url,
        /// The status it answered with.
        status: reqwest::StatusCode,
        /// `: <first line of the body>` when the body said something, else empty.
        detail: String,
    },
    /// The check itself could not start (no async runtime, no HTTP client).
    #[error("cannot run the health check: {0}")]
    Setup(String),
    /// Nothing answered within [`TIMEOUT`].
    #[error("unhealthy: {url} did not answer within {}", humantime::format_duration(*timeout))]
    Timeout {
        /// The URL checked.
        url: Url,
        /// The time allowed.
        timeout: Duration,
    },
    /// The request could not be made (connection refused, DNS, TLS, ...).
    #[error("unhealthy: cannot reach {url}: {reason}")]
    Unreachable {
        /// The URL checked.
        url: Url,
        /// The innermost cause, e.g. "Connection refused (os error 111)".
        reason: String,
    },
}

/// Runs `amiroll healthcheck` on a current-thread runtime and prints the reason of a failure.
pub fn run(args: HealthcheckArgs) -> Exit {
    let result = target(args.url.as_deref(), args.listen.as_deref()).and_then(|url| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|err| {
                HealthcheckError::Setup(format!("cannot start the async runtime: {err}"))
            })?;
        runtime.block_on(check(&url, TIMEOUT))
    });
    match result {
        Ok(()) => Exit::Ok,
        Err(err) => {
            eprintln!("{err}");
            Exit::Failure
        }
    }
}

/// The URL to check: `--url` when given, else derived from the listen address, else
/// [`DEFAULT_URL`].
pub fn target(url: Option<&str>, listen: Option<&str>) -> Result<Url, HealthcheckError> {
    let url = match (url, listen.filter(|listen| !listen.is_empty())) {
        (Some(url), _) => Url::parse(url)
            .map_err(|err| HealthcheckError::BadTarget(format!("invalid --url `{url}`: {err}")))?,
        (None, Some(listen)) => url_for_listen(listen)?,
        (None, None) => Url::parse(DEFAULT_URL)
            .map_err(|err| HealthcheckError::BadTarget(format!("invalid default URL: {err}")))?,
    };
    match url.scheme() {
        "http" | "https" => Ok(url),
        scheme => Err(HealthcheckError::BadTarget(format!(
            "invalid --url `{url}`: the scheme must be http or https, not `{scheme}`"
        ))),
    }
}

/// `http://ADDR:PORT/healthz` for the address the server listens on; an unspecified address
/// accepts connections on loopback, which is where the check connects.
fn url_for_listen(listen: &str) -> Result<Url, HealthcheckError> {
    let mut addr: SocketAddr = listen.parse().map_err(|err| {
        HealthcheckError::BadTarget(format!(
            "invalid AMIROLL_LISTEN `{listen}`: {err} (expected e.g. 0.0.0.0:8080)"
        ))
    })?;
    if addr.ip().is_unspecified() {
        addr.set_ip(match addr.ip() {
            IpAddr::V4(_) => IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(_) => IpAddr::V6(Ipv6Addr::LOCALHOST),
        });
    }
    Url::parse(&format!("http://{addr}/healthz")).map_err(|err| {
        HealthcheckError::BadTarget(format!("invalid AMIROLL_LISTEN `{listen}`: {err}"))
    })
}

/// GETs `url` and succeeds when it answers 2xx within `timeout`.
pub async fn check(url: &Url, timeout: Duration) -> Result<(), HealthcheckError> {
    let client = reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .user_agent(concat!("amiroll-healthcheck/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|err| HealthcheckError::Setup(format!("cannot build the HTTP client: {err}")))?;
    let failed = |err: reqwest::Error| failure(url, timeout, &err);
    let mut response = client.get(url.clone()).send().await.map_err(failed)?;
    let status = response.status();
    if status.is_success() {
        return Ok(());
    }
    // The body only decorates the reason: its first chunk is enough, and a body that cannot be
    // read is left out.
    let chunk = response.chunk().await.ok().flatten().unwrap_or_default();
    let body = String::from_utf8_lossy(&chunk[..chunk.len().min(REASON_BODY_BYTES)]);
    let first_line = body.lines().next().unwrap_or_default().trim();
    let detail = if first_line.is_empty() {
        String::new()
    } else {
        format!(
            ": {}",
            first_line
                .chars()
                .take(REASON_BODY_CHARS)
                .collect::<String>()
        )
    };
    Err(HealthcheckError::Unhealthy {
        url: url.clone(),
        status,
        detail,
    })
}

/// Classifies a failed request as a timeout or an unreachable server.
fn failure(url: &Url, timeout: Duration, err: &reqwest::Error) -> HealthcheckError {
    if err.is_timeout() {
        return HealthcheckError::Timeout {
            url: url.clone(),
            timeout,
        };
    }
    let mut reason = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        reason = cause.to_string();
        source = cause.source();
    }
    HealthcheckError::Unreachable {
        url: url.clone(),
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_url_or_listen_the_default_port_on_loopback_is_checked() {
        assert_eq!(target(None, None).unwrap().as_str(), DEFAULT_URL);
        assert_eq!(target(None, Some("")).unwrap().as_str(), DEFAULT_URL);
    }

    #[test]
    fn an_unspecified_listen_address_is_checked_on_loopback() {
        assert_eq!(
            target(None, Some("0.0.0.0:9000")).unwrap().as_str(),
            "http://127.0.0.1:9000/healthz"
        );
        assert_eq!(
            target(None, Some("[::]:9000")).unwrap().as_str(),
            "http://[::1]:9000/healthz"
        );
        assert_eq!(
            target(None, Some("10.0.0.5:8081")).unwrap().as_str(),
            "http://10.0.0.5:8081/healthz"
        );
    }

    #[test]
    fn an_explicit_url_wins_over_the_listen_address() {
        assert_eq!(
            target(Some("http://localhost:1/ready"), Some("0.0.0.0:9000"))
                .unwrap()
                .as_str(),
            "http://localhost:1/ready"
        );
    }

    #[test]
    fn malformed_targets_are_refused_with_the_setting_named() {
        let listen = target(None, Some("8080")).unwrap_err().to_string();
        assert!(listen.contains("AMIROLL_LISTEN `8080`"), "{listen}");
        let url = target(Some("not a url"), None).unwrap_err().to_string();
        assert!(url.contains("--url `not a url`"), "{url}");
        let scheme = target(Some("ftp://127.0.0.1/healthz"), None)
            .unwrap_err()
            .to_string();
        assert!(scheme.contains("http or https"), "{scheme}");
    }
}
