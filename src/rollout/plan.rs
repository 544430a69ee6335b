//! The dry run of a whole rollout on one snapshot of the repository: for each stage, whether it
//! already runs the AMI, opens now, or waits for the stage before it, and exactly what its pull
//! request would contain. Pure: files in, plans out. `amiroll plan` prints it; the rollout engine
//! uses the same edits.

use std::collections::BTreeMap;

use crate::ami::Release;
use crate::config::{RepoConfig, StageName};
use crate::hcl::{self, HclError};

use super::branch::branch_name;
use super::checklist::{Checklist, StageProgress};
use super::pull_request::{self, ValueChange};

/// What happens to one stage.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StageStatus {
    /// Every target already holds the AMI: nothing to do.
    AlreadyRuns,
    /// This stage is next: its pull request opens now.
    OpensNow,
    /// Its pull request opens once `previous` is applied and merged with the AMI.
    WaitsFor(StageName),
}

/// One file a stage's pull request changes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileChange {
    /// Repository-relative path.
    pub file: String,
    /// The content on the base branch.
    pub before: String,
    /// The content on the pull request's branch.
    pub after: String,
}

/// The plan of one stage.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StagePlan {
    /// The stage.
    pub stage: StageName,
    /// What happens to it.
    pub status: StageStatus,
    /// Each target's current value.
    pub current: Vec<ValueChange>,
    /// The branch its pull request uses.
    pub branch: String,
    /// The pull request's title.
    pub title: String,
    /// The pull request's body.
    pub body: String,
    /// The checklist comment amiroll would post once the pull request is open.
    pub checklist: String,
    /// The files changed (empty when the stage already runs the AMI).
    pub changes: Vec<FileChange>,
}

/// Why a plan could not be made.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// A target's file is not in the repository.
    #[error("{file}: no such file (named by stage `{stage}`)")]
    MissingFile {
        /// The stage naming it.
        stage: String,
        /// The file.
        file: String,
    },
    /// A target could not be read or edited.
    #[error("{file}:{}: {error}", error.location())]
    Hcl {
        /// The file.
        file: String,
        /// What went wrong, with its location.
        error: HclError,
    },
}

/// Plans the rollout of `release` over `files` (path to content, as on the base branch).
pub fn plan(
    config: &RepoConfig,
    files: &BTreeMap<String, String>,
    release: &Release,
) -> Result<Vec<StagePlan>, PlanError> {
    let mut plans = Vec::with_capacity(config.stages.len());
    let mut next_found = false;
    for (index, stage) in config.stages.iter().enumerate() {
        let mut edited: BTreeMap<&str, String> = BTreeMap::new();
        let mut current = Vec::with_capacity(stage.targets.len());
        for target in &stage.targets {
            let text = match edited.get(target.file.as_str()) {
                Some(text) => text.clone(),
                None => files
                    .get(&target.file)
                    .cloned()
                    .ok_or_else(|| PlanError::MissingFile {
                        stage: stage.name.to_string(),
                        file: target.file.clone(),
                    })?,
            };
            let hcl_error = |error| PlanError::Hcl {
                file: target.file.clone(),
                error,
            };
            let edit = hcl::set(&text, &target.address, &release.ami_id).map_err(hcl_error)?;
            current.push(ValueChange {
                file: target.file.clone(),
                address: target.address.to_string(),
                from: edit.old_value.clone(),
            });
            edited.insert(target.file.as_str(), edit.output);
        }
        let changes: Vec<FileChange> = edited
            .into_iter()
            .filter_map(|(file, after)| {
                let before = files.get(file)?;
                (before != &after).then(|| FileChange {
                    file: file.to_owned(),
                    before: before.clone(),
                    after,
                })
            })
            .collect();
        let status = if changes.is_empty() {
            StageStatus::AlreadyRuns
        } else if !next_found {
            next_found = true;
            StageStatus::OpensNow
        } else {
            StageStatus::WaitsFor(config.stages[index - 1].name.clone())
        };
        let progress = StageProgress {
            opened: true,
            ..StageProgress::default()
        };
        plans.push(StagePlan {
            stage: stage.name.clone(),
            branch: branch_name(&stage.name, &release.ami_id),
            title: pull_request::title(config, index, release),
            // The predecessor's pull request does not exist yet in a dry run.
            body: pull_request::body(config, index, release, &current, None),
            checklist: Checklist::for_stage(config, index, release, &progress).render(),
            status,
            current,
            changes,
        });
    }
    Ok(plans)
}
