//! `installation` and `installation_repositories`: a repository amiroll can newly act on is
//! reconciled at once (gates on its open pull requests, checklists of earlier rollouts).

use crate::events::{
    InstallationAction, InstallationEvent, InstallationRepositoriesAction,
    InstallationRepositoriesEvent,
};
use crate::github::ids::{InstallationId, RepoName};
use crate::github::port::GitHubApp;

use super::Engine;

pub(super) async fn handle<A: GitHubApp>(
    engine: &Engine<A>,
    event: InstallationEvent,
) -> anyhow::Result<()> {
    match event.action {
        InstallationAction::Created
        | InstallationAction::Unsuspend
        | InstallationAction::NewPermissionsAccepted => {
            reconcile_all(engine, event.installation, &event.repositories).await
        }
        InstallationAction::Deleted | InstallationAction::Suspend => Ok(()),
    }
}

pub(super) async fn handle_repositories<A: GitHubApp>(
    engine: &Engine<A>,
    event: InstallationRepositoriesEvent,
) -> anyhow::Result<()> {
    match event.action {
        InstallationRepositoriesAction::Added => {
            reconcile_all(engine, event.installation, &event.added).await
        }
        InstallationRepositoriesAction::Removed => Ok(()),
    }
}

async fn reconcile_all<A: GitHubApp>(
    engine: &Engine<A>,
    installation: InstallationId,
    repos: &[RepoName],
) -> anyhow::Result<()> {
    let mut first_error = None;
    for repo in repos {
        if let Err(err) = engine.reconcile_repository(installation, repo).await {
            tracing::warn!(%repo, "reconciliation failed: {err:#}");
            first_error.get_or_insert(err);
        }
    }
    first_error.map_or(Ok(()), Err)
}
