//! The webhook intake, driven through the real router with signed real payloads: what is accepted,
//! what is refused and with which status, and that accepted events reach the handler.

mod server_common;

use amiroll::events::Event;
use amiroll::server::sign;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use server_common::{Recorder, SECRET, fixture, send, server, signed};

/// A refusal case: its name, its signature headers and its body.
type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, &'a [u8]);

fn request(headers: &[(&str, &str)], body: &[u8]) -> Request<Body> {
    let mut builder = Request::post("/webhooks/github");
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    builder.body(Body::from(body.to_vec())).unwrap()
}

#[tokio::test]
async fn a_signed_pull_request_is_accepted_and_handled() {
    let recorder = Recorder::new();
    let server = server(100, recorder.clone());
    let router = server.router();

    let (status, text) = send(
        &router,
        signed("pull_request", "d-1", fixture("pull_request.opened")),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{text}");
    assert_eq!(text, "accepted");

    recorder.wait_for(1).await;
    let handled = recorder.handled();
    assert_eq!(handled.len(), 1);
    assert_eq!(handled[0].id.as_str(), "d-1");
    let Event::PullRequest(event) = &handled[0].event else {
        panic!("not a pull_request event: {:?}", handled[0].event);
    };
    assert_eq!(event.repository.to_string(), "Codertocat/Hello-World");
    assert_eq!(event.pull_request.number.0, 2);
}

#[tokio::test]
async fn every_fixture_of_a_handled_event_is_accepted() {
    let recorder = Recorder::new();
    let server = server(100, recorder.clone());
    let router = server.router();
    let cases = [
        ("pull_request", "pull_request.opened"),
        ("pull_request", "pull_request.closed"),
        ("pull_request", "pull_request.synchronize"),
        ("pull_request_review", "pull_request_review.submitted"),
        ("issue_comment", "issue_comment.created"),
        ("status", "status"),
        ("check_run", "check_run.requested_action"),
        ("check_run", "check_run.completed"),
        ("check_suite", "check_suite.requested"),
        ("push", "push"),
        ("installation", "installation.created"),
        ("installation", "installation.deleted"),
        (
            "installation_repositories",
            "installation_repositories.added",
        ),
        (
            "installation_repositories",
            "installation_repositories.removed",
        ),
    ];
    for (n, (event, name)) in cases.iter().enumerate() {
        let (status, text) = send(&router, signed(event, &format!("f-{n}"), fixture(name))).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{name}: {text}");
        assert_eq!(text, "accepted", "{name}");
    }
    recorder.wait_for(cases.len()).await;
    let mut names: Vec<&str> = recorder.handled().iter().map(|d| d.event.name()).collect();
    names.sort_unstable();
    let mut expected: Vec<&str> = cases.iter().map(|(event, _)| *event).collect();
    expected.sort_unstable();
    assert_eq!(names, expected);
}

#[tokio::test]
async fn a_wrong_missing_or_sha1_only_signature_is_refused_before_parsing() {
    let recorder = Recorder::new();
    let server = server(100, recorder.clone());
    let router = server.router();
    let body = fixture("pull_request.opened");
    let good = sign(SECRET.as_bytes(), &body);
    let wrong_secret = sign(b"not the secret", &body);
    let mut tampered = body.clone();
    tampered[10] ^= 1;

    let cases: Vec<Case> = vec![
        (
            "wrong secret",
            vec![("x-hub-signature-256", &wrong_secret)],
            &body,
        ),
        ("missing header", vec![], &body),
        (
            "tampered body",
            vec![("x-hub-signature-256", &good)],
            &tampered,
        ),
        (
            "sha1 only",
            vec![(
                "x-hub-signature",
                "sha1=0000000000000000000000000000000000000000",
            )],
            &body,
        ),
        (
            "sha1 in the sha256 header",
            vec![(
                "x-hub-signature-256",
                "sha1=0000000000000000000000000000000000000000",
            )],
            &body,
        ),
        (
            "not even JSON",
            vec![("x-hub-signature-256", &good)],
            b"garbage",
        ),
    ];
    for (case, signature_headers, body) in cases {
        let mut headers = vec![
            ("x-github-event", "pull_request"),
            ("x-github-delivery", "d-1"),
        ];
        headers.extend(signature_headers);
        let (status, text) = send(&router, request(&headers, body)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{case}: {text}");
    }
    assert_eq!(server.queue().depth(), 0);
    assert!(recorder.handled().is_empty());
    let metrics = server.metrics().render();
    assert!(
        metrics.contains(r#"amiroll_webhooks_total{event="unverified",outcome="bad_signature"} 6"#),
        "{metrics}"
    );
}

#[tokio::test]
async fn unknown_events_and_actions_are_acknowledged_and_ignored() {
    let recorder = Recorder::new();
    let server = server(100, recorder.clone());
    let router = server.router();

    for (event, body) in [
        ("ping", fixture("ping")),
        ("star", br#"{"action":"created"}"#.to_vec()),
        ("pull_request", fixture("pull_request.labeled")),
        ("issue_comment", br#"{"action":"pinned"}"#.to_vec()),
    ] {
        let (status, text) = send(&router, signed(event, "d-x", body)).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{event}: {text}");
        assert_eq!(text, "ignored", "{event}");
    }
    // A handled event afterwards is the only thing the handler sees.
    let (status, _) = send(&router, signed("status", "d-y", fixture("status"))).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    recorder.wait_for(1).await;
    let handled = recorder.handled();
    assert_eq!(handled.len(), 1);
    assert_eq!(handled[0].event.name(), "status");
}

#[tokio::test]
async fn a_malformed_payload_of_a_handled_event_is_a_bad_request() {
    let recorder = Recorder::new();
    let server = server(100, recorder.clone());
    let router = server.router();

    for (event, body) in [
        ("pull_request", b"{not json".to_vec()),
        (
            "pull_request",
            br#"{"action":"opened","number":1}"#.to_vec(),
        ),
        ("status", br#"{"sha":"abc","state":"success"}"#.to_vec()),
        ("push", b"[]".to_vec()),
    ] {
        let (status, text) = send(&router, signed(event, "d-m", body)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{event}: {text}");
        assert!(text.contains(event), "the answer names the event: {text}");
    }
    assert_eq!(server.queue().depth(), 0);
    assert!(recorder.handled().is_empty());
}

#[tokio::test]
async fn missing_event_or_delivery_headers_are_bad_requests() {
    let server = server(100, Recorder::new());
    let router = server.router();
    let body = fixture("status");
    let signature = sign(SECRET.as_bytes(), &body);

    let no_event = request(
        &[
            ("x-github-delivery", "d-1"),
            ("x-hub-signature-256", &signature),
        ],
        &body,
    );
    assert_eq!(send(&router, no_event).await.0, StatusCode::BAD_REQUEST);

    let no_delivery = request(
        &[
            ("x-github-event", "status"),
            ("x-hub-signature-256", &signature),
        ],
        &body,
    );
    assert_eq!(send(&router, no_delivery).await.0, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_body_over_the_limit_is_refused_with_413() {
    let server = server(100, Recorder::new());
    let router = server.router();
    // The tests' server reads at most 1 MiB.
    let body = vec![b' '; 2 * 1024 * 1024];
    let (status, _) = send(&router, signed("push", "d-big", body)).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn a_redelivered_delivery_is_handled_once() {
    let recorder = Recorder::new();
    let server = server(100, recorder.clone());
    let router = server.router();

    let first = send(&router, signed("status", "same-id", fixture("status"))).await;
    assert_eq!(first, (StatusCode::ACCEPTED, "accepted".to_owned()));
    recorder.wait_for(1).await;
    let again = send(&router, signed("status", "same-id", fixture("status"))).await;
    assert_eq!(again, (StatusCode::ACCEPTED, "duplicate".to_owned()));
    let other = send(&router, signed("status", "other-id", fixture("status"))).await;
    assert_eq!(other.0, StatusCode::ACCEPTED);
    recorder.wait_for(2).await;

    let ids: Vec<String> = recorder
        .handled()
        .iter()
        .map(|d| d.id.as_str().to_owned())
        .collect();
    assert_eq!(ids, ["same-id", "other-id"]);
}

#[tokio::test]
async fn health_readiness_and_metrics_answer() {
    let server = server(100, Recorder::new())
        .with_readiness(std::sync::Arc::new(|| Box::pin(async { false })));
    let router = server.router();
    let get = |path: &str| Request::get(path).body(Body::empty()).unwrap();

    assert_eq!(send(&router, get("/healthz")).await.0, StatusCode::OK);
    let (status, text) = send(&router, get("/readyz")).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{text}");
    assert!(text.contains("GitHub"), "{text}");

    let ready = server_common::server(10, Recorder::new())
        .with_readiness(std::sync::Arc::new(|| Box::pin(async { true })))
        .router();
    assert_eq!(send(&ready, get("/readyz")).await.0, StatusCode::OK);

    send(&router, signed("status", "d-1", fixture("status"))).await;
    let (status, text) = send(&router, get("/metrics")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        text.contains(r#"amiroll_webhooks_total{event="status",outcome="accepted"} 1"#),
        "{text}"
    );
    assert!(text.contains("amiroll_queue_depth"), "{text}");
    assert!(text.contains("amiroll_queue_wait_seconds"), "{text}");
}
