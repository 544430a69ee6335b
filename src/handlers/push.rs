//! `push`: a push to the base branch moves the stages' values (a merge, or a hand edit), which can
//! promote the next stage and changes what every gate compares against. Pushes to amiroll's own
//! branches arrive as `pull_request` `synchronize` too, and are skipped here.

use crate::events::PushEvent;
use crate::github::port::GitHubApp;
use crate::rollout::branch::BRANCH_PREFIX;

use super::{Engine, reconcile_for};

pub(super) async fn handle<A: GitHubApp>(
    engine: &Engine<A>,
    event: PushEvent,
) -> anyhow::Result<()> {
    let Some(branch) = event.branch() else {
        return Ok(()); // a tag
    };
    if branch.starts_with(BRANCH_PREFIX) || event.deleted {
        return Ok(());
    }
    reconcile_for(engine, event.installation, &event.repository).await
}
