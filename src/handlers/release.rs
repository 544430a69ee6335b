//! A new release read from SSM: every installed repository whose config reads that SSM parameter
//! in that region gets its first stage rolled (if it does not run the AMI already).

use anyhow::Context as _;

use crate::ami::Release;
use crate::github::ids::{InstallationId, RepoName};
use crate::github::port::{GitHubApp, GitHubClient};

use super::{Engine, ReconcileOutcome, ReleaseInput, reconcile};

pub(super) async fn handle<A: GitHubApp>(
    engine: &Engine<A>,
    release: Release,
) -> anyhow::Result<()> {
    let mut first_error = None;
    for (installation, repo) in every_repository(engine.app.as_ref()).await? {
        let client = engine.app.installation(installation)?;
        let applies = reads_release(&client, &repo, &release).await;
        let result = match applies {
            Ok(true) => reconcile(&client, &engine.context().await?, &repo, ReleaseInput::Given(&release)).await.map(|outcome| {
                if let ReconcileOutcome::Reconciled { actions } = outcome {
                    tracing::info!(%repo, ami = %release.ami_id, actions = actions.len(), "release reconciled");
                }
            }),
            Ok(false) => Ok(()),
            Err(err) => Err(err),
        };
        if let Err(err) = result {
            tracing::warn!(%repo, ami = %release.ami_id, "cannot roll the release: {err:#}");
            first_error.get_or_insert(err);
        }
    }
    first_error.map_or(Ok(()), Err)
}

/// Whether `repo`'s config (on its default branch) reads the release's parameter in its region.
async fn reads_release<C: GitHubClient>(
    client: &C,
    repo: &RepoName,
    release: &Release,
) -> anyhow::Result<bool> {
    let default = client
        .default_branch(repo)
        .await
        .context("Cannot read the default branch")?;
    let Some(bytes) = client
        .file(repo, crate::config::CONFIG_PATH, default.sha.as_str())
        .await
        .context("Cannot read the config")?
    else {
        return Ok(false);
    };
    let Ok(config) = crate::config::parse(&String::from_utf8_lossy(&bytes)) else {
        return Ok(false);
    };
    Ok(config.ami.ssm_parameter == release.parameter && config.ami.region == release.region)
}

/// Every non-archived repository of every installation.
pub(super) async fn every_repository<A: GitHubApp>(
    app: &A,
) -> anyhow::Result<Vec<(InstallationId, RepoName)>> {
    let mut all = Vec::new();
    for installation in app
        .installations()
        .await
        .context("Cannot list installations")?
    {
        let client = app.installation(installation.id)?;
        let repos = client.repositories().await.with_context(|| {
            format!(
                "Cannot list the repositories of installation {}",
                installation.id
            )
        })?;
        all.extend(
            repos
                .into_iter()
                .filter(|r| !r.archived)
                .map(|r| (installation.id, r.name)),
        );
    }
    Ok(all)
}
