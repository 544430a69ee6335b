//! GitHub's JSON shapes for the routes the adapter calls, read leniently (only the fields amiroll
//! needs) and turned into the port's plain types at once.

use serde::Deserialize;

use super::ids::{CheckRunId, CommentId, CommitSha, InstallationId, PullRequestNumber, RepoName};
use super::types::{
    ChangedFile, CheckConclusion, CheckRun, CheckStatus, CommitStatus, HookDelivery, Installation,
    IssueComment, PullRequest, PullRequestState, RepoInstallation, Repository, RequiredCheck,
    Review,
};

/// A user or account, of which only the login matters.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Login {
    #[serde(default)]
    pub login: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Branch {
    #[serde(rename = "ref")]
    pub name: String,
    pub sha: CommitSha,
}

#[derive(Debug, Deserialize)]
pub(crate) struct BaseBranch {
    #[serde(rename = "ref")]
    pub name: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Pull {
    pub number: u64,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub body: Option<String>,
    #[serde(default)]
    pub user: Option<Login>,
    pub head: Branch,
    pub base: BaseBranch,
    pub state: String,
    #[serde(default)]
    pub draft: Option<bool>,
    #[serde(default)]
    pub merged: Option<bool>,
    #[serde(default)]
    pub merged_at: Option<String>,
    #[serde(default)]
    pub merge_commit_sha: Option<String>,
    #[serde(default)]
    pub mergeable_state: Option<String>,
    #[serde(default)]
    pub html_url: String,
}

impl From<Pull> for PullRequest {
    fn from(pull: Pull) -> Self {
        let merged = pull.merged.unwrap_or(pull.merged_at.is_some());
        Self {
            number: PullRequestNumber(pull.number),
            title: pull.title,
            body: pull.body.unwrap_or_default(),
            author: pull.user.unwrap_or_default().login,
            head_ref: pull.head.name,
            head_sha: pull.head.sha,
            base_ref: pull.base.name,
            state: if pull.state == "open" {
                PullRequestState::Open
            } else {
                PullRequestState::Closed
            },
            draft: pull.draft.unwrap_or(false),
            merged,
            // GitHub fills `merge_commit_sha` with a test merge while the PR is open: only a
            // merged PR's is a real commit on the base branch.
            merge_commit_sha: pull
                .merge_commit_sha
                .filter(|_| merged)
                .and_then(|sha| sha.parse().ok()),
            mergeable_state: pull.mergeable_state.filter(|state| state != "unknown"),
            html_url: pull.html_url,
        }
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct PullFile {
    pub filename: String,
    pub status: String,
    #[serde(default)]
    pub previous_filename: Option<String>,
}

impl From<PullFile> for ChangedFile {
    fn from(file: PullFile) -> Self {
        Self {
            path: file.filename,
            status: file.status,
            previous_path: file.previous_filename,
        }
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct Contents {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub encoding: Option<String>,
    #[serde(default)]
    pub content: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Repo {
    pub full_name: RepoName,
    pub default_branch: String,
    #[serde(default)]
    pub archived: bool,
}

impl From<Repo> for Repository {
    fn from(repo: Repo) -> Self {
        Self {
            name: repo.full_name,
            default_branch: repo.default_branch,
            archived: repo.archived,
        }
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct InstallationRepos {
    pub repositories: Vec<Repo>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct GitObject {
    pub sha: CommitSha,
}

#[derive(Debug, Deserialize)]
pub(crate) struct GitRef {
    pub object: GitObject,
}

/// A git object whose SHA may not be a commit's (trees): kept as a string.
#[derive(Debug, Deserialize)]
pub(crate) struct AnySha {
    pub sha: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct GitCommit {
    pub tree: AnySha,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Comment {
    pub id: u64,
    #[serde(default)]
    pub user: Option<Login>,
    #[serde(default)]
    pub body: Option<String>,
    #[serde(default)]
    pub html_url: String,
}

impl From<Comment> for IssueComment {
    fn from(comment: Comment) -> Self {
        Self {
            id: CommentId(comment.id),
            author: comment.user.unwrap_or_default().login,
            body: comment.body.unwrap_or_default(),
            html_url: comment.html_url,
        }
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct ReviewJson {
    #[serde(default)]
    pub user: Option<Login>,
    pub state: String,
    #[serde(default)]
    pub commit_id: Option<String>,
}

impl From<ReviewJson> for Review {
    fn from(review: ReviewJson) -> Self {
        Self {
            author: review.user.unwrap_or_default().login,
            state: review.state,
            commit_id: review.commit_id.and_then(|sha| sha.parse().ok()),
        }
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct Status {
    pub context: String,
    pub state: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub target_url: Option<String>,
    #[serde(default)]
    pub creator: Option<Login>,
}

impl From<Status> for CommitStatus {
    fn from(status: Status) -> Self {
        Self {
            context: status.context,
            state: status.state,
            description: status.description,
            target_url: status.target_url,
            creator: status.creator.map(|c| c.login),
        }
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct Combined {
    pub state: String,
    #[serde(default)]
    pub statuses: Vec<Status>,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct Output {
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub summary: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct AppSlug {
    #[serde(default)]
    pub slug: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Check {
    pub id: u64,
    pub name: String,
    pub head_sha: CommitSha,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub conclusion: Option<String>,
    #[serde(default)]
    pub output: Option<Output>,
    #[serde(default)]
    pub app: Option<AppSlug>,
}

impl From<Check> for CheckRun {
    fn from(check: Check) -> Self {
        let output = check.output.unwrap_or_default();
        Self {
            id: CheckRunId(check.id),
            name: check.name,
            head_sha: check.head_sha,
            status: check.status.as_deref().and_then(CheckStatus::parse),
            conclusion: check.conclusion.as_deref().and_then(CheckConclusion::parse),
            title: output.title,
            summary: output.summary,
            app_slug: check.app.and_then(|app| app.slug),
        }
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct CheckRuns {
    pub check_runs: Vec<Check>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Id {
    pub id: u64,
}

#[derive(Debug, Deserialize)]
pub(crate) struct App {
    pub id: u64,
    pub slug: String,
    #[serde(default)]
    pub name: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct InstallationJson {
    pub id: u64,
    #[serde(default)]
    pub account: Option<Login>,
}

impl From<InstallationJson> for Installation {
    fn from(installation: InstallationJson) -> Self {
        Self {
            id: InstallationId(installation.id),
            account: installation.account.unwrap_or_default().login,
        }
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct Delivery {
    pub id: u64,
    pub guid: String,
    pub event: String,
    #[serde(default)]
    pub action: Option<String>,
    #[serde(default)]
    pub status_code: u16,
    #[serde(default)]
    pub redelivery: bool,
    #[serde(default)]
    pub delivered_at: String,
}

impl From<Delivery> for HookDelivery {
    fn from(delivery: Delivery) -> Self {
        Self {
            id: delivery.id,
            guid: delivery.guid,
            event: delivery.event,
            action: delivery.action,
            status_code: delivery.status_code,
            redelivery: delivery.redelivery,
            delivered_at: delivery.delivered_at,
        }
    }
}

/// The `message` of a GitHub error answer.
#[derive(Debug, Deserialize)]
pub(crate) struct ErrorBody {
    #[serde(default)]
    pub message: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct RepoInstallationJson {
    pub id: u64,
    #[serde(default)]
    pub account: Option<Login>,
    #[serde(default)]
    pub permissions: std::collections::BTreeMap<String, String>,
}

impl From<RepoInstallationJson> for RepoInstallation {
    fn from(installation: RepoInstallationJson) -> Self {
        Self {
            id: InstallationId(installation.id),
            account: installation.account.unwrap_or_default().login,
            permissions: installation.permissions,
        }
    }
}

/// `GET /repos/{owner}/{repo}/branches/{branch}/protection`, of which only the required status
/// checks matter.
#[derive(Debug, Deserialize)]
pub(crate) struct Protection {
    #[serde(default)]
    pub required_status_checks: Option<ProtectionChecks>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct ProtectionChecks {
    /// The legacy list of names, from any source.
    #[serde(default)]
    pub contexts: Vec<String>,
    #[serde(default)]
    pub checks: Vec<ProtectionCheck>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct ProtectionCheck {
    pub context: String,
    /// `null` or `-1` when any source will do.
    #[serde(default)]
    pub app_id: Option<i64>,
}

impl Protection {
    /// Every required check, each name once: `checks` carry their App, names only in the legacy
    /// `contexts` list are from any source.
    pub fn required_checks(self) -> Vec<RequiredCheck> {
        let Some(required) = self.required_status_checks else {
            return Vec::new();
        };
        let mut checks: Vec<RequiredCheck> = required
            .checks
            .into_iter()
            .map(|check| RequiredCheck {
                context: check.context,
                app_id: check.app_id.and_then(|id| u64::try_from(id).ok()),
            })
            .collect();
        for context in required.contexts {
            if !checks.iter().any(|check| check.context == context) {
                checks.push(RequiredCheck {
                    context,
                    app_id: None,
                });
            }
        }
        checks
    }
}

/// One rule of `GET /repos/{owner}/{repo}/rules/branches/{branch}`.
#[derive(Debug, Deserialize)]
pub(crate) struct BranchRule {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub parameters: Option<RuleParameters>,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct RuleParameters {
    #[serde(default)]
    pub required_status_checks: Vec<RuleCheck>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct RuleCheck {
    pub context: String,
    #[serde(default)]
    pub integration_id: Option<u64>,
}

impl BranchRule {
    /// The checks a `required_status_checks` rule requires; nothing for other rules.
    pub fn required_checks(self) -> Vec<RequiredCheck> {
        if self.kind != "required_status_checks" {
            return Vec::new();
        }
        self.parameters
            .unwrap_or_default()
            .required_status_checks
            .into_iter()
            .map(|check| RequiredCheck {
                context: check.context,
                app_id: check.integration_id,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protection_pins_checks_to_their_app_and_legacy_contexts_to_none() {
        let protection: Protection = serde_json::from_str(
            r#"{"required_status_checks": {"contexts": ["amiroll/promotion", "ci/test", "legacy"],
                "checks": [{"context": "amiroll/promotion", "app_id": 4242},
                           {"context": "ci/test", "app_id": -1}]}}"#,
        )
        .unwrap();
        let check = |context: &str, app_id| RequiredCheck {
            context: context.to_owned(),
            app_id,
        };
        assert_eq!(
            protection.required_checks(),
            [
                check("amiroll/promotion", Some(4242)),
                check("ci/test", None),
                check("legacy", None),
            ]
        );
        let reviews_only: Protection =
            serde_json::from_str(r#"{"required_pull_request_reviews": {}}"#).unwrap();
        assert!(reviews_only.required_checks().is_empty());
    }

    #[test]
    fn only_required_status_checks_rules_require_checks() {
        let rules: Vec<BranchRule> = serde_json::from_str(
            r#"[{"type": "pull_request", "parameters": {"required_approving_review_count": 1}},
                {"type": "deletion"},
                {"type": "required_status_checks", "parameters": {
                    "strict_required_status_checks_policy": true,
                    "required_status_checks": [{"context": "amiroll/promotion", "integration_id": 4242},
                                               {"context": "any"}]}}]"#,
        )
        .unwrap();
        let checks: Vec<RequiredCheck> = rules
            .into_iter()
            .flat_map(BranchRule::required_checks)
            .collect();
        assert_eq!(
            checks,
            [
                RequiredCheck {
                    context: "amiroll/promotion".into(),
                    app_id: Some(4242)
                },
                RequiredCheck {
                    context: "any".into(),
                    app_id: None
                },
            ]
        );
    }
}
