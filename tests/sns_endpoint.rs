//! `POST /webhooks/sns` driven through the real router: what it accepts, what it refuses, and that
//! only a verified notification from an allowed topic asks for a check.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use amiroll::ami::sns::{
    Clock, FetchError, FetchFuture, Fetcher, SnsEndpoint, SnsSettings, TopicArn,
};
use amiroll::ami::{CheckRequest, ReleaseOrigin};
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value, json};
use tokio::sync::mpsc::{Receiver, channel};
use tower::ServiceExt;
use url::Url;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/sns");
const GENUINE_CERT_URL: &str = "https://sns.us-east-2.amazonaws.com/SimpleNotificationService-7ff5318490ec183fbaddaa2a969abfda.pem";

/// A key pair made once per test binary with `openssl` (never committed): the "AWS" of the messages
/// this file signs itself (confirmations, legacy announcements). Returns (PKCS#8 key PEM, cert PEM).
fn test_signer() -> &'static (String, String) {
    static SIGNER: std::sync::OnceLock<(String, String)> = std::sync::OnceLock::new();
    SIGNER.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let (key, cert) = (dir.path().join("key.pem"), dir.path().join("cert.pem"));
        let made = std::process::Command::new("openssl")
            .args([
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "36500",
            ])
            .args(["-subj", "/CN=amiroll test SNS signer (not AWS)", "-keyout"])
            .arg(&key)
            .arg("-out")
            .arg(&cert)
            .output()
            .expect("these tests need `openssl` to make a signing key");
        assert!(
            made.status.success(),
            "openssl req: {}",
            String::from_utf8_lossy(&made.stderr)
        );
        (
            std::fs::read_to_string(key).unwrap(),
            std::fs::read_to_string(cert).unwrap(),
        )
    })
}

const TEST_CERT_URL: &str =
    "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-amiroll-test.pem";
const OUR_TOPIC: &str = "arn:aws:sns:us-east-1:123456789012:amiroll-trigger";
const OTHER_TOPIC: &str = "arn:aws:sns:us-east-1:123456789012:someone-else";
const SIGNED_AT: &str = "2024-05-01T12:00:00.000Z";
const SUBSCRIBE_URL: &str = "https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=arn:aws:sns:us-east-1:123456789012:amiroll-trigger&Token=2336412f37";

type Object = Map<String, Value>;

fn at(timestamp: &str) -> SystemTime {
    humantime::parse_rfc3339(timestamp).unwrap()
}

fn genuine() -> Vec<Object> {
    let text =
        std::fs::read_to_string(format!("{FIXTURES}/real_aws_signed_notifications.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn genuine_topics() -> Vec<TopicArn> {
    genuine()
        .iter()
        .map(|m| m["TopicArn"].as_str().unwrap().parse().unwrap())
        .collect()
}

/// A fake network: serves fixed answers and records every URL asked for.
struct FakeNetwork {
    answers: Mutex<HashMap<String, Result<Vec<u8>, FetchError>>>,
    calls: Mutex<Vec<String>>,
}

impl FakeNetwork {
    fn new() -> Arc<Self> {
        let answers = HashMap::from([
            (
                GENUINE_CERT_URL.to_owned(),
                Ok(std::fs::read(format!(
                    "{FIXTURES}/SimpleNotificationService-7ff5318490ec183fbaddaa2a969abfda.pem"
                ))
                .unwrap()),
            ),
            (
                TEST_CERT_URL.to_owned(),
                Ok(test_signer().1.as_bytes().to_vec()),
            ),
            (
                SUBSCRIBE_URL.to_owned(),
                Ok(b"<ConfirmSubscriptionResponse/>".to_vec()),
            ),
        ]);
        Arc::new(Self {
            answers: Mutex::new(answers),
            calls: Mutex::default(),
        })
    }

    fn answer(&self, url: &str, answer: Result<Vec<u8>, FetchError>) {
        self.answers.lock().unwrap().insert(url.to_owned(), answer);
    }

    fn calls(&self) -> Vec<String> {
        self.calls.lock().unwrap().clone()
    }

    fn calls_to(&self, url: &str) -> usize {
        self.calls().iter().filter(|called| *called == url).count()
    }
}

impl Fetcher for FakeNetwork {
    fn get<'a>(&'a self, url: &'a Url) -> FetchFuture<'a> {
        self.calls.lock().unwrap().push(url.to_string());
        let answer = self
            .answers
            .lock()
            .unwrap()
            .get(url.as_str())
            .cloned()
            .unwrap_or(Err(FetchError::Status {
                url: url.to_string(),
                status: 404,
            }));
        Box::pin(async move { answer })
    }
}

/// The endpoint under test, the poller's end of the check queue, and the fake network.
struct Harness {
    router: Router,
    checks: Receiver<CheckRequest>,
    network: Arc<FakeNetwork>,
}

impl Harness {
    fn new(settings: SnsSettings, now: SystemTime) -> Self {
        Self::with_queue(settings, now, 8)
    }

    fn with_queue(settings: SnsSettings, now: SystemTime, capacity: usize) -> Self {
        let network = FakeNetwork::new();
        let (tx, checks) = channel(capacity);
        let endpoint = SnsEndpoint::new(settings, network.clone(), tx, Clock::fixed(now));
        Self {
            router: endpoint.router(),
            checks,
            network,
        }
    }

    /// An endpoint allowing the genuine fixtures' topics and ours, with the clock a minute after
    /// the given time.
    fn allowing_all_at(timestamp: &str) -> Self {
        let mut allowed_topics = genuine_topics();
        allowed_topics.push(OUR_TOPIC.parse().unwrap());
        let settings = SnsSettings {
            allowed_topics,
            ..SnsSettings::default()
        };
        Self::new(settings, at(timestamp) + Duration::from_secs(60))
    }

    async fn post(
        &self,
        body: impl Into<Body>,
        message_type: Option<&str>,
    ) -> (StatusCode, String) {
        let mut request =
            Request::post(SnsEndpoint::PATH).header("content-type", "text/plain; charset=UTF-8");
        if let Some(message_type) = message_type {
            request = request.header("x-amz-sns-message-type", message_type);
        }
        let response = self
            .router
            .clone()
            .oneshot(request.body(body.into()).unwrap())
            .await
            .unwrap();
        let status = response.status();
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        (status, String::from_utf8_lossy(&body).into_owned())
    }

    async fn post_json(&self, message: &Object) -> (StatusCode, String) {
        let kind = message
            .get("Type")
            .and_then(Value::as_str)
            .map(str::to_owned);
        self.post(serde_json::to_vec(message).unwrap(), kind.as_deref())
            .await
    }

    fn received(&mut self) -> Vec<CheckRequest> {
        let mut received = Vec::new();
        while let Ok(request) = self.checks.try_recv() {
            received.push(request);
        }
        received
    }
}

/// Asserts a 403 whose reason mentions `reason`.
#[track_caller]
fn assert_refused((status, text): (StatusCode, String), reason: &str) {
    assert_eq!(status, StatusCode::FORBIDDEN, "{text}");
    assert!(text.contains(reason), "expected {reason:?}, got {text:?}");
}

/// Signs `message` with the test key, as SNS signs: `key\nvalue\n` over the signed fields present,
/// in the documented order, RSA PKCS#1 v1.5 SHA256 (`SignatureVersion` "2").
fn sign(mut message: Object) -> Object {
    let keys: &[&str] = if message["Type"] == "Notification" {
        &[
            "Message",
            "MessageId",
            "Subject",
            "Timestamp",
            "TopicArn",
            "Type",
        ]
    } else {
        &[
            "Message",
            "MessageId",
            "SubscribeURL",
            "Timestamp",
            "Token",
            "TopicArn",
            "Type",
        ]
    };
    let mut to_sign = String::new();
    for key in keys {
        if let Some(value) = message.get(*key) {
            to_sign.push_str(&format!("{key}\n{}\n", value.as_str().unwrap()));
        }
    }
    let der: String = test_signer()
        .0
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    let key = RsaKeyPair::from_pkcs8(&STANDARD.decode(der).unwrap()).unwrap();
    let mut signature = vec![0; key.public_modulus_len()];
    key.sign(
        &RSA_PKCS1_SHA256,
        &SystemRandom::new(),
        to_sign.as_bytes(),
        &mut signature,
    )
    .unwrap();
    message.insert("SignatureVersion".into(), "2".into());
    message.insert("Signature".into(), STANDARD.encode(signature).into());
    message.insert("SigningCertURL".into(), TEST_CERT_URL.into());
    message
}

fn object(value: Value) -> Object {
    value.as_object().unwrap().clone()
}

fn our_notification(id: &str, text: &str) -> Object {
    sign(object(json!({
        "Type": "Notification",
        "MessageId": id,
        "TopicArn": OUR_TOPIC,
        "Subject": "ECS AMI",
        "Message": text,
        "Timestamp": SIGNED_AT,
        "UnsubscribeURL": "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe",
    })))
}

fn confirmation(kind: &str, topic: &str, subscribe_url: &str) -> Object {
    sign(object(json!({
        "Type": kind,
        "MessageId": format!("{kind}-{topic}"),
        "Token": "2336412f37",
        "TopicArn": topic,
        "Message": "You have chosen to subscribe to the topic. To confirm, visit the SubscribeURL.",
        "SubscribeURL": subscribe_url,
        "Timestamp": SIGNED_AT,
    })))
}

#[tokio::test]
async fn a_genuine_aws_notification_asks_for_a_check() {
    let message = &genuine()[1];
    let mut harness = Harness::allowing_all_at(message["Timestamp"].as_str().unwrap());

    let (status, _) = harness.post_json(message).await;

    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        harness.received(),
        [CheckRequest {
            origin: ReleaseOrigin::Sns {
                message_id: message["MessageId"].as_str().unwrap().to_owned()
            },
            hint: None,
        }]
    );
    assert_eq!(harness.network.calls(), [GENUINE_CERT_URL]);
}

#[tokio::test]
async fn with_a_trusted_directory_nothing_is_fetched() {
    let message = &genuine()[0];
    let settings = SnsSettings {
        allowed_topics: genuine_topics(),
        cert_dir: Some(FIXTURES.into()),
        ..SnsSettings::default()
    };
    let mut harness = Harness::new(settings, at(message["Timestamp"].as_str().unwrap()));

    assert_eq!(harness.post_json(message).await.0, StatusCode::OK);
    assert_eq!(harness.received().len(), 1);
    assert_eq!(harness.network.calls(), Vec::<String>::new());
}

#[tokio::test]
async fn a_duplicate_triggers_nothing_more() {
    let message = &genuine()[1];
    let mut harness = Harness::allowing_all_at(message["Timestamp"].as_str().unwrap());

    let first = harness.post_json(message).await;
    let second = harness.post_json(message).await;

    assert_eq!(first.0, StatusCode::OK);
    assert_eq!(second.0, StatusCode::OK);
    assert!(second.1.contains("duplicate"), "{second:?}");
    assert_eq!(
        harness.received().len(),
        1,
        "one trigger for two deliveries"
    );
}

#[tokio::test]
async fn a_full_queue_is_still_accepted() {
    let messages = genuine();
    let mut allowed_topics = genuine_topics();
    allowed_topics.truncate(2);
    let settings = SnsSettings {
        allowed_topics,
        ..SnsSettings::default()
    };
    let mut harness = Harness::with_queue(settings, at("2022-07-28T21:25:00Z"), 1);

    assert_eq!(harness.post_json(&messages[0]).await.0, StatusCode::OK);
    let (status, text) = harness.post_json(&messages[1]).await;

    assert_eq!(status, StatusCode::OK);
    assert!(text.contains("already pending"), "{text}");
    assert_eq!(harness.received().len(), 1);
}

#[tokio::test]
async fn a_topic_not_on_the_allow_list_is_refused_before_any_fetch() {
    let message = &genuine()[1];
    let settings = SnsSettings {
        allowed_topics: vec![OTHER_TOPIC.parse().unwrap()],
        ..SnsSettings::default()
    };
    let mut harness = Harness::new(settings, at(message["Timestamp"].as_str().unwrap()));

    assert_refused(harness.post_json(message).await, "topic not allowed");
    assert_eq!(harness.received(), []);
    assert_eq!(harness.network.calls(), Vec::<String>::new());
}

#[tokio::test]
async fn old_and_future_messages_are_refused() {
    let message = &genuine()[1];
    let sent = at(message["Timestamp"].as_str().unwrap());
    let hour = Duration::from_secs(3600);
    let allowed = || SnsSettings {
        allowed_topics: genuine_topics(),
        ..SnsSettings::default()
    };

    for now in [
        sent + 2 * hour,
        sent + hour + Duration::from_secs(1),
        sent - Duration::from_secs(600),
    ] {
        let mut harness = Harness::new(allowed(), now);
        let (status, text) = harness.post_json(message).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert!(text.contains("old") || text.contains("future"), "{text}");
        assert_eq!(harness.received(), []);
    }

    // The age limit is a setting.
    let settings = SnsSettings {
        max_age: 3 * hour,
        ..allowed()
    };
    let mut harness = Harness::new(settings, sent + 2 * hour);
    assert_eq!(harness.post_json(message).await.0, StatusCode::OK);
    assert_eq!(harness.received().len(), 1);
}

#[tokio::test]
async fn a_forged_notification_is_refused() {
    let mut forged = genuine()[1].clone();
    forged.insert(
        "Message".into(),
        "ami-0123456789abcdef0 is the new AMI".into(),
    );
    let mut harness = Harness::allowing_all_at(forged["Timestamp"].as_str().unwrap());

    assert_refused(harness.post_json(&forged).await, "signature does not match");
    assert_eq!(harness.received(), []);
}

#[tokio::test]
async fn a_bad_certificate_url_is_refused_without_a_fetch() {
    let mut message = genuine()[1].clone();
    message.insert(
        "SigningCertURL".into(),
        "https://sns.us-east-2.amazonaws.com.evil.example/SimpleNotificationService-7ff5318490ec183fbaddaa2a969abfda.pem".into(),
    );
    let mut harness = Harness::allowing_all_at(message["Timestamp"].as_str().unwrap());

    assert_refused(harness.post_json(&message).await, "SigningCertURL refused");
    assert_eq!(harness.received(), []);
    assert_eq!(harness.network.calls(), Vec::<String>::new());
}

#[tokio::test]
async fn an_unavailable_certificate_is_a_refusal_not_a_server_error() {
    // Amazon's documented legacy notification: its signing certificate is not ours to fetch.
    let text = std::fs::read_to_string(format!(
        "{FIXTURES}/ecs_ami_update_http_body_from_awsdocs.json"
    ))
    .unwrap();
    let message: Object = serde_json::from_str(&text).unwrap();
    let settings = SnsSettings {
        allowed_topics: vec![message["TopicArn"].as_str().unwrap().parse().unwrap()],
        ..SnsSettings::default()
    };
    let mut harness = Harness::new(settings, at(message["Timestamp"].as_str().unwrap()));

    assert_refused(harness.post_json(&message).await, "no signing key");
    assert_eq!(harness.received(), []);
    assert_eq!(
        harness.network.calls(),
        [message["SigningCertURL"].as_str().unwrap()]
    );
}

#[tokio::test]
async fn malformed_bodies_are_bad_requests() {
    let mut harness = Harness::allowing_all_at(SIGNED_AT);
    for body in [
        "",
        "not json",
        "[]",
        "null",
        "{}",
        "{\"Type\":\"Notification\"",
        r#"{"Type":"Notification","Type":"Notification"}"#,
    ] {
        let (status, _) = harness.post(body, None).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body:?}");
    }
    assert_eq!(harness.received(), []);
    assert_eq!(harness.network.calls(), Vec::<String>::new());
}

#[tokio::test]
async fn an_unknown_type_is_a_bad_request() {
    let mut harness = Harness::allowing_all_at(SIGNED_AT);
    for kind in ["Surprise", "notification", ""] {
        let mut message = our_notification("m-unknown", "hello");
        message.insert("Type".into(), kind.into());
        assert_eq!(
            harness.post_json(&message).await.0,
            StatusCode::BAD_REQUEST,
            "{kind:?}"
        );
    }
    assert_eq!(harness.received(), []);
}

#[tokio::test]
async fn missing_fields_are_bad_requests() {
    let mut harness = Harness::allowing_all_at(SIGNED_AT);
    let notification = our_notification("m-missing", "hello");
    let subscription = confirmation("SubscriptionConfirmation", OUR_TOPIC, SUBSCRIBE_URL);
    let cases = [
        (&notification, "Type"),
        (&notification, "MessageId"),
        (&notification, "TopicArn"),
        (&notification, "Message"),
        (&notification, "Timestamp"),
        (&notification, "SignatureVersion"),
        (&notification, "Signature"),
        (&notification, "SigningCertURL"),
        (&subscription, "SubscribeURL"),
        (&subscription, "Token"),
    ];
    for (message, field) in cases {
        let mut message = message.clone();
        message.remove(field);
        let (status, text) = harness.post_json(&message).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "without {field}");
        assert!(text.contains(field), "without {field}: {text}");
    }
    assert_eq!(harness.received(), []);
    assert_eq!(harness.network.calls(), Vec::<String>::new());
}

#[tokio::test]
async fn the_message_type_header_must_agree_with_the_body() {
    let message = &genuine()[1];
    let mut harness = Harness::allowing_all_at(message["Timestamp"].as_str().unwrap());
    let body = serde_json::to_vec(message).unwrap();

    for header in ["SubscriptionConfirmation", "notification", ""] {
        let (status, _) = harness.post(body.clone(), Some(header)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "header {header:?}");
    }
    assert_eq!(harness.received(), []);

    // Without the header (as moto sends it), the body's Type is enough.
    assert_eq!(harness.post(body, None).await.0, StatusCode::OK);
    assert_eq!(harness.received().len(), 1);
}

#[tokio::test]
async fn an_oversized_body_is_refused_with_413() {
    let mut harness = Harness::allowing_all_at(SIGNED_AT);
    let mut message = our_notification("m-big", "hello");
    message.insert(
        "Message".into(),
        "x".repeat(SnsSettings::default().max_body_bytes).into(),
    );

    let (status, _) = harness.post_json(&message).await;

    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(harness.received(), []);
}

#[tokio::test]
async fn a_legacy_announcement_triggers_a_check_with_its_amis_as_a_hint() {
    let announcement = std::fs::read_to_string(format!(
        "{FIXTURES}/ecs_ami_update_message_parsed_from_awsdocs.json"
    ))
    .unwrap();
    let mut harness = Harness::allowing_all_at(SIGNED_AT);

    let (status, _) = harness
        .post_json(&our_notification("m-legacy", &announcement))
        .await;

    assert_eq!(status, StatusCode::OK);
    let received = harness.received();
    assert_eq!(received.len(), 1);
    assert_eq!(
        received[0].origin,
        ReleaseOrigin::Sns {
            message_id: "m-legacy".into()
        }
    );
    let hint = received[0].hint.as_deref().unwrap();
    assert!(hint.contains("us-east-1=ami-cad827b7"), "{hint}");
}

#[tokio::test]
async fn any_verified_notification_is_a_trigger_whatever_it_says() {
    let mut harness = Harness::allowing_all_at(SIGNED_AT);

    let (status, _) = harness
        .post_json(&our_notification("m-plain", "Scheduled check"))
        .await;

    assert_eq!(status, StatusCode::OK);
    assert_eq!(harness.received(), [CheckRequest::sns("m-plain", None)]);
}

#[tokio::test]
async fn a_subscription_to_an_allowed_topic_is_confirmed() {
    let mut harness = Harness::allowing_all_at(SIGNED_AT);
    let message = confirmation("SubscriptionConfirmation", OUR_TOPIC, SUBSCRIBE_URL);

    let (status, text) = harness.post_json(&message).await;

    assert_eq!(status, StatusCode::OK, "{text}");
    assert_eq!(harness.network.calls(), [TEST_CERT_URL, SUBSCRIBE_URL]);
    assert_eq!(harness.received(), [], "a confirmation is not a trigger");
}

#[tokio::test]
async fn a_subscription_to_another_topic_is_not_confirmed() {
    let mut harness = Harness::allowing_all_at(SIGNED_AT);
    let other_url = SUBSCRIBE_URL.replace("amiroll-trigger", "someone-else");
    let message = confirmation("SubscriptionConfirmation", OTHER_TOPIC, &other_url);

    assert_refused(harness.post_json(&message).await, "topic not allowed");
    assert_eq!(harness.network.calls(), Vec::<String>::new());
    assert_eq!(harness.received(), []);
}

#[tokio::test]
async fn a_subscribe_url_off_the_sns_hosts_is_never_visited() {
    let mut harness = Harness::allowing_all_at(SIGNED_AT);
    for url in [
        "https://evil.example/?Action=ConfirmSubscription",
        "http://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription",
        "https://sns.us-east-1.amazonaws.com.evil.example/?Action=ConfirmSubscription",
        "https://sns.us-east-1.amazonaws.com:8443/?Action=ConfirmSubscription",
    ] {
        let message = confirmation("SubscriptionConfirmation", OUR_TOPIC, url);
        assert_refused(harness.post_json(&message).await, "SubscribeURL refused");
        assert_eq!(harness.network.calls_to(url), 0, "{url}");
    }
    assert!(
        harness
            .network
            .calls()
            .iter()
            .all(|called| called == TEST_CERT_URL)
    );
    assert_eq!(harness.received(), []);
}

#[tokio::test]
async fn a_failed_confirmation_is_retried_not_taken_for_a_duplicate() {
    let harness = Harness::allowing_all_at(SIGNED_AT);
    let message = confirmation("SubscriptionConfirmation", OUR_TOPIC, SUBSCRIBE_URL);
    harness.network.answer(
        SUBSCRIBE_URL,
        Err(FetchError::Transport {
            url: SUBSCRIBE_URL.into(),
            reason: "connection reset".into(),
        }),
    );

    assert_eq!(harness.post_json(&message).await.0, StatusCode::BAD_GATEWAY);

    harness.network.answer(SUBSCRIBE_URL, Ok(Vec::new()));
    let (status, text) = harness.post_json(&message).await;
    assert_eq!(status, StatusCode::OK);
    assert!(text.contains("confirmed"), "{text}");
    assert_eq!(harness.network.calls_to(SUBSCRIBE_URL), 2);
}

#[tokio::test]
async fn an_unsubscribe_confirmation_is_acknowledged_and_nothing_more() {
    let mut harness = Harness::allowing_all_at(SIGNED_AT);
    let message = confirmation("UnsubscribeConfirmation", OUR_TOPIC, SUBSCRIBE_URL);

    let (status, text) = harness.post_json(&message).await;

    assert_eq!(status, StatusCode::OK);
    assert!(text.contains("unsubscription"), "{text}");
    assert_eq!(harness.network.calls_to(SUBSCRIBE_URL), 0);
    assert_eq!(harness.received(), []);
}

#[tokio::test]
async fn the_router_serves_on_a_real_socket() {
    let message = &genuine()[3];
    let settings = SnsSettings {
        allowed_topics: genuine_topics(),
        cert_dir: Some(FIXTURES.into()),
        ..SnsSettings::default()
    };
    let (tx, mut checks) = channel(8);
    let now = at(message["Timestamp"].as_str().unwrap());
    let endpoint = SnsEndpoint::new(settings, FakeNetwork::new(), tx, Clock::fixed(now));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let server = tokio::spawn(axum::serve(listener, endpoint.router()).into_future());

    let response = reqwest::Client::new()
        .post(format!("http://{address}{}", SnsEndpoint::PATH))
        .header("content-type", "text/plain; charset=UTF-8")
        .header("x-amz-sns-message-type", "Notification")
        .body(serde_json::to_vec(message).unwrap())
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), reqwest::StatusCode::OK);
    assert_eq!(
        checks.recv().await.unwrap().origin,
        ReleaseOrigin::Sns {
            message_id: message["MessageId"].as_str().unwrap().to_owned()
        }
    );
    server.abort();
}
