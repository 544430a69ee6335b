//! GitHub's webhook payload shapes, reduced to the fields amiroll reads, and their conversion into
//! amiroll's event types. serde ignores every other field, so GitHub adding fields changes nothing.

use serde::Deserialize;

use super::kinds::{
    CheckRun, CheckRunAction, CheckRunEvent, CheckSuite, CheckSuiteAction, CheckSuiteEvent,
    Comment, CommentAction, InstallationAction, InstallationEvent, InstallationRepositoriesAction,
    InstallationRepositoriesEvent, IssueCommentEvent, PullRequest, PullRequestAction,
    PullRequestEvent, PullRequestReviewEvent, PushEvent, Review, ReviewAction, ReviewState,
    StatusEvent, StatusState,
};
use crate::github::ids::{
    CheckRunId, CommentId, CommitSha, InstallationId, PullRequestNumber, RepoName,
};

/// The only field read before deciding whether a payload is of interest.
#[derive(Deserialize)]
pub(super) struct Envelope {
    #[serde(default)]
    pub(super) action: Option<String>,
}

#[derive(Deserialize)]
struct Repository {
    full_name: RepoName,
}

#[derive(Deserialize)]
struct Installation {
    id: InstallationId,
}

#[derive(Deserialize)]
struct User {
    login: String,
    #[serde(rename = "type", default)]
    kind: Option<String>,
}

#[derive(Deserialize)]
struct Account {
    login: String,
}

#[derive(Deserialize)]
struct InstallationWithAccount {
    id: InstallationId,
    account: Account,
}

#[derive(Deserialize)]
struct BranchRef {
    #[serde(rename = "ref")]
    git_ref: String,
    sha: CommitSha,
    repo: Option<Repository>,
}

#[derive(Deserialize)]
struct PullRequestPayload {
    number: PullRequestNumber,
    title: String,
    user: User,
    state: String,
    #[serde(default)]
    merged: Option<bool>,
    #[serde(default)]
    draft: Option<bool>,
    head: BranchRef,
    base: BranchRef,
    #[serde(default)]
    merge_commit_sha: Option<CommitSha>,
}

impl From<PullRequestPayload> for PullRequest {
    fn from(pr: PullRequestPayload) -> Self {
        Self {
            number: pr.number,
            title: pr.title,
            author: pr.user.login,
            state: pr.state,
            merged: pr.merged.unwrap_or(false),
            draft: pr.draft.unwrap_or(false),
            head_ref: pr.head.git_ref,
            head_sha: pr.head.sha,
            head_repository: pr.head.repo.map(|repo| repo.full_name),
            base_ref: pr.base.git_ref,
            base_sha: pr.base.sha,
            merge_commit_sha: pr.merge_commit_sha,
        }
    }
}

#[derive(Deserialize)]
pub(super) struct PullRequestWebhook {
    action: PullRequestAction,
    repository: Repository,
    #[serde(default)]
    installation: Option<Installation>,
    sender: User,
    pull_request: PullRequestPayload,
}

impl From<PullRequestWebhook> for PullRequestEvent {
    fn from(w: PullRequestWebhook) -> Self {
        Self {
            action: w.action,
            repository: w.repository.full_name,
            installation: w.installation.map(|i| i.id),
            sender: w.sender.login,
            pull_request: w.pull_request.into(),
        }
    }
}

#[derive(Deserialize)]
struct ReviewPayload {
    id: u64,
    state: ReviewState,
    user: User,
    #[serde(default)]
    commit_id: Option<CommitSha>,
    #[serde(default)]
    body: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct PullRequestReviewWebhook {
    action: ReviewAction,
    repository: Repository,
    #[serde(default)]
    installation: Option<Installation>,
    sender: User,
    pull_request: PullRequestPayload,
    review: ReviewPayload,
}

impl From<PullRequestReviewWebhook> for PullRequestReviewEvent {
    fn from(w: PullRequestReviewWebhook) -> Self {
        Self {
            action: w.action,
            repository: w.repository.full_name,
            installation: w.installation.map(|i| i.id),
            sender: w.sender.login,
            pull_request: w.pull_request.into(),
            review: Review {
                id: w.review.id,
                state: w.review.state,
                author: w.review.user.login,
                commit_id: w.review.commit_id,
                body: w.review.body,
            },
        }
    }
}

#[derive(Deserialize)]
struct IssuePayload {
    number: PullRequestNumber,
    /// Present (an object of links) only when the issue is a pull request.
    #[serde(default)]
    pull_request: Option<serde::de::IgnoredAny>,
}

#[derive(Deserialize)]
struct CommentPayload {
    id: CommentId,
    #[serde(default)]
    body: Option<String>,
    user: User,
}

#[derive(Deserialize)]
pub(super) struct IssueCommentWebhook {
    action: CommentAction,
    repository: Repository,
    #[serde(default)]
    installation: Option<Installation>,
    sender: User,
    issue: IssuePayload,
    comment: CommentPayload,
}

impl From<IssueCommentWebhook> for IssueCommentEvent {
    fn from(w: IssueCommentWebhook) -> Self {
        Self {
            action: w.action,
            repository: w.repository.full_name,
            installation: w.installation.map(|i| i.id),
            sender: w.sender.login,
            number: w.issue.number,
            on_pull_request: w.issue.pull_request.is_some(),
            comment: Comment {
                id: w.comment.id,
                body: w.comment.body.unwrap_or_default(),
                author_is_bot: w.comment.user.kind.as_deref() == Some("Bot"),
                author: w.comment.user.login,
            },
        }
    }
}

#[derive(Deserialize)]
struct Branch {
    name: String,
}

#[derive(Deserialize)]
pub(super) struct StatusWebhook {
    repository: Repository,
    #[serde(default)]
    installation: Option<Installation>,
    sender: User,
    sha: CommitSha,
    context: String,
    state: StatusState,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    target_url: Option<String>,
    #[serde(default)]
    branches: Vec<Branch>,
}

impl From<StatusWebhook> for StatusEvent {
    fn from(w: StatusWebhook) -> Self {
        Self {
            repository: w.repository.full_name,
            installation: w.installation.map(|i| i.id),
            sender: w.sender.login,
            sha: w.sha,
            context: w.context,
            state: w.state,
            description: w.description,
            target_url: w.target_url,
            branches: w.branches.into_iter().map(|b| b.name).collect(),
        }
    }
}

#[derive(Deserialize)]
struct App {
    id: u64,
}

#[derive(Deserialize)]
struct PullRequestLink {
    number: PullRequestNumber,
}

#[derive(Deserialize)]
struct CheckRunPayload {
    id: CheckRunId,
    name: String,
    head_sha: CommitSha,
    status: String,
    #[serde(default)]
    conclusion: Option<String>,
    #[serde(default)]
    app: Option<App>,
    #[serde(default)]
    external_id: Option<String>,
    #[serde(default)]
    pull_requests: Vec<PullRequestLink>,
}

#[derive(Deserialize)]
struct RequestedAction {
    identifier: String,
}

#[derive(Deserialize)]
pub(super) struct CheckRunWebhook {
    action: CheckRunAction,
    repository: Repository,
    #[serde(default)]
    installation: Option<Installation>,
    sender: User,
    check_run: CheckRunPayload,
    #[serde(default)]
    requested_action: Option<RequestedAction>,
}

impl From<CheckRunWebhook> for CheckRunEvent {
    fn from(w: CheckRunWebhook) -> Self {
        let run = w.check_run;
        Self {
            action: w.action,
            repository: w.repository.full_name,
            installation: w.installation.map(|i| i.id),
            sender: w.sender.login,
            check_run: CheckRun {
                id: run.id,
                name: run.name,
                head_sha: run.head_sha,
                status: run.status,
                conclusion: run.conclusion,
                app_id: run.app.map(|app| app.id),
                external_id: run.external_id.filter(|id| !id.is_empty()),
                pull_requests: run.pull_requests.into_iter().map(|p| p.number).collect(),
            },
            requested_action: w.requested_action.map(|a| a.identifier),
        }
    }
}

#[derive(Deserialize)]
struct CheckSuitePayload {
    id: u64,
    head_sha: CommitSha,
    #[serde(default)]
    head_branch: Option<String>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    conclusion: Option<String>,
    #[serde(default)]
    app: Option<App>,
    #[serde(default)]
    pull_requests: Vec<PullRequestLink>,
}

#[derive(Deserialize)]
pub(super) struct CheckSuiteWebhook {
    action: CheckSuiteAction,
    repository: Repository,
    #[serde(default)]
    installation: Option<Installation>,
    sender: User,
    check_suite: CheckSuitePayload,
}

impl From<CheckSuiteWebhook> for CheckSuiteEvent {
    fn from(w: CheckSuiteWebhook) -> Self {
        let suite = w.check_suite;
        Self {
            action: w.action,
            repository: w.repository.full_name,
            installation: w.installation.map(|i| i.id),
            sender: w.sender.login,
            check_suite: CheckSuite {
                id: suite.id,
                head_sha: suite.head_sha,
                head_branch: suite.head_branch,
                status: suite.status,
                conclusion: suite.conclusion,
                app_id: suite.app.map(|app| app.id),
                pull_requests: suite.pull_requests.into_iter().map(|p| p.number).collect(),
            },
        }
    }
}

#[derive(Deserialize)]
struct PushRepository {
    full_name: RepoName,
    default_branch: String,
}

#[derive(Deserialize)]
pub(super) struct PushWebhook {
    repository: PushRepository,
    #[serde(default)]
    installation: Option<Installation>,
    sender: User,
    #[serde(rename = "ref")]
    git_ref: String,
    before: CommitSha,
    after: CommitSha,
    #[serde(default)]
    created: bool,
    #[serde(default)]
    deleted: bool,
    #[serde(default)]
    forced: bool,
}

impl From<PushWebhook> for PushEvent {
    fn from(w: PushWebhook) -> Self {
        Self {
            repository: w.repository.full_name,
            installation: w.installation.map(|i| i.id),
            sender: w.sender.login,
            git_ref: w.git_ref,
            before: w.before,
            after: w.after,
            created: w.created,
            deleted: w.deleted,
            forced: w.forced,
            default_branch: w.repository.default_branch,
        }
    }
}

#[derive(Deserialize)]
struct RepositoryRef {
    full_name: RepoName,
}

#[derive(Deserialize)]
pub(super) struct InstallationWebhook {
    action: InstallationAction,
    installation: InstallationWithAccount,
    sender: User,
    #[serde(default)]
    repositories: Option<Vec<RepositoryRef>>,
}

impl From<InstallationWebhook> for InstallationEvent {
    fn from(w: InstallationWebhook) -> Self {
        Self {
            action: w.action,
            installation: w.installation.id,
            account: w.installation.account.login,
            sender: w.sender.login,
            repositories: names(w.repositories.unwrap_or_default()),
        }
    }
}

#[derive(Deserialize)]
pub(super) struct InstallationRepositoriesWebhook {
    action: InstallationRepositoriesAction,
    installation: Installation,
    sender: User,
    repository_selection: String,
    #[serde(default)]
    repositories_added: Vec<RepositoryRef>,
    #[serde(default)]
    repositories_removed: Vec<RepositoryRef>,
}

impl From<InstallationRepositoriesWebhook> for InstallationRepositoriesEvent {
    fn from(w: InstallationRepositoriesWebhook) -> Self {
        Self {
            action: w.action,
            installation: w.installation.id,
            sender: w.sender.login,
            repository_selection: w.repository_selection,
            added: names(w.repositories_added),
            removed: names(w.repositories_removed),
        }
    }
}

fn names(repositories: Vec<RepositoryRef>) -> Vec<RepoName> {
    repositories.into_iter().map(|r| r.full_name).collect()
}
