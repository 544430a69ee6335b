//! `status`: Atlantis reports plans and applies as commit statuses, the primary proof that a stage
//! was applied.

use crate::events::StatusEvent;
use crate::github::port::GitHubApp;

use super::{Engine, reconcile_for};

pub(super) async fn handle<A: GitHubApp>(
    engine: &Engine<A>,
    event: StatusEvent,
) -> anyhow::Result<()> {
    reconcile_for(engine, event.installation, &event.repository).await
}
