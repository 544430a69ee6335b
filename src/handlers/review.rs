//! `pull_request_review`: an approval ticks "approved" and can change what a gate says is missing.

use crate::events::PullRequestReviewEvent;
use crate::github::port::GitHubApp;

use super::{Engine, reconcile_for};

pub(super) async fn handle<A: GitHubApp>(
    engine: &Engine<A>,
    event: PullRequestReviewEvent,
) -> anyhow::Result<()> {
    reconcile_for(engine, event.installation, &event.repository).await
}
