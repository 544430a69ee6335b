//! `issue_comment`: Atlantis's plan and apply comments, and people's `atlantis apply` (which the
//! gate may make Atlantis refuse). amiroll's own comments are ignored: they change nothing.

use crate::events::{CommentAction, IssueCommentEvent};
use crate::github::port::GitHubApp;

use super::{Engine, reconcile_for};

pub(super) async fn handle<A: GitHubApp>(
    engine: &Engine<A>,
    event: IssueCommentEvent,
) -> anyhow::Result<()> {
    let ours = event
        .comment
        .author
        .eq_ignore_ascii_case(&engine.bot().await?.login);
    if !event.on_pull_request || ours || event.action == CommentAction::Deleted {
        return Ok(());
    }
    reconcile_for(engine, event.installation, &event.repository).await
}
