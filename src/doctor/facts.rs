//! What doctor learned about a repository, before judging it: plain data, so that the checks can
//! be tested on facts made by hand.

use crate::ami::Release;
use crate::ami::ssm::SsmError;
use crate::config::RepoConfig;
use crate::github::RepoName;
use crate::github::types::{AppInfo, CommitStatus, RepoInstallation, RequiredCheck};
use crate::hcl::Location;

/// Everything gathered about one repository. A `None` (or [`SsmFact::NotChecked`]) means "not
/// looked at", because an earlier fact made it impossible (no installation, no valid config).
#[derive(Clone, Debug)]
pub struct Facts {
    /// The repository examined.
    pub repo: RepoName,
    /// The App doctor authenticated as.
    pub app: AppInfo,
    /// The installation covering the repository; `None` when the App is not installed on it.
    pub installation: Option<RepoInstallation>,
    /// `.github/amiroll.yml` on the default branch.
    pub config: Option<ConfigFact>,
    /// Each target of the config, in stage order.
    pub targets: Vec<TargetFact>,
    /// The base branch's classic protection.
    pub protection: Option<ProtectionFact>,
    /// The checks the active rulesets require on the base branch, or why they are unknown.
    pub rules: Option<Result<Vec<RequiredCheck>, String>>,
    /// The commit statuses of the most recent pull requests (newest first), or why they are
    /// unknown.
    pub pulls: Option<Result<Vec<PullStatuses>, String>>,
    /// Reading the config's SSM parameter.
    pub ssm: SsmFact,
}

/// What `.github/amiroll.yml` on the default branch turned out to be.
#[derive(Clone, Debug)]
pub enum ConfigFact {
    /// No such file on `branch`.
    Missing {
        /// The default branch.
        branch: String,
    },
    /// The file could not be read (GitHub failed, or it is not UTF-8).
    Unreadable {
        /// The default branch.
        branch: String,
        /// Why.
        error: String,
    },
    /// The file is there but refused by validation.
    Invalid {
        /// The default branch.
        branch: String,
        /// Every problem, one per line, located (`.github/amiroll.yml:3:5: ...`).
        problems: String,
    },
    /// A valid config.
    Valid {
        /// The default branch.
        branch: String,
        /// The branch amiroll's pull requests target (the config's `base_branch`, else the
        /// default branch).
        base_branch: String,
        /// The config.
        config: Box<RepoConfig>,
    },
}

/// One target of the config, looked up in its file on the base branch.
#[derive(Clone, Debug)]
pub struct TargetFact {
    /// The stage it belongs to.
    pub stage: String,
    /// Its file.
    pub file: String,
    /// Its address in the file.
    pub address: String,
    /// The branch the file was read on.
    pub branch: String,
    /// What was found there.
    pub outcome: TargetOutcome,
}

/// What a target's address names in its file.
#[derive(Clone, Debug)]
pub enum TargetOutcome {
    /// A string literal; `value` is checked to be an AMI id by [`diagnose`](super::diagnose).
    Literal {
        /// Where the literal starts.
        location: Location,
        /// Its value.
        value: String,
    },
    /// The address does not name one plain string literal, or the file does not parse.
    Unresolved {
        /// Where the problem is.
        location: Location,
        /// The HCL reader's explanation.
        message: String,
    },
    /// No such file on the branch.
    FileMissing,
    /// The file could not be read.
    Unreadable(String),
}

/// The base branch's classic branch protection.
#[derive(Clone, Debug)]
pub enum ProtectionFact {
    /// The branch is not protected (GitHub answered 404).
    NotProtected,
    /// The branch is protected and requires these status checks (possibly none).
    Requires(Vec<RequiredCheck>),
    /// GitHub refused to show it (403): the App lacks `administration: read`.
    Forbidden,
    /// Another failure.
    Unreadable(String),
}

/// The commit statuses on one pull request's head.
#[derive(Clone, Debug)]
pub struct PullStatuses {
    /// The pull request's number.
    pub number: u64,
    /// The latest status per context on its head commit.
    pub statuses: Vec<CommitStatus>,
}

/// Reading the SSM parameter the config names.
#[derive(Clone, Debug)]
pub enum SsmFact {
    /// `--skip-aws`.
    Skipped,
    /// Not read: there is no valid config to name the parameter.
    NotChecked,
    /// Read: the recommended AMI.
    Read(Box<Release>),
    /// The read failed.
    Failed(SsmError),
}
