//! `pull_request`: a pull request opened, pushed to, merged or closed changes its gate, its
//! checklist, and (when a stage's pull request merges) what is promoted next.

use crate::events::{PullRequestAction, PullRequestEvent};
use crate::github::port::GitHubApp;

use super::{Engine, reconcile_for};

pub(super) async fn handle<A: GitHubApp>(
    engine: &Engine<A>,
    event: PullRequestEvent,
) -> anyhow::Result<()> {
    match event.action {
        PullRequestAction::Opened
        | PullRequestAction::Reopened
        | PullRequestAction::Synchronize
        | PullRequestAction::Closed
        | PullRequestAction::Edited
        | PullRequestAction::ReadyForReview
        | PullRequestAction::ConvertedToDraft => {
            reconcile_for(engine, event.installation, &event.repository).await
        }
    }
}
