//! `POST /webhooks/github`: the webhook intake. It reads the raw body (bounded), checks the
//! signature before anything else, turns the payload into an [`Event`](crate::events::Event) and
//! queues it, answering within milliseconds. Every answer is 202, 400, 401, 408, 413 or 503, never
//! another 5xx:
//!
//! | answer | when |
//! | --- | --- |
//! | 202 | accepted; a duplicate delivery id; an event or action amiroll ignores |
//! | 400 | a missing `X-GitHub-Event` or `X-GitHub-Delivery`; a malformed payload of a handled event |
//! | 401 | a missing, malformed or wrong `X-Hub-Signature-256` (a `sha1=` signature alone is refused) |
//! | 408 | a body not received within the read timeout |
//! | 413 | a body over the limit |
//! | 503 | the queue is full, or amiroll is shutting down: GitHub records a failed delivery, which can be redelivered |

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, FromRequest, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;

use super::delivery::{Delivery, DeliveryId};
use super::queue::{Enqueued, Queue, QueueRefused};
use super::secret::Secret;
use super::signature::{SIGNATURE_HEADER, verify_signature};
use crate::events::{Conversion, HANDLED_EVENTS, from_webhook};
use crate::metrics::Metrics;

/// The path of the intake.
pub const WEBHOOK_PATH: &str = "/webhooks/github";
/// The header naming the event.
pub const EVENT_HEADER: &str = "x-github-event";
/// The header carrying the delivery id.
pub const DELIVERY_HEADER: &str = "x-github-delivery";

/// The intake's shared state.
#[derive(Clone)]
pub(crate) struct Intake {
    pub(crate) secret: Arc<Secret>,
    pub(crate) queue: Queue,
    pub(crate) metrics: Metrics,
    pub(crate) body_timeout: Duration,
}

/// `POST /webhooks/github` with a body limit of `max_body_bytes`.
pub(crate) fn router(intake: Intake, max_body_bytes: usize) -> Router {
    Router::new()
        .route(WEBHOOK_PATH, post(receive))
        .layer(DefaultBodyLimit::max(max_body_bytes))
        .with_state(intake)
}

/// The event name used as a metric label: only names amiroll knows, so that label values stay
/// few whatever is sent.
fn event_label(name: &str) -> &'static str {
    HANDLED_EVENTS
        .iter()
        .find(|known| **known == name)
        .copied()
        .unwrap_or(if name == "ping" { "ping" } else { "other" })
}

fn answer(status: StatusCode, text: &'static str) -> Response {
    (status, text).into_response()
}

async fn receive(State(intake): State<Intake>, request: Request) -> Response {
    let received_at = SystemTime::now();
    let headers = request.headers().clone();
    // Reading is bounded in size (the body limit layer) and in time: a client trickling its
    // body must not hold a connection and a buffer for ever.
    let read = tokio::time::timeout(intake.body_timeout, Bytes::from_request(request, &())).await;
    let body = match read {
        Ok(Ok(body)) => body,
        Ok(Err(rejection)) => {
            let status = if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                StatusCode::PAYLOAD_TOO_LARGE
            } else {
                StatusCode::BAD_REQUEST
            };
            intake.metrics.webhook("unverified", "unreadable_body");
            tracing::warn!(%status, "webhook body refused: {}", rejection.body_text());
            return answer(status, "body refused");
        }
        Err(_) => {
            intake.metrics.webhook("unverified", "body_timeout");
            tracing::warn!(timeout = ?intake.body_timeout, "webhook body not received in time");
            return answer(StatusCode::REQUEST_TIMEOUT, "body not received in time");
        }
    };
    let signature = headers.get(SIGNATURE_HEADER).map(|value| value.as_bytes());
    if let Err(error) = verify_signature(intake.secret.expose().as_bytes(), signature, &body) {
        intake.metrics.webhook("unverified", "bad_signature");
        tracing::warn!(%error, "webhook refused: bad signature");
        return (
            StatusCode::UNAUTHORIZED,
            format!("signature refused: {error}"),
        )
            .into_response();
    }
    let Some(name) = headers.get(EVENT_HEADER).and_then(|v| v.to_str().ok()) else {
        intake.metrics.webhook("unknown", "malformed");
        return answer(StatusCode::BAD_REQUEST, "missing X-GitHub-Event header");
    };
    let label = event_label(name);
    let Some(id) = headers
        .get(DELIVERY_HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(DeliveryId::github)
    else {
        intake.metrics.webhook(label, "malformed");
        return answer(
            StatusCode::BAD_REQUEST,
            "missing or malformed X-GitHub-Delivery header",
        );
    };
    let span = tracing::info_span!(
        "webhook",
        delivery = %id,
        event = label,
        repository = tracing::field::Empty,
        pr = tracing::field::Empty,
    );
    let _entered = span.enter();
    let event = match from_webhook(name, &body) {
        Ok(Conversion::Event(event)) => *event,
        Ok(Conversion::Ignored(why)) => {
            intake.metrics.webhook(label, "ignored");
            tracing::debug!(%why, "webhook ignored");
            return answer(StatusCode::ACCEPTED, "ignored");
        }
        Err(error) => {
            intake.metrics.webhook(label, "malformed");
            tracing::warn!(%error, "webhook refused: malformed payload");
            let mut text = error.to_string();
            text.truncate(text.floor_char_boundary(300));
            return (StatusCode::BAD_REQUEST, text).into_response();
        }
    };
    if let Some(repository) = event.repository() {
        span.record("repository", tracing::field::display(repository));
    }
    if let Some(pr) = event.pull_request() {
        span.record("pr", pr.0);
    }
    let delivery = Delivery {
        id,
        event,
        received_at,
    };
    match intake.queue.enqueue(delivery) {
        Ok(Enqueued::Accepted) => {
            intake.metrics.webhook(label, "accepted");
            tracing::debug!("webhook accepted");
            answer(StatusCode::ACCEPTED, "accepted")
        }
        Ok(Enqueued::Duplicate) => {
            intake.metrics.webhook(label, "duplicate");
            tracing::info!("webhook already received: duplicate ignored");
            answer(StatusCode::ACCEPTED, "duplicate")
        }
        Err(refused) => {
            let outcome = match refused {
                QueueRefused::Full => "queue_full",
                QueueRefused::Closed => "shutting_down",
            };
            intake.metrics.webhook(label, outcome);
            tracing::warn!(%refused, "webhook refused: redeliver it later");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                [(header::RETRY_AFTER, "60")],
                format!("{refused}; redeliver later"),
            )
                .into_response()
        }
    }
}
