//! The Prometheus metrics amiroll exposes on `GET /metrics`, in one place so every part of the
//! server (webhook intake, queue, GitHub client) records into the same registry.

use std::fmt;
use std::sync::Arc;

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

/// A label set of one label.
type Label1 = [(&'static str, String); 1];
/// A label set of two labels.
type Label2 = [(&'static str, String); 2];

/// Bucket bounds (seconds) for the time a delivery waits in the queue: 100 µs to ~100 s.
const QUEUE_WAIT_BUCKETS: [f64; 13] = [
    0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0, 30.0, 100.0,
];

/// Bucket bounds (seconds) for how long the event handler takes on one delivery.
const HANDLER_BUCKETS: [f64; 10] = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 30.0, 120.0];

/// amiroll's metrics. Cheap to clone: every clone records into the same registry.
#[derive(Clone)]
pub struct Metrics {
    inner: Arc<Inner>,
}

struct Inner {
    registry: Registry,
    webhooks: Family<Label2, Counter>,
    queue_depth: Gauge,
    queue_wait: Histogram,
    handled: Family<Label1, Counter>,
    handler_seconds: Histogram,
    abandoned: Counter,
    github_calls: Family<Label2, Counter>,
    github_retries: Family<Label1, Counter>,
    rate_limit_remaining: Family<Label1, Gauge>,
}

impl Metrics {
    /// Creates a fresh registry with every amiroll metric registered (and at zero).
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("amiroll");
        let webhooks = Family::<Label2, Counter>::default();
        registry.register(
            "webhooks",
            "Webhook deliveries received, by event and outcome",
            webhooks.clone(),
        );
        let queue_depth = Gauge::default();
        registry.register(
            "queue_depth",
            "Deliveries accepted and not yet handled",
            queue_depth.clone(),
        );
        let queue_wait = Histogram::new(QUEUE_WAIT_BUCKETS);
        registry.register(
            "queue_wait_seconds",
            "Time between accepting a delivery and starting to handle it",
            queue_wait.clone(),
        );
        let handled = Family::<Label1, Counter>::default();
        registry.register(
            "deliveries_handled",
            "Deliveries the event handler finished, by outcome (ok|error)",
            handled.clone(),
        );
        let handler_seconds = Histogram::new(HANDLER_BUCKETS);
        registry.register(
            "handler_seconds",
            "Time the event handler spent on one delivery",
            handler_seconds.clone(),
        );
        let abandoned = Counter::default();
        registry.register(
            "deliveries_abandoned",
            "Accepted deliveries left unhandled when the shutdown deadline passed",
            abandoned.clone(),
        );
        let github_calls = Family::<Label2, Counter>::default();
        registry.register(
            "github_calls",
            "GitHub API calls, by route template and HTTP status (0: no response)",
            github_calls.clone(),
        );
        let github_retries = Family::<Label1, Counter>::default();
        registry.register(
            "github_retries",
            "GitHub API calls retried, by route template",
            github_retries.clone(),
        );
        let rate_limit_remaining = Family::<Label1, Gauge>::default();
        registry.register(
            "github_rate_limit_remaining",
            "Requests left in the current GitHub rate-limit window, by installation",
            rate_limit_remaining.clone(),
        );
        Self {
            inner: Arc::new(Inner {
                registry,
                webhooks,
                queue_depth,
                queue_wait,
                handled,
                handler_seconds,
                abandoned,
                github_calls,
                github_retries,
                rate_limit_remaining,
            }),
        }
    }

    /// Counts one webhook delivery of `event` (the `X-GitHub-Event` name) and what became of it
    /// (`accepted`, `ignored`, `duplicate`, `bad_signature`, `malformed`, `queue_full`, ...).
    pub fn webhook(&self, event: &str, outcome: &str) {
        self.inner
            .webhooks
            .get_or_create(&[("event", event.to_owned()), ("outcome", outcome.to_owned())])
            .inc();
    }

    /// Sets the number of deliveries accepted and not yet handled.
    pub fn queue_depth(&self, n: i64) {
        self.inner.queue_depth.set(n);
    }

    /// Records how long a delivery waited between acceptance and the start of its handling.
    pub fn queue_wait(&self, seconds: f64) {
        self.inner.queue_wait.observe(seconds);
    }

    /// Counts one delivery the handler finished, `ok` or `error`, and how long it took.
    pub fn handled(&self, outcome: &str, seconds: f64) {
        self.inner
            .handled
            .get_or_create(&[("outcome", outcome.to_owned())])
            .inc();
        self.inner.handler_seconds.observe(seconds);
    }

    /// Counts deliveries abandoned at shutdown.
    pub fn abandoned(&self, n: u64) {
        self.inner.abandoned.inc_by(n);
    }

    /// Counts one GitHub API call to `route` (a template such as
    /// `/repos/{owner}/{repo}/pulls`, never a concrete path) that ended with `status`.
    pub fn github_call(&self, route: &str, status: u16) {
        self.inner
            .github_calls
            .get_or_create(&[("route", route.to_owned()), ("status", status.to_string())])
            .inc();
    }

    /// Counts one retry of a GitHub API call to `route`.
    pub fn github_retry(&self, route: &str) {
        self.inner
            .github_retries
            .get_or_create(&[("route", route.to_owned())])
            .inc();
    }

    /// Records the `X-RateLimit-Remaining` GitHub last reported for `installation`.
    pub fn rate_limit_remaining(&self, installation: u64, remaining: i64) {
        self.inner
            .rate_limit_remaining
            .get_or_create(&[("installation", installation.to_string())])
            .set(remaining);
    }

    /// Renders every metric in the Prometheus text exposition format.
    pub fn render(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail; an encoding error would only truncate the output.
        if let Err(error) = encode(&mut out, &self.inner.registry) {
            tracing::warn!(%error, "Cannot encode the metrics");
        }
        out
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Metrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recorded_values_appear_in_the_rendered_text() {
        let metrics = Metrics::new();
        metrics.webhook("pull_request", "accepted");
        metrics.webhook("pull_request", "accepted");
        metrics.queue_depth(3);
        metrics.queue_wait(0.002);
        metrics.github_call("/repos/{owner}/{repo}/pulls", 201);
        metrics.github_retry("/repos/{owner}/{repo}/pulls");
        metrics.rate_limit_remaining(42, 4999);
        let clone = metrics.clone();
        clone.handled("error", 0.01);

        let text = metrics.render();
        assert!(
            text.contains(r#"amiroll_webhooks_total{event="pull_request",outcome="accepted"} 2"#),
            "{text}"
        );
        assert!(text.contains("amiroll_queue_depth 3"), "{text}");
        assert!(
            text.contains("amiroll_queue_wait_seconds_count 1"),
            "{text}"
        );
        assert!(
            text.contains(
                r#"amiroll_github_calls_total{route="/repos/{owner}/{repo}/pulls",status="201"} 1"#
            ),
            "{text}"
        );
        assert!(
            text.contains(r#"amiroll_github_retries_total{route="/repos/{owner}/{repo}/pulls"} 1"#),
            "{text}"
        );
        assert!(
            text.contains(r#"amiroll_github_rate_limit_remaining{installation="42"} 4999"#),
            "{text}"
        );
        assert!(
            text.contains(r#"amiroll_deliveries_handled_total{outcome="error"} 1"#),
            "{text}"
        );
    }
}
