//! `GET /healthz` (the process answers), `GET /readyz` (it should receive traffic: not shutting
//! down and, when a probe is given, GitHub reachable) and `GET /metrics` (Prometheus).

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::queue::Queue;
use crate::metrics::Metrics;

/// A readiness check, e.g. "GitHub answers": the GitHub client provides one.
pub type ReadinessProbe = Arc<dyn Fn() -> Pin<Box<dyn Future<Output = bool> + Send>> + Send + Sync>;

/// How long `/readyz` waits for the probe before answering "not ready".
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(5);

/// Wraps `probe` so that it runs at most once per `ttl`; in between, its last answer is reused.
/// Load balancers ask `/readyz` every few seconds, and every GitHub call counts against a rate
/// limit, so a GitHub probe should be cached.
pub fn cached_probe(probe: ReadinessProbe, ttl: Duration) -> ReadinessProbe {
    let last: Arc<Mutex<Option<(Instant, bool)>>> = Arc::new(Mutex::new(None));
    Arc::new(move || {
        let probe = Arc::clone(&probe);
        let last = Arc::clone(&last);
        Box::pin(async move {
            let cached = *last.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some((at, ready)) = cached
                && at.elapsed() < ttl
            {
                return ready;
            }
            let ready = tokio::time::timeout(PROBE_TIMEOUT, probe())
                .await
                .unwrap_or(false);
            *last.lock().unwrap_or_else(PoisonError::into_inner) = Some((Instant::now(), ready));
            ready
        })
    })
}

/// The content type of the metrics (the encoder writes OpenMetrics text).
const METRICS_CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

#[derive(Clone)]
pub(crate) struct Health {
    pub(crate) queue: Queue,
    pub(crate) metrics: Metrics,
    pub(crate) readiness: Option<ReadinessProbe>,
}

pub(crate) fn router(health: Health) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .with_state(health)
}

async fn healthz() -> &'static str {
    "ok"
}

async fn readyz(State(health): State<Health>) -> Response {
    if health.queue.is_closed() {
        return (StatusCode::SERVICE_UNAVAILABLE, "not ready: shutting down").into_response();
    }
    if let Some(probe) = &health.readiness {
        let ready = tokio::time::timeout(PROBE_TIMEOUT, probe())
            .await
            .unwrap_or(false);
        if !ready {
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                "not ready: GitHub unreachable",
            )
                .into_response();
        }
    }
    (StatusCode::OK, "ready").into_response()
}

async fn metrics(State(health): State<Health>) -> Response {
    (
        [(header::CONTENT_TYPE, METRICS_CONTENT_TYPE)],
        health.metrics.render(),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[tokio::test]
    async fn a_cached_probe_asks_once_per_period() {
        let calls = Arc::new(AtomicUsize::new(0));
        let counted = Arc::clone(&calls);
        let probe: ReadinessProbe = Arc::new(move || {
            counted.fetch_add(1, Ordering::SeqCst);
            Box::pin(async { true })
        });
        let cached = cached_probe(probe, Duration::from_secs(3600));
        assert!(cached().await);
        assert!(cached().await);
        assert_eq!(calls.load(Ordering::SeqCst), 1);

        let uncached = cached_probe(
            Arc::new({
                let calls = Arc::clone(&calls);
                move || {
                    calls.fetch_add(1, Ordering::SeqCst);
                    Box::pin(async { false })
                }
            }),
            Duration::ZERO,
        );
        assert!(!uncached().await);
        assert!(!uncached().await);
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }
}
