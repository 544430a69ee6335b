//! The "check now" trigger: what the SNS endpoint and the operator API hand to the poller. A trigger
//! never carries an AMI id to roll out; it only asks amiroll to re-read SSM, the source of truth.

use tokio::sync::mpsc::Sender;
use tokio::sync::mpsc::error::TrySendError;

use super::ReleaseOrigin;

/// A request to re-read SSM now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckRequest {
    /// Why the check was requested (a verified SNS notification, an operator).
    pub origin: ReleaseOrigin,
    /// Free text for the logs only, e.g. the AMI ids a legacy `ECSAmis` announcement named.
    /// Never used to decide anything.
    pub hint: Option<String>,
}

impl CheckRequest {
    /// A check requested by an operator (`POST /api/check`).
    pub fn manual() -> Self {
        Self {
            origin: ReleaseOrigin::Manual,
            hint: None,
        }
    }

    /// A check requested by the verified SNS notification `message_id`.
    pub fn sns(message_id: impl Into<String>, hint: Option<String>) -> Self {
        Self {
            origin: ReleaseOrigin::Sns {
                message_id: message_id.into(),
            },
            hint,
        }
    }
}

/// What became of a [`CheckRequest`] handed to the poller.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CheckDispatch {
    /// The request is queued.
    Queued,
    /// The queue is full: checks are already pending, and the next one re-reads SSM anyway.
    AlreadyPending,
    /// Nobody consumes requests any more (the poller stopped, e.g. during shutdown).
    Closed,
}

impl CheckDispatch {
    /// Whether the caller may answer "accepted": the check is queued or one is already pending.
    pub fn is_accepted(self) -> bool {
        matches!(self, Self::Queued | Self::AlreadyPending)
    }
}

/// Hands `request` to the poller without waiting: a full queue means a check is already pending.
pub fn request_check(checks: &Sender<CheckRequest>, request: CheckRequest) -> CheckDispatch {
    match checks.try_send(request) {
        Ok(()) => CheckDispatch::Queued,
        Err(TrySendError::Full(_)) => CheckDispatch::AlreadyPending,
        Err(TrySendError::Closed(_)) => CheckDispatch::Closed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_queue_means_a_check_is_already_pending() {
        let (tx, mut rx) = tokio::sync::mpsc::channel(1);
        assert_eq!(
            request_check(&tx, CheckRequest::manual()),
            CheckDispatch::Queued
        );
        assert_eq!(
            request_check(&tx, CheckRequest::sns("m-1", None)),
            CheckDispatch::AlreadyPending
        );
        assert_eq!(rx.try_recv().unwrap(), CheckRequest::manual());
        assert!(rx.try_recv().is_err(), "the second request was not queued");
    }

    #[test]
    fn a_closed_queue_is_reported() {
        let (tx, rx) = tokio::sync::mpsc::channel(1);
        drop(rx);
        let dispatch = request_check(&tx, CheckRequest::manual());
        assert_eq!(dispatch, CheckDispatch::Closed);
        assert!(!dispatch.is_accepted());
    }
}
