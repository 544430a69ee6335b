//! What an operator decides about the SNS endpoint: which topics may trigger a check, where trusted
//! certificates live, how old a message may be. The server fills it from the environment.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use super::message::shorten;

/// An SNS topic ARN, `arn:<partition>:sns:<region>:<account>:<name>`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TopicArn(String);

/// Why a string is not an SNS topic ARN.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{value}` is not an SNS topic ARN (expected arn:aws:sns:<region>:<12-digit account>:<name>)"
)]
pub struct InvalidTopicArn {
    /// The rejected input, shortened.
    pub value: String,
}

impl TopicArn {
    /// The legacy topic on which Amazon announced ECS-optimized AMIs until 2021, in `region`.
    pub fn legacy_ecs_ami_update(region: &str) -> Result<Self, InvalidTopicArn> {
        format!("arn:aws:sns:{region}:177427601217:ecs-optimized-amazon-ami-update").parse()
    }

    /// Parses a comma-separated list (as in `AMIROLL_SNS_TOPICS`); blanks around entries and empty
    /// entries are ignored.
    pub fn parse_list(value: &str) -> Result<Vec<Self>, InvalidTopicArn> {
        value
            .split(',')
            .map(str::trim)
            .filter(|entry| !entry.is_empty())
            .map(str::parse)
            .collect()
    }

    /// The ARN.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn is_topic_arn(value: &str) -> bool {
    let parts: Vec<&str> = value.splitn(6, ':').collect();
    let [arn, partition, service, region, account, name] = parts[..] else {
        return false;
    };
    let lower_dash = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    };
    let base_name = name.strip_suffix(".fifo").unwrap_or(name);
    arn == "arn"
        && lower_dash(partition)
        && service == "sns"
        && lower_dash(region)
        && account.len() == 12
        && account.bytes().all(|b| b.is_ascii_digit())
        && (1..=256).contains(&base_name.len())
        && base_name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

impl FromStr for TopicArn {
    type Err = InvalidTopicArn;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        if is_topic_arn(value) {
            Ok(Self(value.to_owned()))
        } else {
            Err(InvalidTopicArn {
                value: shorten(value),
            })
        }
    }
}

impl fmt::Display for TopicArn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Settings of `POST /webhooks/sns`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SnsSettings {
    /// Topics whose messages are accepted (`AMIROLL_SNS_TOPICS`, comma-separated ARNs). Any other
    /// topic is refused with 403, so the default (empty) refuses everything.
    pub allowed_topics: Vec<TopicArn>,
    /// A directory of trusted signing certificates, each named as the last path segment of its
    /// `SigningCertURL` (`AMIROLL_SNS_CERT_DIR`). When set nothing is fetched (air-gapped
    /// deployments); when unset certificates are fetched over HTTPS and cached by URL.
    pub cert_dir: Option<PathBuf>,
    /// The oldest message accepted, by its `Timestamp` (`AMIROLL_SNS_MAX_AGE`; default one hour).
    /// This is what bounds replays: certificate expiry is not judged.
    pub max_age: Duration,
    /// How far in the future a `Timestamp` may be, for clock skew (default five minutes).
    pub max_clock_skew: Duration,
    /// The largest body read (default 512 KiB: a 256 KB SNS message, its JSON escaping and the
    /// envelope). Larger bodies are answered 413.
    pub max_body_bytes: usize,
    /// How many `MessageId`s are remembered for de-duplication (default 10 000).
    pub remembered_messages: usize,
}

impl SnsSettings {
    /// Whether messages of `topic_arn` are accepted.
    pub fn allows(&self, topic_arn: &str) -> bool {
        self.allowed_topics.iter().any(|t| t.as_str() == topic_arn)
    }
}

impl Default for SnsSettings {
    fn default() -> Self {
        Self {
            allowed_topics: Vec::new(),
            cert_dir: None,
            max_age: Duration::from_secs(60 * 60),
            max_clock_skew: Duration::from_secs(5 * 60),
            max_body_bytes: 512 * 1024,
            remembered_messages: 10_000,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topic_arns_are_validated() {
        for good in [
            "arn:aws:sns:us-east-1:177427601217:ecs-optimized-amazon-ami-update",
            "arn:aws-cn:sns:cn-north-1:123456789012:x",
            "arn:aws:sns:us-east-2:123456789012:orders.fifo",
        ] {
            assert!(good.parse::<TopicArn>().is_ok(), "{good}");
        }
        for bad in [
            "",
            "arn:aws:sqs:us-east-1:123456789012:x",
            "arn:aws:sns:us-east-1:12345678901:x",
            "arn:aws:sns:us-east-1:123456789012:",
            "arn:aws:sns:us-east-1:123456789012:a:b",
            "arn:aws:sns::123456789012:x",
            "arn:aws:sns:us-east-1:123456789012:x y",
        ] {
            assert!(bad.parse::<TopicArn>().is_err(), "{bad}");
        }
    }

    #[test]
    fn the_environment_list_is_comma_separated() {
        let topics = TopicArn::parse_list(
            " arn:aws:sns:us-east-1:123456789012:a ,, arn:aws:sns:us-east-1:123456789012:b ",
        )
        .unwrap();
        assert_eq!(topics.len(), 2);
        let settings = SnsSettings {
            allowed_topics: topics,
            ..SnsSettings::default()
        };
        assert!(settings.allows("arn:aws:sns:us-east-1:123456789012:b"));
        assert!(!settings.allows("arn:aws:sns:us-east-1:123456789012:B"));
        assert!(TopicArn::parse_list("arn:aws:sns:us-east-1:123456789012:a,nope").is_err());
        assert!(!SnsSettings::default().allows("arn:aws:sns:us-east-1:123456789012:a"));
    }
}
