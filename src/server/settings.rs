//! The settings of `amiroll serve`: from flags, environment variables (the names operators and
//! deployment tooling rely on) and an optional YAML file, with precedence
//! flags/environment > file > defaults. Resolving refuses to start without an App id, a private
//! key and a webhook secret, naming the missing setting. Secrets are [`Secret`]s, so the resolved
//! settings can be logged or printed with `Debug` safely.

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use url::Url;

use super::queue::QueueConfig;
use super::secret::Secret;
use crate::ami::api::ApiToken;
use crate::ami::sns::{SnsSettings, TopicArn};
use crate::ami::ssm::{ParameterName, is_region};
use crate::config::{DEFAULT_REGION, DEFAULT_SSM_PARAMETER};

/// The GitHub API of github.com.
pub const DEFAULT_GITHUB_API_URL: &str = "https://api.github.com";
/// The default listen address (loopback: put a reverse proxy or load balancer in front).
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
/// The default SSM poll interval.
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(15 * 60);
/// How often every repository is reconciled by default.
pub const DEFAULT_RECONCILE_INTERVAL: Duration = Duration::from_secs(10 * 60);
/// The default webhook body limit: GitHub caps payloads at 25 MB, so no genuine delivery is
/// refused; the body is only held while it is verified and parsed.
pub const DEFAULT_MAX_BODY_BYTES: usize = 25 * 1024 * 1024;
/// The default time given to queued work at shutdown (under a typical 30 s termination grace).
pub const DEFAULT_SHUTDOWN_DEADLINE: Duration = Duration::from_secs(25);

/// How log lines are written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Human,
    /// One JSON object per line.
    Json,
}

/// The settings as given on the command line or in the environment (all optional: the file and
/// the defaults fill the gaps).
#[derive(Clone, Debug, Default, clap::Args)]
pub struct SettingsArgs {
    /// A YAML file with any of the settings below, keyed by their snake_case names (`app_id`,
    /// `private_key_path`, `webhook_secret`, `listen`, `poll_interval`, `sns_topics` as a list,
    /// ...). Flags and environment variables override it.
    #[arg(long, env = "AMIROLL_CONFIG_FILE", value_name = "PATH")]
    pub config_file: Option<PathBuf>,
    /// The GitHub App's id. Required.
    #[arg(long, env = "AMIROLL_APP_ID", value_name = "ID")]
    pub app_id: Option<u64>,
    /// A file holding the App's private key (PEM). This or --private-key is required.
    #[arg(long, env = "AMIROLL_PRIVATE_KEY_PATH", value_name = "PATH")]
    pub private_key_path: Option<PathBuf>,
    /// The App's private key itself (PEM), instead of --private-key-path.
    #[arg(
        long,
        env = "AMIROLL_PRIVATE_KEY",
        value_name = "PEM",
        hide_env_values = true
    )]
    pub private_key: Option<Secret>,
    /// The webhook secret GitHub signs deliveries with. Required.
    #[arg(
        long,
        env = "AMIROLL_WEBHOOK_SECRET",
        value_name = "SECRET",
        hide_env_values = true
    )]
    pub webhook_secret: Option<Secret>,
    /// The GitHub API base URL; GitHub Enterprise Server: `https://HOST/api/v3`.
    /// [default: https://api.github.com]
    #[arg(long, env = "AMIROLL_GITHUB_API_URL", value_name = "URL")]
    pub github_api_url: Option<String>,
    /// The address to listen on. [default: 127.0.0.1:8080]
    #[arg(long, env = "AMIROLL_LISTEN", value_name = "ADDR:PORT")]
    pub listen: Option<String>,
    /// How often to read the SSM parameter (`15m`, `5s`, ...); `0s` disables the poller.
    /// [default: 15m]
    #[arg(long, env = "AMIROLL_POLL_INTERVAL", value_name = "DURATION")]
    pub poll_interval: Option<String>,
    /// How often to reconcile every installed repository (missed events, missed releases,
    /// failed webhook deliveries), also done once at start-up; `0s` disables it. [default: 10m]
    #[arg(long, env = "AMIROLL_RECONCILE_INTERVAL", value_name = "DURATION")]
    pub reconcile_interval: Option<String>,
    /// The SSM parameter the poller reads.
    /// [default: /aws/service/ecs/optimized-ami/amazon-linux-2/recommended]
    #[arg(long, env = "AMIROLL_SSM_PARAMETER", value_name = "NAME")]
    pub ssm_parameter: Option<String>,
    /// The AWS region the poller reads SSM in. [default: us-east-1]
    #[arg(long, env = "AWS_REGION", value_name = "REGION")]
    pub aws_region: Option<String>,
    /// The bearer token of `POST /api/check` (at least 16 characters); unset disables it (403).
    #[arg(
        long,
        env = "AMIROLL_API_TOKEN",
        value_name = "TOKEN",
        hide_env_values = true
    )]
    pub api_token: Option<Secret>,
    /// SNS topic ARNs (comma-separated) whose notifications may trigger a check at
    /// `POST /webhooks/sns`; unset: the SNS endpoint is not mounted.
    #[arg(long, env = "AMIROLL_SNS_TOPICS", value_name = "ARNS")]
    pub sns_topics: Option<String>,
    /// A directory of trusted SNS signing certificates (nothing is fetched when set).
    #[arg(long, env = "AMIROLL_SNS_CERT_DIR", value_name = "DIR")]
    pub sns_cert_dir: Option<PathBuf>,
    /// The oldest SNS message accepted. [default: 1h]
    #[arg(long, env = "AMIROLL_SNS_MAX_AGE", value_name = "DURATION")]
    pub sns_max_age: Option<String>,
    /// The most deliveries accepted and not yet handled; beyond it deliveries are answered 503
    /// so GitHub records them as failed and they can be redelivered. [default: 1000]
    #[arg(long, env = "AMIROLL_QUEUE_SIZE", value_name = "N")]
    pub queue_size: Option<usize>,
    /// The most deliveries handled at once (across repositories). [default: 8]
    #[arg(long, env = "AMIROLL_WORKERS", value_name = "N")]
    pub workers: Option<usize>,
    /// The largest webhook body read, in bytes; larger ones are answered 413.
    /// [default: 26214400 (25 MiB, GitHub's cap)]
    #[arg(long, env = "AMIROLL_MAX_BODY_BYTES", value_name = "BYTES")]
    pub max_body_bytes: Option<usize>,
    /// How long queued work may take to finish at shutdown before it is abandoned (and
    /// reported). [default: 25s]
    #[arg(long, env = "AMIROLL_SHUTDOWN_DEADLINE", value_name = "DURATION")]
    pub shutdown_deadline: Option<String>,
    /// The log format (the level comes from RUST_LOG, default `info`). [default: human]
    #[arg(long, env = "AMIROLL_LOG_FORMAT", value_name = "FORMAT")]
    pub log_format: Option<LogFormat>,
}

/// The settings file (`--config-file`, YAML). Every key is optional.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileSettings {
    /// See `--app-id`.
    pub app_id: Option<u64>,
    /// See `--private-key-path`; relative to the file's directory.
    pub private_key_path: Option<PathBuf>,
    /// See `--private-key`.
    pub private_key: Option<Secret>,
    /// See `--webhook-secret`.
    pub webhook_secret: Option<Secret>,
    /// See `--github-api-url`.
    pub github_api_url: Option<String>,
    /// See `--listen`.
    pub listen: Option<String>,
    /// See `--poll-interval`.
    pub poll_interval: Option<String>,
    /// See `--reconcile-interval`.
    pub reconcile_interval: Option<String>,
    /// See `--ssm-parameter`.
    pub ssm_parameter: Option<String>,
    /// See `--aws-region`.
    pub aws_region: Option<String>,
    /// See `--api-token`.
    pub api_token: Option<Secret>,
    /// See `--sns-topics` (a list here).
    pub sns_topics: Option<Vec<String>>,
    /// See `--sns-cert-dir`.
    pub sns_cert_dir: Option<PathBuf>,
    /// See `--sns-max-age`.
    pub sns_max_age: Option<String>,
    /// See `--queue-size`.
    pub queue_size: Option<usize>,
    /// See `--workers`.
    pub workers: Option<usize>,
    /// See `--max-body-bytes`.
    pub max_body_bytes: Option<usize>,
    /// See `--shutdown-deadline`.
    pub shutdown_deadline: Option<String>,
    /// See `--log-format`.
    pub log_format: Option<LogFormat>,
}

/// The resolved settings of `amiroll serve`. `Debug` shows no secret.
#[derive(Clone, Debug)]
pub struct Settings {
    /// The GitHub App's id.
    pub app_id: u64,
    /// The App's private key (PEM).
    pub private_key: Secret,
    /// The webhook secret.
    pub webhook_secret: Secret,
    /// The GitHub API base URL (no trailing slash in its path).
    pub github_api_url: Url,
    /// The listen address.
    pub listen: SocketAddr,
    /// The SSM poll interval; `None` when the poller is disabled.
    pub poll_interval: Option<Duration>,
    /// The reconciliation interval; `None` when periodic reconciliation is disabled.
    pub reconcile_interval: Option<Duration>,
    /// The SSM parameter the poller reads.
    pub ssm_parameter: ParameterName,
    /// The region it is read in.
    pub aws_region: String,
    /// The operator API token, when the API is enabled.
    pub api_token: Option<Secret>,
    /// The SNS endpoint's settings; mounted only when topics are configured.
    pub sns: SnsSettings,
    /// Queue sizes.
    pub queue: QueueConfig,
    /// The largest webhook body read.
    pub max_body_bytes: usize,
    /// The time given to queued work at shutdown.
    pub shutdown_deadline: Duration,
    /// The log format.
    pub log_format: LogFormat,
}

/// Why the settings cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// A required setting is missing.
    #[error("missing setting: {0}")]
    Missing(&'static str),
    /// A setting has an unusable value.
    #[error("invalid {setting}: {reason}")]
    Invalid {
        /// The setting, named as its environment variable.
        setting: &'static str,
        /// What is wrong (never the value of a secret).
        reason: String,
    },
    /// The settings file cannot be read or parsed.
    #[error("cannot read the settings file {}: {reason}", path.display())]
    File {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
}

fn invalid(setting: &'static str, reason: impl fmt::Display) -> SettingsError {
    SettingsError::Invalid {
        setting,
        reason: reason.to_string(),
    }
}

impl Settings {
    /// Resolves `args` (flags and environment), reading `--config-file` when given.
    pub fn resolve(args: SettingsArgs) -> Result<Self, SettingsError> {
        let (file, file_dir) = match &args.config_file {
            Some(path) => (read_file(path)?, path.parent().map(Path::to_path_buf)),
            None => (FileSettings::default(), None),
        };
        Self::merge(args, file, file_dir.as_deref())
    }

    /// Merges `args` over `file` (whose relative paths are relative to `file_dir`) over the
    /// defaults, and checks the result.
    pub fn merge(
        args: SettingsArgs,
        file: FileSettings,
        file_dir: Option<&Path>,
    ) -> Result<Self, SettingsError> {
        let app_id = args.app_id.or(file.app_id).ok_or(SettingsError::Missing(
            "the GitHub App id (--app-id, AMIROLL_APP_ID or `app_id` in the settings file)",
        ))?;
        let private_key = private_key(&args, &file, file_dir)?;
        let webhook_secret = args
            .webhook_secret
            .or(file.webhook_secret)
            .filter(|secret| !secret.is_empty())
            .ok_or(SettingsError::Missing(
                "the webhook secret (--webhook-secret, AMIROLL_WEBHOOK_SECRET or `webhook_secret` \
                 in the settings file)",
            ))?;
        let github_api_url = github_api_url(
            args.github_api_url
                .or(file.github_api_url)
                .as_deref()
                .unwrap_or(DEFAULT_GITHUB_API_URL),
        )?;
        let listen_text = args.listen.or(file.listen);
        let listen = listen_text
            .as_deref()
            .unwrap_or(DEFAULT_LISTEN)
            .parse::<SocketAddr>()
            .map_err(|err| {
                invalid(
                    "AMIROLL_LISTEN",
                    format!("{err} (expected e.g. 127.0.0.1:8080)"),
                )
            })?;
        let poll_interval = match args.poll_interval.or(file.poll_interval) {
            Some(text) => Some(duration("AMIROLL_POLL_INTERVAL", &text)?),
            None => Some(DEFAULT_POLL_INTERVAL),
        }
        .filter(|interval| !interval.is_zero());
        let reconcile_interval = match args.reconcile_interval.or(file.reconcile_interval) {
            Some(text) => Some(duration("AMIROLL_RECONCILE_INTERVAL", &text)?),
            None => Some(DEFAULT_RECONCILE_INTERVAL),
        }
        .filter(|interval| !interval.is_zero());
        let ssm_parameter = args
            .ssm_parameter
            .or(file.ssm_parameter)
            .as_deref()
            .unwrap_or(DEFAULT_SSM_PARAMETER)
            .parse::<ParameterName>()
            .map_err(|err| invalid("AMIROLL_SSM_PARAMETER", err))?;
        let aws_region = args
            .aws_region
            .filter(|region| !region.is_empty())
            .or(file.aws_region)
            .unwrap_or_else(|| DEFAULT_REGION.to_owned());
        if !is_region(&aws_region) {
            return Err(invalid(
                "AWS_REGION",
                format!("`{aws_region}` is not an AWS region"),
            ));
        }
        let api_token = args
            .api_token
            .or(file.api_token)
            .filter(|token| !token.is_empty());
        if let Some(token) = &api_token {
            ApiToken::new(token.expose()).map_err(|err| invalid("AMIROLL_API_TOKEN", err))?;
        }
        let sns = sns_settings(
            args.sns_topics,
            file.sns_topics,
            args.sns_cert_dir
                .or(file.sns_cert_dir.map(|dir| relative_to(file_dir, dir))),
            args.sns_max_age.or(file.sns_max_age),
        )?;
        let defaults = QueueConfig::default();
        let queue = QueueConfig {
            capacity: positive(
                "AMIROLL_QUEUE_SIZE",
                args.queue_size
                    .or(file.queue_size)
                    .unwrap_or(defaults.capacity),
            )?,
            workers: positive(
                "AMIROLL_WORKERS",
                args.workers.or(file.workers).unwrap_or(defaults.workers),
            )?,
            remembered_deliveries: defaults.remembered_deliveries,
        };
        let max_body_bytes = positive(
            "AMIROLL_MAX_BODY_BYTES",
            args.max_body_bytes
                .or(file.max_body_bytes)
                .unwrap_or(DEFAULT_MAX_BODY_BYTES),
        )?;
        let shutdown_deadline = match args.shutdown_deadline.or(file.shutdown_deadline) {
            Some(text) => duration("AMIROLL_SHUTDOWN_DEADLINE", &text)?,
            None => DEFAULT_SHUTDOWN_DEADLINE,
        };
        Ok(Self {
            app_id,
            private_key,
            webhook_secret,
            github_api_url,
            listen,
            poll_interval,
            reconcile_interval,
            ssm_parameter,
            aws_region,
            api_token,
            sns,
            queue,
            max_body_bytes,
            shutdown_deadline,
            log_format: args.log_format.or(file.log_format).unwrap_or_default(),
        })
    }
}

fn read_file(path: &Path) -> Result<FileSettings, SettingsError> {
    let text = std::fs::read_to_string(path).map_err(|err| SettingsError::File {
        path: path.to_owned(),
        reason: err.to_string(),
    })?;
    serde_saphyr::from_str(&text).map_err(|err| SettingsError::File {
        path: path.to_owned(),
        reason: err.to_string(),
    })
}

fn relative_to(dir: Option<&Path>, path: PathBuf) -> PathBuf {
    match dir {
        Some(dir) if path.is_relative() => dir.join(path),
        _ => path,
    }
}

/// The private key: the first of --private-key, --private-key-path, then the file's, read and
/// checked to look like PEM. Giving both a key and a path at the same level is refused.
fn private_key(
    args: &SettingsArgs,
    file: &FileSettings,
    file_dir: Option<&Path>,
) -> Result<Secret, SettingsError> {
    let file_path = file
        .private_key_path
        .as_ref()
        .map(|path| relative_to(file_dir, path.clone()));
    match private_key_from(args.private_key.as_ref(), args.private_key_path.as_deref())? {
        Some(pem) => Ok(pem),
        None => private_key_from(file.private_key.as_ref(), file_path.as_deref())?.ok_or(
            SettingsError::Missing(
                "the GitHub App private key (--private-key-path / AMIROLL_PRIVATE_KEY_PATH, or \
                 --private-key / AMIROLL_PRIVATE_KEY holding the PEM, or `private_key_path` in the \
                 settings file)",
            ),
        ),
    }
}

/// The App's private key from one level of settings (the PEM itself, or a file holding it), read
/// and checked to look like PEM; `None` when that level gives neither. Giving both is refused.
/// Shared by every command that acts as the App.
pub fn private_key_from(
    key: Option<&Secret>,
    path: Option<&Path>,
) -> Result<Option<Secret>, SettingsError> {
    const SETTING: &str = "AMIROLL_PRIVATE_KEY";
    if key.is_some() && path.is_some() {
        return Err(invalid(
            SETTING,
            "both a private key and a private key path are set; set only one",
        ));
    }
    let pem = match (key.filter(|k| !k.is_empty()), path) {
        (Some(key), _) => key.clone(),
        (None, Some(path)) => read_key(path)?,
        (None, None) => return Ok(None),
    };
    // Some deployment tools cannot put newlines in a variable and pass `\n` instead.
    let pem = if pem.expose().contains('\n') {
        pem
    } else {
        Secret::new(pem.expose().replace("\\n", "\n"))
    };
    let text = pem.expose();
    if !(text.contains("-----BEGIN") && text.contains("PRIVATE KEY-----")) {
        return Err(invalid(SETTING, "it does not look like a PEM private key"));
    }
    Ok(Some(pem))
}

fn read_key(path: &Path) -> Result<Secret, SettingsError> {
    std::fs::read_to_string(path)
        .map(Secret::new)
        .map_err(|err| {
            invalid(
                "AMIROLL_PRIVATE_KEY_PATH",
                format!("cannot read {}: {err}", path.display()),
            )
        })
}

fn github_api_url(text: &str) -> Result<Url, SettingsError> {
    const SETTING: &str = "AMIROLL_GITHUB_API_URL";
    let mut url = Url::parse(text).map_err(|err| invalid(SETTING, format!("`{text}`: {err}")))?;
    if !matches!(url.scheme(), "https" | "http") || url.host().is_none() {
        return Err(invalid(SETTING, format!("`{text}` is not an http(s) URL")));
    }
    if url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() {
        return Err(invalid(
            SETTING,
            "a base URL has no query, fragment or credentials",
        ));
    }
    let path = url.path().trim_end_matches('/').to_owned();
    url.set_path(&path);
    Ok(url)
}

fn duration(setting: &'static str, text: &str) -> Result<Duration, SettingsError> {
    humantime::parse_duration(text.trim())
        .map_err(|err| invalid(setting, format!("`{text}`: {err} (expected e.g. 15m, 5s)")))
}

fn positive(setting: &'static str, n: usize) -> Result<usize, SettingsError> {
    if n == 0 {
        return Err(invalid(setting, "must be at least 1"));
    }
    Ok(n)
}

fn sns_settings(
    args_topics: Option<String>,
    file_topics: Option<Vec<String>>,
    cert_dir: Option<PathBuf>,
    max_age: Option<String>,
) -> Result<SnsSettings, SettingsError> {
    const SETTING: &str = "AMIROLL_SNS_TOPICS";
    let allowed_topics = match (args_topics, file_topics) {
        (Some(list), _) => TopicArn::parse_list(&list).map_err(|err| invalid(SETTING, err))?,
        (None, Some(list)) => list
            .iter()
            .map(|arn| arn.trim().parse::<TopicArn>())
            .collect::<Result<_, _>>()
            .map_err(|err| invalid(SETTING, err))?,
        (None, None) => Vec::new(),
    };
    let mut sns = SnsSettings {
        allowed_topics,
        cert_dir,
        ..SnsSettings::default()
    };
    if let Some(text) = max_age {
        sns.max_age = duration("AMIROLL_SNS_MAX_AGE", &text)?;
    }
    Ok(sns)
}
