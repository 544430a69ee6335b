//! What the queue hands to the work: a [`Delivery`] (one accepted event), and the
//! [`EventHandler`] trait the rollout engine implements. Until it does, `serve` uses
//! [`LoggingHandler`].

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::SystemTime;

use crate::events::Event;

/// The id of one delivery: GitHub's `X-GitHub-Delivery` (a GUID kept across redeliveries, so it
/// is the idempotency key), or an id amiroll made up for an event of its own (a release).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DeliveryId(String);

/// The longest delivery id accepted (GitHub's are 36-character GUIDs).
pub const MAX_DELIVERY_ID_LEN: usize = 128;

impl DeliveryId {
    /// GitHub's `X-GitHub-Delivery` value; `None` when empty, too long or not printable ASCII.
    pub fn github(value: &str) -> Option<Self> {
        let ok = !value.is_empty()
            && value.len() <= MAX_DELIVERY_ID_LEN
            && value.bytes().all(|b| b.is_ascii_graphic());
        ok.then(|| Self(value.to_owned()))
    }

    /// An id for an event amiroll produced itself, e.g. `release-3`.
    pub fn internal(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DeliveryId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One accepted event, as the handler receives it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delivery {
    /// The delivery id.
    pub id: DeliveryId,
    /// The event.
    pub event: Event,
    /// When amiroll accepted it.
    pub received_at: SystemTime,
}

/// The work done for each delivery, in the background, one delivery at a time per lane
/// (repository). An error is logged and counted; it never stops the worker.
pub trait EventHandler: Send + Sync + 'static {
    /// Handles one delivery.
    fn handle(&self, delivery: Delivery) -> impl Future<Output = anyhow::Result<()>> + Send;
}

/// A boxed handler future.
pub(crate) type HandlerFuture = Pin<Box<dyn Future<Output = anyhow::Result<()>> + Send>>;

/// [`EventHandler`] with its future boxed, so the queue can hold any handler.
pub(crate) trait ErasedHandler: Send + Sync + 'static {
    fn handle_boxed(self: Arc<Self>, delivery: Delivery) -> HandlerFuture;
}

impl<H: EventHandler> ErasedHandler for H {
    fn handle_boxed(self: Arc<Self>, delivery: Delivery) -> HandlerFuture {
        Box::pin(async move { self.handle(delivery).await })
    }
}

/// A handler that only logs what it receives: what `amiroll serve` runs until the rollout engine
/// takes over.
#[derive(Clone, Copy, Debug, Default)]
pub struct LoggingHandler;

impl EventHandler for LoggingHandler {
    async fn handle(&self, _delivery: Delivery) -> anyhow::Result<()> {
        // The delivery's span already names its id, event, lane and pull request.
        tracing::info!("event received (no rollout engine yet: nothing to do)");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_delivery_ids_are_checked() {
        assert!(DeliveryId::github("72d3162e-cc78-11e3-81ab-4c9367dc0958").is_some());
        assert!(DeliveryId::github("").is_none());
        assert!(DeliveryId::github("has space").is_none());
        assert!(DeliveryId::github(&"x".repeat(MAX_DELIVERY_ID_LEN + 1)).is_none());
    }
}
