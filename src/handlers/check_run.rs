//! `check_run` and `check_suite`: someone asked GitHub to re-run amiroll's gate (or a new suite was
//! requested). amiroll's own check runs being created or completed change nothing.

use crate::events::{CheckRunAction, CheckRunEvent, CheckSuiteAction, CheckSuiteEvent};
use crate::github::port::GitHubApp;

use super::{Engine, reconcile_for};

pub(super) async fn handle<A: GitHubApp>(
    engine: &Engine<A>,
    event: CheckRunEvent,
) -> anyhow::Result<()> {
    match event.action {
        CheckRunAction::Rerequested | CheckRunAction::RequestedAction => {
            reconcile_for(engine, event.installation, &event.repository).await
        }
        CheckRunAction::Created | CheckRunAction::Completed => Ok(()),
    }
}

pub(super) async fn handle_suite<A: GitHubApp>(
    engine: &Engine<A>,
    event: CheckSuiteEvent,
) -> anyhow::Result<()> {
    match event.action {
        CheckSuiteAction::Requested | CheckSuiteAction::Rerequested => {
            reconcile_for(engine, event.installation, &event.repository).await
        }
        CheckSuiteAction::Completed => Ok(()),
    }
}
