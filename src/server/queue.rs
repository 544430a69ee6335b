//! The work queue between the webhook intake and the handler. Accepting is synchronous and cheap
//! (the intake answers within milliseconds); handling runs on background tasks, one per busy lane
//! (repository), so the events of one repository are handled one at a time and in order while
//! different repositories proceed in parallel (at most `workers` deliveries at once).
//!
//! The queue is bounded by the number of deliveries accepted and not yet finished; beyond it
//! deliveries are refused (the intake answers 503 so that GitHub records a failed delivery that
//! can be redelivered). Delivery ids are remembered (bounded) so a redelivery is handled once.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::{Semaphore, watch};
use tracing::Instrument;

use super::dedup::SeenDeliveries;
use super::delivery::{Delivery, DeliveryId, ErasedHandler, EventHandler};
use crate::events::Lane;
use crate::metrics::Metrics;

/// Sizes of the queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QueueConfig {
    /// The most deliveries accepted and not yet finished (queued or being handled).
    pub capacity: usize,
    /// The most deliveries handled at the same time (across lanes).
    pub workers: usize,
    /// How many delivery ids are remembered for de-duplication.
    pub remembered_deliveries: usize,
}

impl Default for QueueConfig {
    fn default() -> Self {
        Self {
            capacity: 1_000,
            workers: 8,
            remembered_deliveries: 10_000,
        }
    }
}

/// What became of an offered delivery.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Enqueued {
    /// Queued for handling.
    Accepted,
    /// Its id was seen before: already queued or handled, so dropped.
    Duplicate,
}

/// Why a delivery was not accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum QueueRefused {
    /// The queue is full.
    #[error("the queue is full")]
    Full,
    /// The queue no longer accepts work (shutting down).
    #[error("the queue is closed: shutting down")]
    Closed,
}

/// What a shutdown drain left undone.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DrainReport {
    /// Deliveries accepted and not finished when the deadline passed (being handled first, then
    /// waiting), empty when everything was handled.
    pub abandoned: Vec<DeliveryId>,
}

/// The queue; cheap to clone (shared state).
#[derive(Clone)]
pub struct Queue {
    inner: Arc<Inner>,
}

struct Inner {
    state: Mutex<State>,
    handler: Arc<dyn ErasedHandler>,
    metrics: Metrics,
    permits: Arc<Semaphore>,
    depth: watch::Sender<usize>,
    capacity: usize,
}

struct State {
    lanes: HashMap<Lane, LaneState>,
    seen: SeenDeliveries,
    depth: usize,
    closed: bool,
}

#[derive(Default)]
struct LaneState {
    waiting: VecDeque<Queued>,
    current: Option<DeliveryId>,
}

struct Queued {
    delivery: Delivery,
    accepted: Instant,
}

impl Queue {
    /// A queue handing deliveries to `handler`. Must be used inside a tokio runtime.
    pub fn new<H: EventHandler>(config: QueueConfig, handler: H, metrics: Metrics) -> Self {
        let (depth, _) = watch::channel(0);
        Self {
            inner: Arc::new(Inner {
                state: Mutex::new(State {
                    lanes: HashMap::new(),
                    seen: SeenDeliveries::new(config.remembered_deliveries),
                    depth: 0,
                    closed: false,
                }),
                handler: Arc::new(handler),
                metrics,
                permits: Arc::new(Semaphore::new(config.workers.max(1))),
                depth,
                capacity: config.capacity.max(1),
            }),
        }
    }

    /// Offers a delivery: accepted (and handled in the background), a duplicate (dropped), or
    /// refused when the queue is full or closed. Never waits.
    pub fn enqueue(&self, delivery: Delivery) -> Result<Enqueued, QueueRefused> {
        let mut state = self.inner.lock();
        if state.closed {
            return Err(QueueRefused::Closed);
        }
        if state.seen.contains(&delivery.id) {
            return Ok(Enqueued::Duplicate);
        }
        if state.depth >= self.inner.capacity {
            return Err(QueueRefused::Full);
        }
        state.seen.insert(&delivery.id);
        state.depth += 1;
        let depth = state.depth;
        let lane = delivery.event.lane();
        let queued = Queued {
            delivery,
            accepted: Instant::now(),
        };
        let start_worker = match state.lanes.get_mut(&lane) {
            Some(busy) => {
                busy.waiting.push_back(queued);
                false
            }
            None => {
                let mut fresh = LaneState::default();
                fresh.waiting.push_back(queued);
                state.lanes.insert(lane.clone(), fresh);
                true
            }
        };
        drop(state);
        self.inner.publish_depth(depth);
        if start_worker {
            tokio::spawn(run_lane(Arc::clone(&self.inner), lane));
        }
        Ok(Enqueued::Accepted)
    }

    /// Deliveries accepted and not yet finished.
    pub fn depth(&self) -> usize {
        self.inner.lock().depth
    }

    /// Stops accepting deliveries; those already accepted are still handled.
    pub fn close(&self) {
        self.inner.lock().closed = true;
    }

    /// Whether [`Queue::close`] was called.
    pub fn is_closed(&self) -> bool {
        self.inner.lock().closed
    }

    /// Closes the queue and waits until every accepted delivery is handled, or `deadline`
    /// passes; reports what was left.
    pub async fn drain(&self, deadline: Duration) -> DrainReport {
        self.close();
        let mut depth = self.inner.depth.subscribe();
        let drained = tokio::time::timeout(deadline, depth.wait_for(|depth| *depth == 0)).await;
        if matches!(drained, Ok(Ok(_))) {
            return DrainReport::default();
        }
        let state = self.inner.lock();
        let mut abandoned: Vec<DeliveryId> = state
            .lanes
            .values()
            .filter_map(|lane| lane.current.clone())
            .collect();
        abandoned.extend(
            state
                .lanes
                .values()
                .flat_map(|lane| lane.waiting.iter().map(|q| q.delivery.id.clone())),
        );
        drop(state);
        self.inner.metrics.abandoned(abandoned.len() as u64);
        DrainReport { abandoned }
    }
}

impl std::fmt::Debug for Queue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Queue")
            .field("capacity", &self.inner.capacity)
            .finish_non_exhaustive()
    }
}

impl Inner {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn publish_depth(&self, depth: usize) {
        self.metrics
            .queue_depth(i64::try_from(depth).unwrap_or(i64::MAX));
        self.depth.send_replace(depth);
    }

    /// The lane's next delivery, marked as being handled; `None` (and the lane removed, so the
    /// next delivery for it starts a new worker) when the lane is empty.
    fn next(&self, lane: &Lane) -> Option<Queued> {
        let mut state = self.lock();
        let lane_state = state.lanes.get_mut(lane)?;
        match lane_state.waiting.pop_front() {
            Some(queued) => {
                lane_state.current = Some(queued.delivery.id.clone());
                Some(queued)
            }
            None => {
                state.lanes.remove(lane);
                None
            }
        }
    }

    /// Marks the lane's current delivery finished; a failed one is forgotten so that a
    /// redelivery is handled again.
    fn finish(&self, lane: &Lane, id: &DeliveryId, failed: bool) {
        let mut state = self.lock();
        if let Some(lane_state) = state.lanes.get_mut(lane) {
            lane_state.current = None;
        }
        if failed {
            state.seen.forget(id);
        }
        state.depth = state.depth.saturating_sub(1);
        let depth = state.depth;
        drop(state);
        self.publish_depth(depth);
    }
}

/// Handles a lane's deliveries one after the other until it is empty.
async fn run_lane(inner: Arc<Inner>, lane: Lane) {
    while let Some(queued) = inner.next(&lane) {
        // The semaphore is never closed, so acquiring cannot fail; without a permit the
        // delivery is still handled rather than lost.
        let permit = Arc::clone(&inner.permits).acquire_owned().await.ok();
        inner
            .metrics
            .queue_wait(queued.accepted.elapsed().as_secs_f64());
        let delivery = queued.delivery;
        let id = delivery.id.clone();
        let span = tracing::info_span!(
            "delivery",
            delivery = %id,
            event = delivery.event.name(),
            lane = %lane,
            pr = tracing::field::Empty,
        );
        if let Some(pr) = delivery.event.pull_request() {
            span.record("pr", pr.0);
        }
        let started = Instant::now();
        // A task of its own, so that a panicking handler only fails this delivery.
        let handling = tokio::spawn(
            Arc::clone(&inner.handler)
                .handle_boxed(delivery)
                .instrument(span.clone()),
        );
        let failed = match handling.await {
            Ok(Ok(())) => {
                inner.metrics.handled("ok", started.elapsed().as_secs_f64());
                false
            }
            Ok(Err(error)) => {
                span.in_scope(|| tracing::warn!(error = format!("{error:#}"), "handling failed"));
                inner
                    .metrics
                    .handled("error", started.elapsed().as_secs_f64());
                true
            }
            Err(join) => {
                span.in_scope(|| tracing::error!(error = %join, "the handler panicked"));
                inner
                    .metrics
                    .handled("error", started.elapsed().as_secs_f64());
                true
            }
        };
        drop(permit);
        inner.finish(&lane, &id, failed);
    }
}
