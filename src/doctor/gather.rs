//! The GitHub half of doctor's I/O: asks GitHub, as the App and then as its installation on the
//! repository, for the facts the checks judge. Nothing is judged here: a call that fails after
//! the App was reached becomes an "unreadable" fact, reported as such.

use std::collections::BTreeMap;
use std::collections::btree_map::Entry;

use super::checks::is_atlantis;
use super::facts::{
    ConfigFact, Facts, ProtectionFact, PullStatuses, SsmFact, TargetFact, TargetOutcome,
};
use crate::config::{self, CONFIG_PATH, RepoConfig};
use crate::github::port::{GitHubApp, GitHubClient, GitHubResult};
use crate::github::{GitHubError, RepoName};
use crate::hcl;

/// How many recent pull requests are searched for Atlantis's statuses by default.
pub const DEFAULT_RECENT_PULLS: usize = 5;

/// Gathers what GitHub says about `repo`; the SSM fact is left [`SsmFact::NotChecked`] for the
/// caller. Searches at most `recent_pulls` pull requests for Atlantis's statuses.
///
/// # Errors
///
/// When GitHub cannot be reached as the App at all: `GET /app` or the lookup of the repository's
/// installation failed (bad key, wrong App id or API URL, network).
pub async fn gather<A: GitHubApp>(
    app: &A,
    repo: &RepoName,
    recent_pulls: usize,
) -> Result<Facts, GitHubError> {
    let info = app.app_info().await?;
    let installation = app.repo_installation(repo).await?;
    let mut facts = Facts {
        repo: repo.clone(),
        app: info,
        installation: installation.clone(),
        config: None,
        targets: Vec::new(),
        protection: None,
        rules: None,
        pulls: None,
        ssm: SsmFact::NotChecked,
    };
    let Some(installation) = installation else {
        return Ok(facts);
    };
    let client = app.installation(installation.id)?;
    let default_branch = match client.default_branch(repo).await {
        Ok(head) => head.name,
        Err(error) => {
            facts.config = Some(ConfigFact::Unreadable {
                branch: "the default branch".to_owned(),
                error: error.to_string(),
            });
            return Ok(facts);
        }
    };
    let config_fact = read_config(&client, repo, default_branch).await;
    let ConfigFact::Valid {
        base_branch,
        config,
        ..
    } = &config_fact
    else {
        facts.config = Some(config_fact);
        return Ok(facts);
    };
    let (base, config) = (base_branch.clone(), config.clone());
    facts.config = Some(config_fact);
    facts.targets = read_targets(&client, repo, &config, &base).await;
    facts.protection = Some(match client.branch_protection(repo, &base).await {
        Ok(None) => ProtectionFact::NotProtected,
        Ok(Some(checks)) => ProtectionFact::Requires(checks),
        Err(GitHubError::Status { status: 403, .. }) => ProtectionFact::Forbidden,
        Err(error) => ProtectionFact::Unreadable(error.to_string()),
    });
    facts.rules = Some(
        client
            .branch_rules(repo, &base)
            .await
            .map_err(|e| e.to_string()),
    );
    facts.pulls = Some(
        recent_statuses(&client, repo, &config.atlantis.status_prefix, recent_pulls)
            .await
            .map_err(|e| e.to_string()),
    );
    Ok(facts)
}

/// Reads and validates `.github/amiroll.yml` on the default branch.
async fn read_config<C: GitHubClient>(client: &C, repo: &RepoName, branch: String) -> ConfigFact {
    let bytes = match client.file(repo, CONFIG_PATH, &branch).await {
        Ok(Some(bytes)) => bytes,
        Ok(None) => return ConfigFact::Missing { branch },
        Err(error) => {
            return ConfigFact::Unreadable {
                branch,
                error: error.to_string(),
            };
        }
    };
    match config::parse(&String::from_utf8_lossy(&bytes)) {
        Ok(config) => ConfigFact::Valid {
            base_branch: config.base_branch.clone().unwrap_or_else(|| branch.clone()),
            branch,
            config: Box::new(config),
        },
        Err(error) => ConfigFact::Invalid {
            branch,
            problems: error.render(CONFIG_PATH),
        },
    }
}

/// Looks every target up in its file on `branch`, reading each file once.
async fn read_targets<C: GitHubClient>(
    client: &C,
    repo: &RepoName,
    config: &RepoConfig,
    branch: &str,
) -> Vec<TargetFact> {
    let mut files: BTreeMap<String, Result<Option<String>, String>> = BTreeMap::new();
    let mut facts = Vec::new();
    for stage in &config.stages {
        for target in &stage.targets {
            let file = match files.entry(target.file.clone()) {
                Entry::Occupied(entry) => entry.into_mut(),
                Entry::Vacant(entry) => entry.insert(
                    client
                        .file(repo, &target.file, branch)
                        .await
                        .map(|found| found.map(|b| String::from_utf8_lossy(&b).into_owned()))
                        .map_err(|e| e.to_string()),
                ),
            };
            let outcome = match file {
                Ok(Some(text)) => match hcl::get(text, &target.address) {
                    Ok(found) => TargetOutcome::Literal {
                        location: found.location,
                        value: found.value,
                    },
                    Err(error) => TargetOutcome::Unresolved {
                        location: error.location(),
                        message: error.to_string(),
                    },
                },
                Ok(None) => TargetOutcome::FileMissing,
                Err(error) => TargetOutcome::Unreadable(error.clone()),
            };
            facts.push(TargetFact {
                stage: stage.name.to_string(),
                file: target.file.clone(),
                address: target.address.to_string(),
                branch: branch.to_owned(),
                outcome,
            });
        }
    }
    facts
}

/// The statuses of the newest pull requests (open ones first, then recently closed ones), at
/// most `limit`, stopping at the first that carries an Atlantis status under `prefix`.
async fn recent_statuses<C: GitHubClient>(
    client: &C,
    repo: &RepoName,
    prefix: &str,
    limit: usize,
) -> GitHubResult<Vec<PullStatuses>> {
    let limit = limit.max(1);
    let mut pulls = client.open_pull_requests(repo).await?;
    pulls.sort_by_key(|pull| std::cmp::Reverse(pull.number));
    if pulls.len() < limit {
        pulls.extend(client.recently_closed_pull_requests(repo).await?);
    }
    let mut seen = Vec::new();
    for pull in pulls.into_iter().take(limit) {
        let statuses = client.combined_status(repo, &pull.head_sha).await?.statuses;
        let found = statuses.iter().any(|s| is_atlantis(&s.context, prefix));
        seen.push(PullStatuses {
            number: pull.number.0,
            statuses,
        });
        if found {
            break;
        }
    }
    Ok(seen)
}
