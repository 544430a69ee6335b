//! One reconciliation of one repository: gather the facts, decide, act.

use crate::ami::Release;
use crate::github::ids::RepoName;
use crate::github::port::GitHubClient;
use crate::rollout::decide::{Action, decide};

use super::Context;
use super::execute::{Target, execute};
use super::gather::gather;

/// What a reconciliation did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReconcileOutcome {
    /// The repository has no valid `.github/amiroll.yml` on its default branch.
    NotConfigured,
    /// The actions decided, of which `done` succeeded.
    Reconciled {
        /// What the core decided.
        actions: Vec<Action>,
    },
}

/// Which release, if any, a reconciliation rolls on the first stage.
#[derive(Clone, Copy, Debug)]
pub enum ReleaseInput<'a> {
    /// None: the event is about pull requests, statuses or pushes.
    None,
    /// This one, just read from SSM.
    Given(&'a Release),
    /// Whatever the repository's own SSM parameter names now (periodic reconciliation).
    LookUp,
}

/// Brings `repo` to where its events (and a release, if any) should have brought it.
pub async fn reconcile<C: GitHubClient>(
    client: &C,
    context: &Context<'_>,
    repo: &RepoName,
    release: ReleaseInput<'_>,
) -> anyhow::Result<ReconcileOutcome> {
    let bot = context.bot;
    let Some(gathered) = gather(client, context, repo, release).await? else {
        return Ok(ReconcileOutcome::NotConfigured);
    };
    let actions = decide(&gathered.facts);
    let target = Target {
        repo,
        config: &gathered.facts.config,
        base_branch: &gathered.base_branch,
        base_sha: &gathered.base_sha,
        bot,
    };
    execute(client, &target, actions.clone()).await?;
    Ok(ReconcileOutcome::Reconciled { actions })
}
