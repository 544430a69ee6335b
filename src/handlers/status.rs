//! `status`: Atlantis reports plans and applies as commit statuses, the primary proof that a stage
//! was applied. A `pending` status proves nothing and changes no decision (its outcome follows as
//! another status), so it costs no GitHub calls.

use crate::events::{StatusEvent, StatusState};
use crate::github::port::GitHubApp;

use super::{Engine, reconcile_for};

pub(super) async fn handle<A: GitHubApp>(
    engine: &Engine<A>,
    event: StatusEvent,
) -> anyhow::Result<()> {
    if event.state == StatusState::Pending {
        return Ok(());
    }
    reconcile_for(engine, event.installation, &event.repository).await
}
