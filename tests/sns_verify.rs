//! SNS signature verification against four genuine AWS-signed notifications: they verify, and
//! every single-field mutation of them is refused; bad certificate URLs are refused unfetched.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use amiroll::ami::sns::{
    CertError, CertStore, FetchError, FetchFuture, Fetcher, MessageError, SigningCertUrl,
    SnsMessage, UrlRefused, VerifyError, verify_message,
};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value};
use url::Url;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/sns");
const GENUINE_CERT_URL: &str = "https://sns.us-east-2.amazonaws.com/SimpleNotificationService-7ff5318490ec183fbaddaa2a969abfda.pem";

type Object = Map<String, Value>;

fn genuine() -> Vec<Object> {
    let text =
        std::fs::read_to_string(format!("{FIXTURES}/real_aws_signed_notifications.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn cert_pem() -> Vec<u8> {
    std::fs::read(format!(
        "{FIXTURES}/SimpleNotificationService-7ff5318490ec183fbaddaa2a969abfda.pem"
    ))
    .unwrap()
}

/// A fetcher that serves the fixture certificate at its genuine URL and records every call.
#[derive(Default)]
struct RecordingFetcher {
    served: HashMap<String, Vec<u8>>,
    calls: Mutex<Vec<String>>,
}

impl RecordingFetcher {
    fn serving_the_fixture_cert() -> Arc<Self> {
        Arc::new(Self {
            served: HashMap::from([(GENUINE_CERT_URL.to_owned(), cert_pem())]),
            calls: Mutex::default(),
        })
    }

    fn calls(&self) -> Vec<String> {
        self.calls.lock().unwrap().clone()
    }
}

impl Fetcher for RecordingFetcher {
    fn get<'a>(&'a self, url: &'a Url) -> FetchFuture<'a> {
        self.calls.lock().unwrap().push(url.to_string());
        let answer = self
            .served
            .get(url.as_str())
            .cloned()
            .ok_or(FetchError::Status {
                url: url.to_string(),
                status: 404,
            });
        Box::pin(async move { answer })
    }
}

/// Why a message was not accepted.
#[derive(Debug)]
enum Refusal {
    Parse(MessageError),
    Verify(VerifyError),
}

async fn verdict(message: &Object, certs: &CertStore) -> Result<(), Refusal> {
    let body = serde_json::to_vec(message).unwrap();
    let parsed = SnsMessage::parse(&body).map_err(Refusal::Parse)?;
    verify_message(&parsed, certs)
        .await
        .map_err(Refusal::Verify)
}

#[tokio::test]
async fn the_genuine_notifications_verify_from_a_trusted_directory_and_over_https() {
    let messages = genuine();
    let versions: Vec<(&str, bool)> = messages
        .iter()
        .map(|m| {
            (
                m["SignatureVersion"].as_str().unwrap(),
                m.contains_key("Subject"),
            )
        })
        .collect();
    assert_eq!(
        versions,
        [("1", false), ("2", false), ("1", true), ("2", true)],
        "the fixtures cover both versions, with and without Subject"
    );

    let trusted = CertStore::directory(FIXTURES);
    let fetcher = RecordingFetcher::serving_the_fixture_cert();
    let fetching = CertStore::fetching(fetcher.clone());
    for message in &messages {
        verdict(message, &trusted).await.unwrap();
        verdict(message, &fetching).await.unwrap();
    }
    assert_eq!(
        fetcher.calls(),
        [GENUINE_CERT_URL],
        "fetched once, then cached by URL"
    );
}

/// What a mutation must lead to.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Expect {
    /// The message still parses and the signature check itself refuses it.
    SignatureMismatch,
    /// Refused as not an SNS message at all.
    Malformed,
    /// Refused as not an SNS message, naming the missing field.
    Missing(&'static str),
    /// Refused for its signature version.
    UnsupportedVersion,
    /// Refused for its signature encoding.
    NotBase64,
    /// Refused for its certificate URL, before any fetch.
    CertUrlRefused,
    /// Refused because no certificate is found at a URL that passes the rule.
    NoCertificate,
    /// Accepted: the field is not signed by AWS and amiroll never reads it.
    Accepted,
}

struct Mutation {
    name: String,
    message: Object,
    expect: Expect,
}

fn set(original: &Object, key: &str, value: Option<&str>) -> Object {
    let mut message = original.clone();
    match value {
        Some(value) => message.insert(key.to_owned(), value.into()),
        None => message.remove(key),
    };
    message
}

/// Every single-field mutation of `original` this test knows.
fn mutations(original: &Object, other_signature: &str) -> Vec<Mutation> {
    let mut out = Vec::new();
    let mut push = |name: String, message: Object, expect: Expect| {
        out.push(Mutation {
            name,
            message,
            expect,
        })
    };
    let text = |key: &str| original[key].as_str().unwrap().to_owned();

    // Signed fields: any change of the value is a different signed string.
    for key in ["Message", "MessageId", "TopicArn", "Subject"] {
        if !original.contains_key(key) {
            continue;
        }
        let value = text(key);
        let mut shorter = value.clone();
        shorter.pop();
        for changed in [
            format!("{value}x"),
            format!(" {value}"),
            shorter,
            value.to_uppercase(),
            String::new(),
        ] {
            push(
                format!("{key} = {changed:?}"),
                set(original, key, Some(&changed)),
                Expect::SignatureMismatch,
            );
        }
    }
    let stamp = text("Timestamp");
    let last_digit = stamp.trim_end_matches('Z').chars().last().unwrap();
    let next_digit = if last_digit == '9' {
        '0'
    } else {
        char::from(last_digit as u8 + 1)
    };
    for changed in [
        format!("{}{next_digit}Z", &stamp[..stamp.len() - 2]),
        stamp.replace('Z', "+00:00"),
        stamp.replace("2022", "2023"),
    ] {
        assert_ne!(changed, stamp);
        push(
            format!("Timestamp = {changed:?}"),
            set(original, "Timestamp", Some(&changed)),
            Expect::SignatureMismatch,
        );
    }
    for changed in ["", "yesterday", "2022-07-28"] {
        push(
            format!("Timestamp = {changed:?}"),
            set(original, "Timestamp", Some(changed)),
            Expect::Malformed,
        );
    }
    for changed in [
        "SubscriptionConfirmation",
        "UnsubscribeConfirmation",
        "notification",
        "",
    ] {
        push(
            format!("Type = {changed:?}"),
            set(original, "Type", Some(changed)),
            Expect::Malformed,
        );
    }
    if original.contains_key("Subject") {
        push(
            "Subject removed".into(),
            set(original, "Subject", None),
            Expect::SignatureMismatch,
        );
    } else {
        for added in ["Hello world", ""] {
            push(
                format!("Subject {added:?} added"),
                set(original, "Subject", Some(added)),
                Expect::SignatureMismatch,
            );
        }
    }

    // The signature itself.
    let signature = STANDARD.decode(text("Signature")).unwrap();
    for index in 0..signature.len() {
        let mut flipped = signature.clone();
        flipped[index] ^= 1 << (index % 8);
        push(
            format!("Signature bit {} of byte {index} flipped", index % 8),
            set(original, "Signature", Some(&STANDARD.encode(flipped))),
            Expect::SignatureMismatch,
        );
    }
    let encoded = text("Signature");
    for (name, changed) in [
        (
            "truncated by one byte",
            STANDARD.encode(&signature[..signature.len() - 1]),
        ),
        (
            "truncated to half",
            STANDARD.encode(&signature[..signature.len() / 2]),
        ),
        (
            "extended by one byte",
            STANDARD.encode([&signature[..], &[0]].concat()),
        ),
        ("of another message", other_signature.to_owned()),
        ("empty", String::new()),
    ] {
        push(
            format!("Signature {name}"),
            set(original, "Signature", Some(&changed)),
            Expect::SignatureMismatch,
        );
    }
    for (name, changed) in [
        ("not base64", "not base64!".to_owned()),
        (
            "with its padding cut",
            encoded.trim_end_matches('=').to_owned(),
        ),
        (
            "with a space inside",
            format!("{} {}", &encoded[..10], &encoded[10..]),
        ),
    ] {
        push(
            format!("Signature {name}"),
            set(original, "Signature", Some(&changed)),
            Expect::NotBase64,
        );
    }

    // The version: only "1" and "2", and each only with its own hash.
    let swapped = if text("SignatureVersion") == "1" {
        "2"
    } else {
        "1"
    };
    push(
        format!("SignatureVersion swapped to {swapped:?}"),
        set(original, "SignatureVersion", Some(swapped)),
        Expect::SignatureMismatch,
    );
    for changed in [
        Some("3"),
        Some(""),
        Some("0"),
        Some(" 1"),
        Some("2.0"),
        None,
    ] {
        push(
            format!("SignatureVersion = {changed:?}"),
            set(original, "SignatureVersion", changed),
            if changed.is_some() {
                Expect::UnsupportedVersion
            } else {
                Expect::Missing("SignatureVersion")
            },
        );
    }

    // The certificate URL.
    for changed in BAD_CERT_URLS {
        push(
            format!("SigningCertURL = {changed:?}"),
            set(original, "SigningCertURL", Some(changed)),
            Expect::CertUrlRefused,
        );
    }
    push(
        "SigningCertURL names another certificate".into(),
        set(
            original,
            "SigningCertURL",
            Some("https://sns.us-east-2.amazonaws.com/SimpleNotificationService-other.pem"),
        ),
        Expect::NoCertificate,
    );
    push(
        "SigningCertURL removed".into(),
        set(original, "SigningCertURL", None),
        Expect::Missing("SigningCertURL"),
    );

    // Every required field removed.
    for key in [
        "Type",
        "MessageId",
        "TopicArn",
        "Message",
        "Timestamp",
        "Signature",
    ] {
        push(
            format!("{key} removed"),
            set(original, key, None),
            Expect::Missing(key),
        );
    }

    // Not signed by AWS, and never read: changing it changes nothing.
    push(
        "UnsubscribeURL changed".into(),
        set(original, "UnsubscribeURL", Some("https://evil.example/")),
        Expect::Accepted,
    );
    out
}

#[tokio::test]
async fn every_single_field_mutation_is_refused() {
    let messages = genuine();
    let fetcher = RecordingFetcher::serving_the_fixture_cert();
    let stores = [
        CertStore::directory(FIXTURES),
        CertStore::fetching(fetcher.clone()),
    ];
    let mut tried = 0;
    for (index, original) in messages.iter().enumerate() {
        let other = &messages[(index + 1) % messages.len()];
        let other_signature = other["Signature"].as_str().unwrap();
        for mutation in mutations(original, other_signature) {
            for certs in &stores {
                let verdict = verdict(&mutation.message, certs).await;
                let context = format!("message {index}, {}: {verdict:?}", mutation.name);
                match mutation.expect {
                    Expect::SignatureMismatch => assert!(
                        matches!(
                            verdict,
                            Err(Refusal::Verify(VerifyError::SignatureMismatch))
                        ),
                        "{context}"
                    ),
                    Expect::Malformed => {
                        assert!(matches!(verdict, Err(Refusal::Parse(_))), "{context}")
                    }
                    Expect::Missing(field) => assert!(
                        matches!(verdict, Err(Refusal::Parse(MessageError::MissingField(f))) if f == field),
                        "{context}"
                    ),
                    Expect::UnsupportedVersion => assert!(
                        matches!(
                            verdict,
                            Err(Refusal::Verify(VerifyError::UnsupportedSignatureVersion(_)))
                        ),
                        "{context}"
                    ),
                    Expect::NotBase64 => assert!(
                        matches!(
                            verdict,
                            Err(Refusal::Verify(VerifyError::SignatureNotBase64))
                        ),
                        "{context}"
                    ),
                    Expect::CertUrlRefused => assert!(
                        matches!(verdict, Err(Refusal::Verify(VerifyError::CertUrl(_)))),
                        "{context}"
                    ),
                    Expect::NoCertificate => assert!(
                        matches!(verdict, Err(Refusal::Verify(VerifyError::Certificate(_)))),
                        "{context}"
                    ),
                    Expect::Accepted => assert!(verdict.is_ok(), "{context}"),
                }
                tried += 1;
            }
        }
    }
    assert!(tried > 4 * 2 * 256, "only {tried} mutations were tried");
    let calls = fetcher.calls();
    assert!(
        calls.iter().all(|url| url.starts_with("https://sns.")),
        "only SNS hosts were ever fetched: {calls:?}"
    );
}

/// Certificate URLs that must be refused before anything is fetched.
const BAD_CERT_URLS: &[&str] = &[
    "https://sns.us-east-1.amazonaws.com.evil.example/x.pem",
    "http://sns.us-east-1.amazonaws.com/x.pem",
    "https://s3.amazonaws.com/sns/x.pem",
    "https://sns.us-east-1.amazonaws.com/x.txt",
    "https://sns.us-east-1.amazonaws.com/x.pem.txt",
    "https://sns.us-east-1.amazonaws.com/",
    "https://user@sns.us-east-1.amazonaws.com/x.pem",
    "https://user:pass@sns.us-east-1.amazonaws.com/x.pem",
    "https://sns.us-east-1.amazonaws.com@evil.example/x.pem",
    "https://sns.us-east-1.amazonaws.com:8443/x.pem",
    "https://sns.us-east-1.amazonaws.com:443@evil.example/x.pem",
    "https://evil.example/sns.us-east-1.amazonaws.com/x.pem",
    "https://evil.example/x.pem?host=sns.us-east-1.amazonaws.com",
    "https://sns.us-east-1.amazonaws.com./x.pem",
    "https://sns.us-east-1.amazonaws.com%2eevil.example/x.pem",
    "https://sns.us-east-1.amazonaws.com\u{3002}evil.example/x.pem",
    "https://sns.us-east-1.amazonaws.com.cn.evil.example/x.pem",
    "https://sns.ab.amazonaws.com/x.pem",
    "https://sns.us_east_1.amazonaws.com/x.pem",
    "https://xsns.us-east-1.amazonaws.com/x.pem",
    "https://sqs.us-east-1.amazonaws.com/x.pem",
    "https://sns.us-east-1.amazonaws.com/x.pem?download=1",
    "https://sns.us-east-1.amazonaws.com/x.pem#fragment",
    "https://sns.us-east-1.amazonaws.com/x%2Epem",
    "https://52.94.236.248/x.pem",
    "https://[::1]/x.pem",
    "ftp://sns.us-east-1.amazonaws.com/x.pem",
    "file:///etc/sns.us-east-1.amazonaws.com/x.pem",
    "//sns.us-east-1.amazonaws.com/x.pem",
    "sns.us-east-1.amazonaws.com/x.pem",
    "",
];

#[tokio::test]
async fn bad_certificate_urls_are_refused_without_a_fetch() {
    let fetcher = RecordingFetcher::serving_the_fixture_cert();
    let certs = CertStore::fetching(fetcher.clone());
    let original = &genuine()[1];
    for url in BAD_CERT_URLS {
        assert!(
            SigningCertUrl::parse(url).is_err(),
            "{url:?} passed the rule"
        );
        let verdict = verdict(&set(original, "SigningCertURL", Some(url)), &certs).await;
        assert!(
            matches!(verdict, Err(Refusal::Verify(VerifyError::CertUrl(_)))),
            "{url:?}: {verdict:?}"
        );
    }
    assert_eq!(fetcher.calls(), Vec::<String>::new(), "nothing was fetched");

    // The same store does fetch a URL that passes the rule, so the silence above means something.
    verdict(original, &certs).await.unwrap();
    assert_eq!(fetcher.calls(), [GENUINE_CERT_URL]);
}

#[test]
fn good_certificate_urls_pass_the_rule() {
    for url in [
        GENUINE_CERT_URL,
        "https://sns.cn-north-1.amazonaws.com.cn/SimpleNotificationService-x.pem",
        "https://SNS.US-EAST-1.AMAZONAWS.COM/x.pem",
        "https://sns.us-east-1.amazonaws.com:443/x.pem",
    ] {
        assert!(SigningCertUrl::parse(url).is_ok(), "{url:?} was refused");
    }
    let refused = SigningCertUrl::parse("https://sns.us-east-1.amazonaws.com.evil.example/x.pem");
    assert!(
        matches!(refused, Err(UrlRefused::NotSnsHost(_))),
        "{refused:?}"
    );
}

#[tokio::test]
async fn a_certificate_missing_from_the_trusted_directory_is_not_fetched() {
    let original = &genuine()[0];
    let elsewhere = tempfile::tempdir().unwrap();
    let verdict = verdict(original, &CertStore::directory(elsewhere.path())).await;
    assert!(
        matches!(
            verdict,
            Err(Refusal::Verify(VerifyError::Certificate(
                CertError::Read { .. }
            )))
        ),
        "{verdict:?}"
    );
}

#[tokio::test]
async fn a_file_that_is_not_a_certificate_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path()
            .join("SimpleNotificationService-7ff5318490ec183fbaddaa2a969abfda.pem"),
        "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n",
    )
    .unwrap();
    let verdict = verdict(&genuine()[0], &CertStore::directory(dir.path())).await;
    assert!(
        matches!(
            verdict,
            Err(Refusal::Verify(VerifyError::Certificate(
                CertError::Invalid(_)
            )))
        ),
        "{verdict:?}"
    );
}
