//! Helpers shared by the `server_*` tests: signed requests built from the real payload fixtures,
//! and handlers that record or hold what they receive.

#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;

use amiroll::events::Event;
use amiroll::metrics::Metrics;
use amiroll::server::{Delivery, EventHandler, QueueConfig, Secret, Server, ServerOptions, sign};
use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use tokio::sync::{Semaphore, watch};
use tower::ServiceExt;

/// The webhook secret the tests' server is configured with.
pub const SECRET: &str = "test webhook secret";

/// A fixture payload's bytes.
pub fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/fixtures/github/{name}.json", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|err| panic!("cannot read {path}: {err}"))
}

/// The `pull_request.opened` fixture moved to `repo` with PR number `number`.
pub fn pull_request_payload(repo: &str, number: u64) -> Vec<u8> {
    static OPENED: LazyLock<serde_json::Value> =
        LazyLock::new(|| serde_json::from_slice(&fixture("pull_request.opened")).unwrap());
    let mut payload = OPENED.clone();
    payload["repository"]["full_name"] = repo.into();
    payload["number"] = number.into();
    payload["pull_request"]["number"] = number.into();
    serde_json::to_vec(&payload).unwrap()
}

/// A `POST /webhooks/github` request signed with [`SECRET`].
pub fn signed(event: &str, delivery: &str, body: Vec<u8>) -> Request<Body> {
    let signature = sign(SECRET.as_bytes(), &body);
    Request::post("/webhooks/github")
        .header("x-github-event", event)
        .header("x-github-delivery", delivery)
        .header("x-hub-signature-256", signature)
        .header("content-type", "application/json")
        .body(Body::from(body))
        .unwrap()
}

/// Sends `request` through `router`; returns the status and body text.
pub async fn send(router: &Router, request: Request<Body>) -> (StatusCode, String) {
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

/// Server options with [`SECRET`] and the given queue capacity.
pub fn options(capacity: usize) -> ServerOptions {
    ServerOptions {
        webhook_secret: Secret::new(SECRET),
        queue: QueueConfig {
            capacity,
            workers: 4,
            remembered_deliveries: 10_000,
        },
        max_body_bytes: 1024 * 1024,
        body_timeout: Duration::from_secs(60),
    }
}

/// A server over `handler`, with fresh metrics.
pub fn server<H: EventHandler>(capacity: usize, handler: H) -> Server {
    Server::new(options(capacity), handler, Metrics::new())
}

/// A handler that records every delivery, checks that no two deliveries of one repository are
/// handled at the same time, and can be held (deliveries wait until released).
#[derive(Clone)]
pub struct Recorder {
    inner: Arc<RecorderInner>,
}

struct RecorderInner {
    handled: Mutex<Vec<Delivery>>,
    count: watch::Sender<usize>,
    running: Mutex<HashMap<String, usize>>,
    overlaps: Mutex<usize>,
    gate: Semaphore,
    held: bool,
}

impl Recorder {
    /// A recorder that handles at once.
    pub fn new() -> Self {
        Self::build(false)
    }

    /// A recorder whose deliveries wait until [`Recorder::release`].
    pub fn held() -> Self {
        Self::build(true)
    }

    fn build(held: bool) -> Self {
        Self {
            inner: Arc::new(RecorderInner {
                handled: Mutex::new(Vec::new()),
                count: watch::channel(0).0,
                running: Mutex::new(HashMap::new()),
                overlaps: Mutex::new(0),
                gate: Semaphore::new(0),
                held,
            }),
        }
    }

    /// Lets every held (and future) delivery through.
    pub fn release(&self) {
        // A closed semaphore lets every waiter through at once.
        self.inner.gate.close();
    }

    /// The deliveries handled so far, in handling order.
    pub fn handled(&self) -> Vec<Delivery> {
        self.inner.handled.lock().unwrap().clone()
    }

    /// How many times two deliveries of one repository were handled at once (must be 0).
    pub fn overlaps(&self) -> usize {
        *self.inner.overlaps.lock().unwrap()
    }

    /// Waits until `n` deliveries were handled (fails the test after a minute).
    pub async fn wait_for(&self, n: usize) {
        let mut count = self.inner.count.subscribe();
        let reached = tokio::time::timeout(Duration::from_secs(60), count.wait_for(|c| *c >= n))
            .await
            .is_ok();
        assert!(
            reached,
            "only {} of {n} deliveries handled",
            *self.inner.count.borrow()
        );
    }
}

/// The repository (or lane) name of a delivery.
pub fn lane_of(delivery: &Delivery) -> String {
    delivery.event.lane().to_string()
}

/// The PR number of a `pull_request` delivery.
pub fn pr_of(delivery: &Delivery) -> u64 {
    match &delivery.event {
        Event::PullRequest(event) => event.pull_request.number.0,
        other => panic!("not a pull_request: {other:?}"),
    }
}

impl EventHandler for Recorder {
    async fn handle(&self, delivery: Delivery) -> anyhow::Result<()> {
        let lane = lane_of(&delivery);
        {
            let mut running = self.inner.running.lock().unwrap();
            let n = running.entry(lane.clone()).or_default();
            *n += 1;
            if *n > 1 {
                *self.inner.overlaps.lock().unwrap() += 1;
            }
        }
        if self.inner.held {
            // No permit is ever added: this waits until the gate is closed by `release`.
            let _ = self.inner.gate.acquire().await;
        }
        // Give other lanes a chance to run in between, so interleavings happen.
        tokio::task::yield_now().await;
        *self.inner.running.lock().unwrap().get_mut(&lane).unwrap() -= 1;
        self.inner.handled.lock().unwrap().push(delivery);
        self.inner.count.send_modify(|c| *c += 1);
        Ok(())
    }
}
