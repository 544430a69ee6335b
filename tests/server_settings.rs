//! The settings of `amiroll serve`: the environment variable names operators rely on, the file
//! and its precedence, refusals that name the missing setting, and secrets kept out of output.

use std::path::PathBuf;
use std::process::{Command, Output};
use std::time::Duration;

use amiroll::server::settings::FileSettings;
use amiroll::server::{LogFormat, Secret, Settings, SettingsArgs, SettingsError};

const PEM: &str =
    "-----BEGIN RSA PRIVATE KEY-----\nMIIEsecretkeymaterial\n-----END RSA PRIVATE KEY-----\n";
const WEBHOOK_SECRET: &str = "webhook-secret-value-1234";
const API_TOKEN: &str = "operator-token-abcdefgh-1234";

fn complete_args() -> SettingsArgs {
    SettingsArgs {
        app_id: Some(42),
        private_key: Some(Secret::new(PEM)),
        webhook_secret: Some(Secret::new(WEBHOOK_SECRET)),
        ..SettingsArgs::default()
    }
}

fn resolve(args: SettingsArgs) -> Result<Settings, SettingsError> {
    Settings::merge(args, FileSettings::default(), None)
}

/// Runs `amiroll serve --print-settings` with only `env` in its environment.
fn print_settings(env: &[(&str, &str)], args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_amiroll"))
        .arg("serve")
        .arg("--print-settings")
        .args(args)
        .env_clear()
        .envs(env.iter().copied())
        .output()
        .unwrap()
}

#[test]
fn defaults_fill_everything_but_the_required_settings() {
    let settings = resolve(complete_args()).unwrap();
    assert_eq!(settings.app_id, 42);
    assert_eq!(settings.github_api_url.as_str(), "https://api.github.com/");
    assert_eq!(settings.listen.to_string(), "127.0.0.1:8080");
    assert_eq!(settings.poll_interval, Some(Duration::from_secs(15 * 60)));
    assert_eq!(settings.queue.capacity, 1_000);
    assert_eq!(settings.max_body_bytes, 25 * 1024 * 1024);
    assert_eq!(settings.shutdown_deadline, Duration::from_secs(25));
    assert_eq!(settings.log_format, LogFormat::Human);
    assert!(settings.api_token.is_none());
    assert!(settings.sns.allowed_topics.is_empty());
}

#[test]
fn a_missing_secret_key_or_app_id_is_refused_naming_the_setting() {
    let no_secret = SettingsArgs {
        webhook_secret: None,
        ..complete_args()
    };
    let err = resolve(no_secret).unwrap_err().to_string();
    assert!(err.contains("AMIROLL_WEBHOOK_SECRET"), "{err}");

    let empty_secret = SettingsArgs {
        webhook_secret: Some(Secret::new("")),
        ..complete_args()
    };
    let err = resolve(empty_secret).unwrap_err().to_string();
    assert!(err.contains("AMIROLL_WEBHOOK_SECRET"), "{err}");

    let no_key = SettingsArgs {
        private_key: None,
        ..complete_args()
    };
    let err = resolve(no_key).unwrap_err().to_string();
    assert!(err.contains("AMIROLL_PRIVATE_KEY_PATH"), "{err}");
    assert!(err.contains("AMIROLL_PRIVATE_KEY "), "{err}");

    let no_app = SettingsArgs {
        app_id: None,
        ..complete_args()
    };
    let err = resolve(no_app).unwrap_err().to_string();
    assert!(err.contains("AMIROLL_APP_ID"), "{err}");
}

#[test]
fn a_key_that_is_not_pem_is_refused_without_echoing_it() {
    let args = SettingsArgs {
        private_key: Some(Secret::new("hunter2-not-a-key")),
        ..complete_args()
    };
    let err = resolve(args).unwrap_err().to_string();
    assert!(err.contains("PEM"), "{err}");
    assert!(!err.contains("hunter2"), "{err}");

    let missing_file = SettingsArgs {
        private_key: None,
        private_key_path: Some(PathBuf::from("/nonexistent/amiroll.pem")),
        ..complete_args()
    };
    let err = resolve(missing_file).unwrap_err().to_string();
    assert!(err.contains("/nonexistent/amiroll.pem"), "{err}");
}

#[test]
fn secrets_are_redacted_in_debug_output() {
    let args = SettingsArgs {
        api_token: Some(Secret::new(API_TOKEN)),
        ..complete_args()
    };
    let printed_args = format!("{args:?}");
    let settings = resolve(args).unwrap();
    let printed = format!("{settings:?} {settings:#?}");
    for text in [printed_args, printed] {
        assert!(!text.contains(WEBHOOK_SECRET), "{text}");
        assert!(!text.contains("MIIEsecretkeymaterial"), "{text}");
        assert!(!text.contains(API_TOKEN), "{text}");
        assert!(text.contains("[redacted]"), "{text}");
    }
}

#[test]
fn an_enterprise_server_url_is_kept_without_trailing_slash() {
    let args = SettingsArgs {
        github_api_url: Some("https://github.example.com/api/v3/".into()),
        ..complete_args()
    };
    let settings = resolve(args).unwrap();
    assert_eq!(
        settings.github_api_url.as_str(),
        "https://github.example.com/api/v3"
    );

    for bad in ["ftp://example.com", "not a url", "https://example.com/?q=1"] {
        let args = SettingsArgs {
            github_api_url: Some(bad.into()),
            ..complete_args()
        };
        let err = resolve(args).unwrap_err().to_string();
        assert!(err.contains("AMIROLL_GITHUB_API_URL"), "{bad}: {err}");
    }
}

#[test]
fn durations_topics_and_sizes_are_parsed_and_checked() {
    let args = SettingsArgs {
        poll_interval: Some("5s".into()),
        sns_topics: Some(
            "arn:aws:sns:us-east-1:177427601217:ecs-optimized-amazon-ami-update, ".into(),
        ),
        sns_max_age: Some("10m".into()),
        queue_size: Some(5),
        log_format: Some(LogFormat::Json),
        ..complete_args()
    };
    let settings = resolve(args).unwrap();
    assert_eq!(settings.poll_interval, Some(Duration::from_secs(5)));
    assert_eq!(settings.sns.allowed_topics.len(), 1);
    assert_eq!(settings.sns.max_age, Duration::from_secs(600));
    assert_eq!(settings.queue.capacity, 5);
    assert_eq!(settings.log_format, LogFormat::Json);

    let disabled = SettingsArgs {
        poll_interval: Some("0s".into()),
        ..complete_args()
    };
    assert_eq!(resolve(disabled).unwrap().poll_interval, None);

    for (args, setting) in [
        (
            SettingsArgs {
                poll_interval: Some("soon".into()),
                ..complete_args()
            },
            "AMIROLL_POLL_INTERVAL",
        ),
        (
            SettingsArgs {
                sns_topics: Some("not-an-arn".into()),
                ..complete_args()
            },
            "AMIROLL_SNS_TOPICS",
        ),
        (
            SettingsArgs {
                queue_size: Some(0),
                ..complete_args()
            },
            "AMIROLL_QUEUE_SIZE",
        ),
        (
            SettingsArgs {
                listen: Some("localhost".into()),
                ..complete_args()
            },
            "AMIROLL_LISTEN",
        ),
        (
            SettingsArgs {
                api_token: Some(Secret::new("short")),
                ..complete_args()
            },
            "AMIROLL_API_TOKEN",
        ),
    ] {
        let err = resolve(args).unwrap_err().to_string();
        assert!(err.contains(setting), "{setting}: {err}");
    }
}

#[test]
fn the_file_fills_gaps_and_flags_override_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("app.pem"), PEM).unwrap();
    let file = dir.path().join("amiroll.yml");
    std::fs::write(
        &file,
        "app_id: 7\n\
             private_key_path: app.pem\n\
             webhook_secret: from-the-file\n\
             listen: 127.0.0.1:9000\n\
             poll_interval: 1m\n\
             sns_topics:\n  - arn:aws:sns:us-east-1:177427601217:ecs-optimized-amazon-ami-update\n\
             log_format: json\n",
    )
    .unwrap();
    let args = SettingsArgs {
        config_file: Some(file.clone()),
        listen: Some("127.0.0.1:9100".into()),
        ..SettingsArgs::default()
    };
    let settings = Settings::resolve(args).unwrap();
    assert_eq!(settings.app_id, 7);
    assert_eq!(
        settings.private_key.expose(),
        PEM,
        "read relative to the file"
    );
    assert_eq!(settings.webhook_secret.expose(), "from-the-file");
    assert_eq!(
        settings.listen.to_string(),
        "127.0.0.1:9100",
        "the flag wins"
    );
    assert_eq!(settings.poll_interval, Some(Duration::from_secs(60)));
    assert_eq!(settings.sns.allowed_topics.len(), 1);
    assert_eq!(settings.log_format, LogFormat::Json);

    std::fs::write(&file, "app_id: 7\nwebhok_secret: typo\n").unwrap();
    let err = Settings::resolve(SettingsArgs {
        config_file: Some(file),
        ..SettingsArgs::default()
    })
    .unwrap_err()
    .to_string();
    assert!(err.contains("webhok_secret"), "{err}");
}

#[test]
fn the_environment_variable_names_are_honoured_and_secrets_never_printed() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("app.pem");
    std::fs::write(&key, PEM).unwrap();
    let output = print_settings(
        &[
            ("AMIROLL_APP_ID", "12345"),
            ("AMIROLL_PRIVATE_KEY_PATH", key.to_str().unwrap()),
            ("AMIROLL_WEBHOOK_SECRET", WEBHOOK_SECRET),
            ("AMIROLL_GITHUB_API_URL", "https://ghe.example.com/api/v3"),
            ("AMIROLL_LISTEN", "127.0.0.1:18080"),
            ("AMIROLL_POLL_INTERVAL", "5s"),
            ("AMIROLL_API_TOKEN", API_TOKEN),
            (
                "AMIROLL_SNS_TOPICS",
                "arn:aws:sns:eu-west-1:123456789012:amis,arn:aws:sns:us-east-1:123456789012:more",
            ),
            ("AMIROLL_SNS_CERT_DIR", "/etc/amiroll/sns-certs"),
            ("AMIROLL_SNS_MAX_AGE", "30m"),
            ("AMIROLL_QUEUE_SIZE", "77"),
            ("AMIROLL_LOG_FORMAT", "json"),
            ("AWS_REGION", "eu-west-1"),
        ],
        &[],
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    for expected in [
        "app_id: 12345",
        "ghe.example.com",
        "/api/v3",
        "127.0.0.1:18080",
        "5s",
        "arn:aws:sns:eu-west-1:123456789012:amis",
        "arn:aws:sns:us-east-1:123456789012:more",
        "/etc/amiroll/sns-certs",
        "1800s",
        "capacity: 77",
        "Json",
        "eu-west-1",
    ] {
        assert!(
            stdout.contains(expected),
            "`{expected}` missing from:\n{stdout}"
        );
    }
    for secret in [WEBHOOK_SECRET, API_TOKEN, "MIIEsecretkeymaterial"] {
        assert!(!stdout.contains(secret), "a secret was printed:\n{stdout}");
        assert!(!stderr.contains(secret), "a secret was printed:\n{stderr}");
    }
}

#[test]
fn serve_refuses_to_start_without_a_webhook_secret() {
    let output = print_settings(
        &[("AMIROLL_APP_ID", "1"), ("AMIROLL_PRIVATE_KEY", PEM)],
        &[],
    );
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("AMIROLL_WEBHOOK_SECRET"), "{stderr}");
}

#[test]
fn the_help_documents_every_environment_variable_without_showing_secret_values() {
    let output = Command::new(env!("CARGO_BIN_EXE_amiroll"))
        .args(["serve", "--help"])
        .env_clear()
        .env("AMIROLL_WEBHOOK_SECRET", WEBHOOK_SECRET)
        .env("AMIROLL_API_TOKEN", API_TOKEN)
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&output.stdout);
    for variable in [
        "AMIROLL_APP_ID",
        "AMIROLL_PRIVATE_KEY_PATH",
        "AMIROLL_PRIVATE_KEY",
        "AMIROLL_WEBHOOK_SECRET",
        "AMIROLL_GITHUB_API_URL",
        "AMIROLL_LISTEN",
        "AMIROLL_POLL_INTERVAL",
        "AMIROLL_API_TOKEN",
        "AMIROLL_SNS_TOPICS",
        "AMIROLL_SNS_CERT_DIR",
        "AMIROLL_SNS_MAX_AGE",
        "AMIROLL_QUEUE_SIZE",
        "AMIROLL_LOG_FORMAT",
        "AMIROLL_CONFIG_FILE",
    ] {
        assert!(help.contains(variable), "{variable} missing from --help");
    }
    assert!(!help.contains(WEBHOOK_SECRET), "{help}");
    assert!(!help.contains(API_TOKEN), "{help}");
}

#[test]
fn a_key_passed_with_escaped_newlines_is_restored() {
    let escaped = PEM.trim_end().replace('\n', "\\n");
    let args = SettingsArgs {
        private_key: Some(Secret::new(escaped)),
        ..complete_args()
    };
    let settings = resolve(args).unwrap();
    assert_eq!(settings.private_key.expose(), PEM.trim_end());
}
