//! `amiroll serve`: the HTTP server GitHub (and SNS, and operators) talk to. The intake verifies
//! and acknowledges webhooks at once and queues them; per-repository workers hand them to an
//! [`EventHandler`] (the rollout engine; [`LoggingHandler`] until it exists); health, readiness
//! and metrics endpoints serve the platform; SIGTERM/SIGINT stop intake and drain the queue
//! within a deadline.

mod dedup;
mod delivery;
mod health;
mod queue;
mod secret;
pub mod settings;
mod signature;
mod webhook;

use std::future::{Future, IntoFuture};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::serve::ListenerExt;
use tokio::net::TcpListener;
use tokio::sync::watch;

pub use dedup::SeenDeliveries;
pub use delivery::{Delivery, DeliveryId, EventHandler, LoggingHandler, MAX_DELIVERY_ID_LEN};
pub use health::{PROBE_TIMEOUT, ReadinessProbe, cached_probe};
pub use queue::{DrainReport, Enqueued, Queue, QueueConfig, QueueRefused};
pub use secret::Secret;
pub use settings::{LogFormat, Settings, SettingsArgs, SettingsError};
pub use signature::{SIGNATURE_HEADER, SignatureError, sign, verify_signature};
pub use webhook::{DELIVERY_HEADER, EVENT_HEADER, WEBHOOK_PATH};

use crate::metrics::Metrics;

/// How long a webhook body may take to arrive: GitHub itself gives up on a delivery after 10 s.
pub const DEFAULT_BODY_TIMEOUT: Duration = Duration::from_secs(10);

/// What the server core needs (the rest of [`Settings`] is for `serve` to wire up).
#[derive(Clone, Debug)]
pub struct ServerOptions {
    /// The webhook secret.
    pub webhook_secret: Secret,
    /// Queue sizes.
    pub queue: QueueConfig,
    /// The largest webhook body read.
    pub max_body_bytes: usize,
    /// How long a webhook body may take to arrive (408 after).
    pub body_timeout: Duration,
}

impl ServerOptions {
    /// The options in `settings`.
    pub fn from_settings(settings: &Settings) -> Self {
        Self {
            webhook_secret: settings.webhook_secret.clone(),
            queue: settings.queue,
            max_body_bytes: settings.max_body_bytes,
            body_timeout: DEFAULT_BODY_TIMEOUT,
        }
    }
}

/// The server: its router (webhook intake, health, metrics and whatever is merged in) and its
/// queue.
pub struct Server {
    options: ServerOptions,
    queue: Queue,
    metrics: Metrics,
    readiness: Option<ReadinessProbe>,
    extra: Router,
}

impl Server {
    /// A server handing accepted deliveries to `handler`. Must be created inside a tokio runtime.
    pub fn new<H: EventHandler>(options: ServerOptions, handler: H, metrics: Metrics) -> Self {
        let queue = Queue::new(options.queue, handler, metrics.clone());
        Self {
            options,
            queue,
            metrics,
            readiness: None,
            extra: Router::new(),
        }
    }

    /// Makes `/readyz` also require `probe` (e.g. "GitHub answers").
    pub fn with_readiness(mut self, probe: ReadinessProbe) -> Self {
        self.readiness = Some(probe);
        self
    }

    /// Serves `router`'s routes too (the SNS endpoint, the operator API).
    pub fn merge(mut self, router: Router) -> Self {
        self.extra = self.extra.merge(router);
        self
    }

    /// The queue (to offer events of amiroll's own, such as releases, and for shutdown).
    pub fn queue(&self) -> &Queue {
        &self.queue
    }

    /// The metrics.
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// The complete router.
    pub fn router(&self) -> Router {
        let intake = webhook::Intake {
            secret: Arc::new(self.options.webhook_secret.clone()),
            queue: self.queue.clone(),
            metrics: self.metrics.clone(),
            body_timeout: self.options.body_timeout,
        };
        let health = health::Health {
            queue: self.queue.clone(),
            metrics: self.metrics.clone(),
            readiness: self.readiness.clone(),
        };
        webhook::router(intake, self.options.max_body_bytes)
            .merge(health::router(health))
            .merge(self.extra.clone())
    }

    /// Serves on `listener` until `shutdown` completes; then stops accepting (new deliveries
    /// get 503, `/readyz` turns 503), lets open requests finish (for at most `deadline`), and
    /// gives queued work up to `deadline` to finish. Returns what was abandoned.
    pub async fn serve(
        self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
        deadline: Duration,
    ) -> std::io::Result<DrainReport> {
        let router = self.router();
        let queue = self.queue.clone();
        let (fired, mut fired_rx) = watch::channel(false);
        let graceful = async move {
            shutdown.await;
            tracing::info!("shutting down: no new deliveries accepted");
            queue.close();
            fired.send_replace(true);
        };
        // Answers are small single writes: send them at once rather than let Nagle wait.
        let listener = listener.tap_io(|tcp| {
            if let Err(error) = tcp.set_nodelay(true) {
                tracing::debug!(%error, "cannot set TCP_NODELAY");
            }
        });
        let http = axum::serve(listener, router)
            .with_graceful_shutdown(graceful)
            .into_future();
        let overdue = async move {
            if fired_rx.wait_for(|fired| *fired).await.is_err() {
                std::future::pending::<()>().await;
            }
            tokio::time::sleep(deadline).await;
        };
        tokio::select! {
            served = http => served?,
            () = overdue => tracing::warn!(
                ?deadline,
                "open HTTP requests did not finish within the deadline; closing them"
            ),
        }
        let depth = self.queue.depth();
        if depth > 0 {
            tracing::info!(depth, ?deadline, "finishing queued deliveries");
        }
        let report = self.queue.drain(deadline).await;
        if report.abandoned.is_empty() {
            tracing::info!("every accepted delivery was handled");
        } else {
            let ids: Vec<&str> = report.abandoned.iter().map(DeliveryId::as_str).collect();
            tracing::warn!(
                count = ids.len(),
                deliveries = ?ids,
                "deliveries abandoned at shutdown: redeliver them from the App's settings"
            );
        }
        Ok(report)
    }
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("options", &self.options)
            .field("queue", &self.queue)
            .finish_non_exhaustive()
    }
}
