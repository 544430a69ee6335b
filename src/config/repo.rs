//! The validated repository configuration that the rest of amiroll reads: every value here has
//! already been checked, so no other module re-validates it.

use std::fmt;

use serde::Serialize;

/// A stage's name (`staging`, `production`): lowercase letters, digits, `-` and `_`, starting with a
/// letter or digit, at most 40 characters. It appears in branch names, so it is kept that plain.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct StageName(String);

impl StageName {
    /// Checks and wraps a stage name; `None` when it does not have the allowed shape.
    pub fn new(name: &str) -> Option<Self> {
        let mut bytes = name.bytes();
        let first_ok = bytes
            .next()
            .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
        let rest_ok =
            bytes.all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
        (first_ok && rest_ok && name.len() <= 40).then(|| Self(name.to_owned()))
    }

    /// The name as written in the config.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for StageName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A validated `.github/amiroll.yml`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RepoConfig {
    /// Where new AMIs are read from.
    pub ami: AmiSource,
    /// How Atlantis is recognised.
    pub atlantis: Atlantis,
    /// The name of the gate check run.
    pub gate_check_name: String,
    /// What goes on amiroll's pull requests.
    pub pull_requests: PullRequests,
    /// The branch pull requests target; `None` means the repository's default branch.
    pub base_branch: Option<String>,
    /// The stages, in rollout order; never empty.
    pub stages: Vec<Stage>,
}

/// The SSM public parameter to read and where.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AmiSource {
    /// e.g. `/aws/service/ecs/optimized-ami/amazon-linux-2/recommended`.
    pub ssm_parameter: String,
    /// e.g. `us-east-1`.
    pub region: String,
}

/// Atlantis's conventions on this repository.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Atlantis {
    /// The prefix of its commit statuses (`--vcs-status-name`).
    pub status_prefix: String,
    /// Logins whose comments and statuses count as Atlantis.
    pub users: Vec<String>,
}

/// Labels and reviewers for amiroll's pull requests.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PullRequests {
    /// Labels added to each pull request.
    pub labels: Vec<String>,
    /// Users asked to review.
    pub reviewers: Vec<String>,
    /// Teams asked to review.
    pub team_reviewers: Vec<String>,
}

/// One stage of the rollout.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Stage {
    /// Its name.
    pub name: StageName,
    /// The Atlantis project id whose per-project apply status proves this stage.
    pub atlantis_project: Option<String>,
    /// The ECS cluster this stage runs, if told.
    pub ecs_cluster: Option<String>,
    /// The Terraform values holding this stage's AMI; never empty.
    pub targets: Vec<Target>,
    /// Extra human steps for the checklist.
    pub checklist: Vec<String>,
}

/// One Terraform value that holds a stage's AMI.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Target {
    /// Repository-relative path with `/` separators, never absolute, never with `..`.
    pub file: String,
    /// The value's address inside the file.
    pub address: crate::hcl::Address,
}

impl RepoConfig {
    /// The stage called `name`, with its position in the rollout.
    pub fn stage(&self, name: &str) -> Option<(usize, &Stage)> {
        self.stages
            .iter()
            .enumerate()
            .find(|(_, stage)| stage.name.as_str() == name)
    }
}
