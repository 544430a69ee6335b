//! The queue behind the intake: nothing accepted is lost, one repository's events are handled one
//! at a time and in order while repositories proceed in parallel, and a full queue answers 503 so
//! the delivery can be redelivered.

mod server_common;

use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

use axum::http::StatusCode;
use server_common::{Recorder, lane_of, pr_of, pull_request_payload, send, server, signed};

const REPOSITORIES: u64 = 10;
const PER_REPOSITORY: u64 = 100;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_thousand_concurrent_deliveries_are_all_handled_once_without_overlap() {
    let recorder = Recorder::new();
    let server = server(2_000, recorder.clone());
    let router = server.router();

    let mut requests = Vec::new();
    for repo in 0..REPOSITORIES {
        for number in 1..=PER_REPOSITORY {
            let router = router.clone();
            requests.push(tokio::spawn(async move {
                let body = pull_request_payload(&format!("org/repo-{repo}"), number);
                let delivery = format!("d-{repo}-{number}");
                send(&router, signed("pull_request", &delivery, body)).await
            }));
        }
    }
    for request in requests {
        let (status, text) = request.await.unwrap();
        assert_eq!(status, StatusCode::ACCEPTED, "{text}");
        assert_eq!(text, "accepted");
    }

    let total = (REPOSITORIES * PER_REPOSITORY) as usize;
    recorder.wait_for(total).await;
    let handled = recorder.handled();
    assert_eq!(handled.len(), total, "nothing lost, nothing handled twice");
    let ids: HashSet<&str> = handled.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(ids.len(), total, "every delivery handled exactly once");
    assert_eq!(
        recorder.overlaps(),
        0,
        "two deliveries of one repository were handled at the same time"
    );
    let report = server.queue().drain(Duration::from_secs(60)).await;
    assert!(report.abandoned.is_empty(), "{report:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn each_repositorys_deliveries_are_handled_in_the_order_they_were_accepted() {
    let recorder = Recorder::new();
    let server = server(2_000, recorder.clone());
    let router = server.router();

    // Ten senders in parallel, one per repository, each sending its deliveries in order.
    let mut senders = Vec::new();
    for repo in 0..REPOSITORIES {
        let router = router.clone();
        senders.push(tokio::spawn(async move {
            for number in 1..=PER_REPOSITORY {
                let body = pull_request_payload(&format!("org/repo-{repo}"), number);
                let (status, text) = send(
                    &router,
                    signed("pull_request", &format!("o-{repo}-{number}"), body),
                )
                .await;
                assert_eq!(status, StatusCode::ACCEPTED, "{text}");
            }
        }));
    }
    for sender in senders {
        sender.await.unwrap();
    }

    recorder
        .wait_for((REPOSITORIES * PER_REPOSITORY) as usize)
        .await;
    let mut per_repository: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    for delivery in recorder.handled() {
        per_repository
            .entry(lane_of(&delivery))
            .or_default()
            .push(pr_of(&delivery));
    }
    assert_eq!(per_repository.len(), REPOSITORIES as usize);
    let in_order: Vec<u64> = (1..=PER_REPOSITORY).collect();
    for (repository, numbers) in per_repository {
        assert_eq!(numbers, in_order, "{repository} handled out of order");
    }
    assert_eq!(recorder.overlaps(), 0);
}

#[tokio::test]
async fn a_full_queue_answers_503_and_the_delivery_can_be_redelivered_later() {
    let recorder = Recorder::held();
    let server = server(2, recorder.clone());
    let router = server.router();
    let delivery = |repo: &str, id: &str, number: u64| {
        signed("pull_request", id, pull_request_payload(repo, number))
    };

    assert_eq!(
        send(&router, delivery("org/a", "q-1", 1)).await.0,
        StatusCode::ACCEPTED
    );
    assert_eq!(
        send(&router, delivery("org/b", "q-2", 1)).await.0,
        StatusCode::ACCEPTED
    );
    let (status, text) = send(&router, delivery("org/c", "q-3", 1)).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{text}");
    assert!(text.contains("full"), "{text}");
    assert!(recorder.handled().is_empty(), "the handler is held");

    recorder.release();
    recorder.wait_for(2).await;
    // The refused delivery was not remembered: its redelivery is accepted, not a duplicate.
    let (status, text) = send(&router, delivery("org/c", "q-3", 1)).await;
    assert_eq!((status, text.as_str()), (StatusCode::ACCEPTED, "accepted"));
    recorder.wait_for(3).await;

    let metrics = server.metrics().render();
    assert!(
        metrics.contains(r#"amiroll_webhooks_total{event="pull_request",outcome="queue_full"} 1"#),
        "{metrics}"
    );
}

#[tokio::test]
async fn a_failing_or_panicking_handler_does_not_stop_the_lane() {
    use amiroll::server::{Delivery, EventHandler};

    #[derive(Clone)]
    struct Flaky(Recorder);

    impl EventHandler for Flaky {
        async fn handle(&self, delivery: Delivery) -> anyhow::Result<()> {
            match server_common::pr_of(&delivery) {
                1 => anyhow::bail!("GitHub said no"),
                2 => panic!("a bug in the handler"),
                _ => self.0.handle(delivery).await,
            }
        }
    }

    let recorder = Recorder::new();
    let server = server(10, Flaky(recorder.clone()));
    let router = server.router();
    for number in 1..=3 {
        let body = pull_request_payload("org/a", number);
        let (status, _) = send(
            &router,
            signed("pull_request", &format!("f-{number}"), body),
        )
        .await;
        assert_eq!(status, StatusCode::ACCEPTED);
    }
    recorder.wait_for(1).await;
    assert_eq!(pr_of(&recorder.handled()[0]), 3);

    // A failed delivery is forgotten, so GitHub's redelivery of it is handled again.
    let (status, text) = send(
        &router,
        signed("pull_request", "f-1", pull_request_payload("org/a", 4)),
    )
    .await;
    assert_eq!((status, text.as_str()), (StatusCode::ACCEPTED, "accepted"));
    recorder.wait_for(2).await;

    let metrics = server.metrics().render();
    assert!(
        metrics.contains(r#"amiroll_deliveries_handled_total{outcome="error"} 2"#),
        "{metrics}"
    );
}
