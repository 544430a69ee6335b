//! The facts the rollout core decides from: everything a handler gathers from GitHub (and SSM)
//! about one repository, as plain data. The core never asks for more; what is not here, it does not
//! know.

use std::collections::BTreeMap;

use crate::ami::{AmiId, Release};
use crate::config::RepoConfig;
use crate::github::ids::{CheckRunId, CommentId, CommitSha, PullRequestNumber};

use super::checklist::Mark;
use super::marker::PrMarker;

/// Where a pull request stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PrState {
    /// Open (drafts included).
    Open,
    /// Merged.
    Merged,
    /// Closed without merging.
    Closed,
}

/// One of amiroll's own pull requests, recognised by its body's marker.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BotPr {
    /// Its number.
    pub number: PullRequestNumber,
    /// Its web address, for links.
    pub url: String,
    /// What its marker says: stage, AMI, predecessor.
    pub marker: PrMarker,
    /// Open, merged or closed.
    pub state: PrState,
    /// Its head branch, when known (`amiroll/<stage>/<ami>` names the AMI it was opened for).
    pub head_ref: Option<String>,
    /// Its head commit.
    pub head_sha: CommitSha,
    /// An approving review exists (the latest review of some reviewer is APPROVED).
    pub approved: bool,
    /// What Atlantis proved about its plan.
    pub planned: Mark,
    /// What Atlantis proved about its apply.
    pub applied: Mark,
    /// Every container instance of the stage's cluster runs the AMI; `None` when not checked.
    pub tasks_moved: Option<bool>,
    /// amiroll's checklist comment on it, if posted.
    pub checklist: Option<ExistingComment>,
}

impl BotPr {
    /// Applied by Atlantis and merged: the AMI is proven on this stage.
    pub fn is_proven(&self) -> bool {
        self.state == PrState::Merged && matches!(self.applied, Mark::Done(_))
    }
}

/// A comment amiroll posted earlier, found again by its hidden marker.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExistingComment {
    /// Its id, to edit it in place.
    pub id: CommentId,
    /// Its current body, with whatever boxes humans ticked.
    pub body: String,
}

/// What a pull request's head does to one target of a later stage.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TargetAtHead {
    /// Same value as on the base branch (or the file is untouched).
    Unchanged,
    /// A different plain string value.
    Set(String),
    /// The value cannot be read at the head (file deleted, not a literal, file does not parse).
    Unreadable(String),
}

/// An open pull request against the base branch: amiroll gates every one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenPr {
    /// Its number.
    pub number: PullRequestNumber,
    /// Its head commit, where the gate check goes.
    pub head_sha: CommitSha,
    /// Per stage, per target: what the head does to that target (same shape as the config).
    pub targets: Vec<Vec<TargetAtHead>>,
    /// The gate check run already on the head commit, if any.
    pub gate: Option<ExistingGate>,
    /// Comments asking Atlantis to apply, oldest first, that amiroll has not answered yet.
    pub unanswered_apply_requests: Vec<CommentId>,
}

/// A gate check run amiroll published earlier.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExistingGate {
    /// Its id, to update it.
    pub id: CheckRunId,
    /// What it says now.
    pub verdict: super::gate::GateVerdict,
}

/// Everything the core needs to decide about one repository.
#[derive(Clone, Debug)]
pub struct RepoFacts {
    /// The config, from the base branch.
    pub config: RepoConfig,
    /// Each target file's content on the base branch, by path.
    pub files: BTreeMap<String, String>,
    /// amiroll's pull requests, in any state.
    pub bot_prs: Vec<BotPr>,
    /// Every open pull request against the base branch (amiroll's included).
    pub open_prs: Vec<OpenPr>,
    /// The newest release, when the event carries one (a poll, an SNS trigger, a manual check).
    pub release: Option<Release>,
}

impl RepoFacts {
    /// amiroll's pull requests for `stage_index` rolling to `ami`, in any state.
    pub fn bot_prs_for<'a>(
        &'a self,
        stage_index: usize,
        ami: &'a AmiId,
    ) -> impl Iterator<Item = &'a BotPr> + 'a {
        let stage = self.config.stages.get(stage_index).map(|s| s.name.as_str());
        self.bot_prs
            .iter()
            .filter(move |pr| Some(pr.marker.stage.as_str()) == stage && &pr.marker.ami == ami)
    }
}
