//! `POST /webhooks/sns`: the internet-facing end of the SNS trigger. Everything a client sends is
//! answered 2xx, 400, 403 or 413; only a verified message from an allowed topic asks for a check,
//! and even that only makes amiroll re-read SSM.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use tokio::sync::mpsc::Sender;

use super::cert::{CertStore, sns_https_url};
use super::clock::Clock;
use super::fetch::Fetcher;
use super::legacy::LegacyAnnouncement;
use super::message::{MessageType, SnsMessage};
use super::seen::SeenMessages;
use super::settings::SnsSettings;
use super::verify::{check_freshness, verify_message};
use crate::ami::check::{CheckDispatch, CheckRequest, request_check};

/// The header in which SNS repeats the message type.
const MESSAGE_TYPE_HEADER: &str = "x-amz-sns-message-type";

/// The SNS endpoint: cheap to clone (shared state behind an `Arc`), no globals, so it can be served
/// with a plain `axum::serve` or merged into the server's router.
///
/// Checks run cheapest first and nothing is fetched before the topic, age and certificate URL pass:
///
/// | answer | when |
/// | --- | --- |
/// | 200 | a verified notification (check requested, or one already pending), a duplicate `MessageId`, a confirmed subscription, an acknowledged unsubscription |
/// | 400 | not JSON, a missing field, an unknown `Type`, `x-amz-sns-message-type` disagreeing with `Type` |
/// | 403 | a topic not allowed, too old or from the future, an unsupported signature version, a refused `SigningCertURL` or `SubscribeURL`, no certificate, a bad signature |
/// | 413 | a body over [`SnsSettings::max_body_bytes`] |
/// | 502 | a verified confirmation of an allowed topic whose `SubscribeURL` GET failed (SNS retries) |
/// | 503 | the poller stopped taking checks (shutdown) |
///
/// A certificate that cannot be had (fetch failed, not a certificate) is a 403, not a 502: the host
/// part of `SigningCertURL` is the sender's choice, so a 5xx there would let anyone make amiroll
/// report a server error; and a lost trigger costs nothing, since the poller reads SSM anyway.
/// The 502 and 503 need a message AWS signed for an allowed topic, which no client can forge.
#[derive(Clone)]
pub struct SnsEndpoint {
    inner: Arc<Inner>,
}

struct Inner {
    settings: SnsSettings,
    certs: CertStore,
    fetcher: Arc<dyn Fetcher>,
    checks: Sender<CheckRequest>,
    clock: Clock,
    seen: Mutex<SeenMessages>,
}

/// What an accepted delivery did (all answered 200).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Accepted {
    /// A notification queued a check.
    Triggered,
    /// A notification arrived while a check was already pending.
    AlreadyPending,
    /// The `MessageId` was already handled.
    Duplicate,
    /// A subscription was confirmed.
    Confirmed,
    /// An unsubscription was acknowledged.
    Unsubscribed,
}

impl Accepted {
    fn text(self) -> &'static str {
        match self {
            Self::Triggered => "accepted: check requested",
            Self::AlreadyPending => "accepted: a check is already pending",
            Self::Duplicate => "accepted: duplicate message ignored",
            Self::Confirmed => "accepted: subscription confirmed",
            Self::Unsubscribed => "accepted: unsubscription acknowledged",
        }
    }
}

/// A refused delivery: the status and a short reason for the client.
#[derive(Debug)]
struct Refused {
    status: StatusCode,
    reason: String,
}

impl Refused {
    fn new(status: StatusCode, reason: impl ToString) -> Self {
        Self {
            status,
            reason: reason.to_string(),
        }
    }
}

impl SnsEndpoint {
    /// The path the router serves.
    pub const PATH: &'static str = "/webhooks/sns";

    /// An endpoint that sends verified triggers on `checks`. `fetcher` fetches signing certificates
    /// (unless `settings.cert_dir` is set) and `SubscribeURL`s; `clock` judges message age.
    pub fn new(
        settings: SnsSettings,
        fetcher: Arc<dyn Fetcher>,
        checks: Sender<CheckRequest>,
        clock: Clock,
    ) -> Self {
        let certs = match &settings.cert_dir {
            Some(dir) => CertStore::directory(dir),
            None => CertStore::fetching(Arc::clone(&fetcher)),
        };
        if settings.allowed_topics.is_empty() {
            tracing::warn!("no SNS topic is allowed: every SNS message will be refused");
        }
        let seen = Mutex::new(SeenMessages::new(settings.remembered_messages));
        Self {
            inner: Arc::new(Inner {
                settings,
                certs,
                fetcher,
                checks,
                clock,
                seen,
            }),
        }
    }

    /// `POST /webhooks/sns`, with the body limit applied.
    pub fn router(&self) -> Router {
        Router::new()
            .route(Self::PATH, post(receive))
            .layer(DefaultBodyLimit::max(self.inner.settings.max_body_bytes))
            .with_state(self.clone())
    }

    fn seen(&self) -> MutexGuard<'_, SeenMessages> {
        self.inner
            .seen
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    async fn handle(&self, headers: &HeaderMap, body: &[u8]) -> Result<Accepted, Refused> {
        let message = SnsMessage::parse(body).map_err(|e| {
            tracing::info!(error = %e, "SNS delivery refused: malformed");
            Refused::new(StatusCode::BAD_REQUEST, e)
        })?;
        let id = &message.message_id;
        for header in headers.get_all(MESSAGE_TYPE_HEADER) {
            if header.as_bytes() != message.kind.as_str().as_bytes() {
                tracing::info!(message_id = ?id, header = ?header, "SNS delivery refused: header and Type disagree");
                return Err(Refused::new(
                    StatusCode::BAD_REQUEST,
                    format!("{MESSAGE_TYPE_HEADER} disagrees with Type"),
                ));
            }
        }
        let settings = &self.inner.settings;
        if !settings.allows(&message.topic_arn) {
            tracing::warn!(message_id = ?id, topic = ?message.topic_arn, kind = %message.kind, "SNS delivery refused: topic not allowed");
            return Err(Refused::new(StatusCode::FORBIDDEN, "topic not allowed"));
        }
        check_freshness(
            message.sent_at,
            self.inner.clock.now(),
            settings.max_age,
            settings.max_clock_skew,
        )
        .map_err(|e| {
            tracing::warn!(message_id = ?id, error = %e, "SNS delivery refused: timestamp");
            Refused::new(StatusCode::FORBIDDEN, e)
        })?;
        verify_message(&message, &self.inner.certs)
            .await
            .map_err(|e| {
                tracing::warn!(message_id = ?id, topic = ?message.topic_arn, error = %e, "SNS delivery refused: not verified");
                Refused::new(StatusCode::FORBIDDEN, e)
            })?;

        // From here on the message is AWS's own.
        if !self.seen().insert(id) {
            tracing::debug!(message_id = %id, "SNS message already handled");
            return Ok(Accepted::Duplicate);
        }
        let outcome = match message.kind {
            MessageType::Notification => self.trigger(&message),
            MessageType::SubscriptionConfirmation => self.confirm(&message).await,
            MessageType::UnsubscribeConfirmation => {
                tracing::warn!(topic = %message.topic_arn, message_id = %id, "SNS reports this endpoint unsubscribed");
                Ok(Accepted::Unsubscribed)
            }
        };
        if outcome.is_err() {
            // Not handled: a retry from SNS must not be taken for a duplicate.
            self.seen().forget(id);
        }
        outcome
    }

    fn trigger(&self, message: &SnsMessage) -> Result<Accepted, Refused> {
        let hint = LegacyAnnouncement::parse(&message.message).map(|a| a.summary());
        let id = &message.message_id;
        tracing::info!(message_id = %id, topic = %message.topic_arn, hint = ?hint, "SNS notification: checking SSM");
        match request_check(&self.inner.checks, CheckRequest::sns(id.clone(), hint)) {
            CheckDispatch::Queued => Ok(Accepted::Triggered),
            CheckDispatch::AlreadyPending => Ok(Accepted::AlreadyPending),
            CheckDispatch::Closed => {
                tracing::error!(message_id = %id, "SNS notification dropped: the poller is not running");
                Err(Refused::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "checks are not being taken",
                ))
            }
        }
    }

    async fn confirm(&self, message: &SnsMessage) -> Result<Accepted, Refused> {
        let topic = &message.topic_arn;
        let raw = message.subscribe_url.as_deref().unwrap_or_default();
        let url = sns_https_url(raw).map_err(|e| {
            tracing::warn!(topic = %topic, error = %e, "SNS subscription not confirmed: SubscribeURL refused");
            Refused::new(StatusCode::FORBIDDEN, format!("SubscribeURL refused: {e}"))
        })?;
        // The URL carries the confirmation token: log the topic, not the URL.
        self.inner.fetcher.get(&url).await.map_err(|e| {
            tracing::error!(topic = %topic, status = ?fetch_status(&e), "SNS subscription not confirmed: SubscribeURL failed");
            Refused::new(StatusCode::BAD_GATEWAY, "cannot confirm the subscription")
        })?;
        tracing::info!(topic = %topic, "SNS subscription confirmed");
        Ok(Accepted::Confirmed)
    }
}

fn fetch_status(error: &super::fetch::FetchError) -> Option<u16> {
    match error {
        super::fetch::FetchError::Status { status, .. } => Some(*status),
        _ => None,
    }
}

async fn receive(
    State(endpoint): State<SnsEndpoint>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let outcome = match body {
        Ok(body) => endpoint.handle(&headers, &body).await,
        Err(rejection) => {
            tracing::info!(error = %rejection, "SNS delivery refused: body");
            Err(Refused::new(rejection.status(), rejection.body_text()))
        }
    };
    match outcome {
        Ok(accepted) => (StatusCode::OK, accepted.text()).into_response(),
        Err(refused) => (refused.status, refused.reason).into_response(),
    }
}
