//! The events amiroll reacts to, holding only the fields it uses, in its own types: the rest of
//! the bot never sees GitHub's payload shapes.

use serde::Deserialize;

use crate::github::ids::{
    CheckRunId, CommentId, CommitSha, InstallationId, PullRequestNumber, RepoName,
};

/// What happened to a pull request (`pull_request` event); other actions are ignored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PullRequestAction {
    /// A pull request was opened.
    Opened,
    /// A closed pull request was reopened.
    Reopened,
    /// New commits were pushed to the head branch.
    Synchronize,
    /// The pull request was closed, merged or not (see [`PullRequest::merged`]).
    Closed,
    /// The title, body or base branch changed.
    Edited,
    /// A draft was marked ready for review.
    ReadyForReview,
    /// The pull request was turned back into a draft.
    ConvertedToDraft,
}

/// A pull request as a webhook shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PullRequest {
    /// Its number.
    pub number: PullRequestNumber,
    /// Its title.
    pub title: String,
    /// The login of its author.
    pub author: String,
    /// `open` or `closed`.
    pub state: String,
    /// Whether it was merged (only ever true once closed).
    pub merged: bool,
    /// Whether it is a draft.
    pub draft: bool,
    /// The head branch's name.
    pub head_ref: String,
    /// The head commit.
    pub head_sha: CommitSha,
    /// The repository the head branch lives in; `None` when that fork was deleted. A head
    /// repository other than the base one means the pull request comes from a fork.
    pub head_repository: Option<RepoName>,
    /// The base branch's name.
    pub base_ref: String,
    /// The base commit the pull request was last compared with.
    pub base_sha: CommitSha,
    /// The merge commit (or test merge commit while open), when GitHub computed one.
    pub merge_commit_sha: Option<CommitSha>,
}

/// `pull_request`: a pull request was opened, pushed to, closed, ...
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PullRequestEvent {
    /// What happened.
    pub action: PullRequestAction,
    /// The base repository.
    pub repository: RepoName,
    /// The App installation the delivery is for (absent on repository webhooks).
    pub installation: Option<InstallationId>,
    /// The login of whoever caused the event.
    pub sender: String,
    /// The pull request after the change.
    pub pull_request: PullRequest,
}

/// What happened to a review (`pull_request_review` event).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewAction {
    /// A review was submitted.
    Submitted,
    /// A review's body was edited.
    Edited,
    /// A review was dismissed.
    Dismissed,
}

/// A review's verdict, as webhooks spell it (lower case).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewState {
    /// Approved.
    Approved,
    /// Changes requested.
    ChangesRequested,
    /// A comment only.
    Commented,
    /// Dismissed.
    Dismissed,
    /// Not submitted yet.
    Pending,
    /// A state GitHub added after this was written.
    #[serde(other)]
    Other,
}

/// A pull request review.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Review {
    /// The review's id.
    pub id: u64,
    /// Its verdict.
    pub state: ReviewState,
    /// The reviewer's login.
    pub author: String,
    /// The commit reviewed.
    pub commit_id: Option<CommitSha>,
    /// The review's text, if any.
    pub body: Option<String>,
}

/// `pull_request_review`: a review was submitted, edited or dismissed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PullRequestReviewEvent {
    /// What happened.
    pub action: ReviewAction,
    /// The base repository.
    pub repository: RepoName,
    /// The App installation the delivery is for.
    pub installation: Option<InstallationId>,
    /// The login of whoever caused the event.
    pub sender: String,
    /// The pull request reviewed.
    pub pull_request: PullRequest,
    /// The review.
    pub review: Review,
}

/// What happened to a comment (`issue_comment` event).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CommentAction {
    /// A comment was posted.
    Created,
    /// A comment was edited.
    Edited,
    /// A comment was deleted.
    Deleted,
}

/// A comment on an issue or pull request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Comment {
    /// The comment's id.
    pub id: CommentId,
    /// Its markdown text.
    pub body: String,
    /// Its author's login.
    pub author: String,
    /// Whether the author is a bot account (Atlantis, amiroll itself, ...).
    pub author_is_bot: bool,
}

/// `issue_comment`: a comment on an issue or a pull request (GitHub treats both as issues).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IssueCommentEvent {
    /// What happened.
    pub action: CommentAction,
    /// The repository.
    pub repository: RepoName,
    /// The App installation the delivery is for.
    pub installation: Option<InstallationId>,
    /// The login of whoever caused the event.
    pub sender: String,
    /// The issue or pull request number.
    pub number: PullRequestNumber,
    /// Whether the issue is a pull request.
    pub on_pull_request: bool,
    /// The comment.
    pub comment: Comment,
}

/// A commit status's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StatusState {
    /// Still running.
    Pending,
    /// Succeeded.
    Success,
    /// Failed.
    Failure,
    /// Could not run.
    Error,
}

/// `status`: a commit status was set (Atlantis reports plans and applies this way).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusEvent {
    /// The repository.
    pub repository: RepoName,
    /// The App installation the delivery is for.
    pub installation: Option<InstallationId>,
    /// The login of whoever set the status (an impostor check needs it).
    pub sender: String,
    /// The commit the status is on.
    pub sha: CommitSha,
    /// The status's name, e.g. `atlantis/plan`.
    pub context: String,
    /// Its state.
    pub state: StatusState,
    /// Its one-line description.
    pub description: Option<String>,
    /// The link it carries.
    pub target_url: Option<String>,
    /// The branches whose head is this commit.
    pub branches: Vec<String>,
}

/// What happened to a check run (`check_run` event).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckRunAction {
    /// A check run was created.
    Created,
    /// A check run completed.
    Completed,
    /// Someone asked to re-run it.
    Rerequested,
    /// Someone pressed one of its action buttons (see [`CheckRunEvent::requested_action`]).
    RequestedAction,
}

/// A check run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckRun {
    /// Its id.
    pub id: CheckRunId,
    /// Its name.
    pub name: String,
    /// The commit it checks.
    pub head_sha: CommitSha,
    /// `queued`, `in_progress`, `completed`, ...
    pub status: String,
    /// The conclusion once completed (`success`, `failure`, ...).
    pub conclusion: Option<String>,
    /// The id of the App that owns it: only amiroll's own check runs are amiroll's business.
    pub app_id: Option<u64>,
    /// The id its creator gave it.
    pub external_id: Option<String>,
    /// The pull requests of the base repository it belongs to.
    pub pull_requests: Vec<PullRequestNumber>,
}

/// `check_run`: a check run was created, completed, re-requested or a button was pressed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckRunEvent {
    /// What happened.
    pub action: CheckRunAction,
    /// The repository.
    pub repository: RepoName,
    /// The App installation the delivery is for.
    pub installation: Option<InstallationId>,
    /// The login of whoever caused the event.
    pub sender: String,
    /// The check run.
    pub check_run: CheckRun,
    /// The identifier of the button pressed, for `requested_action`.
    pub requested_action: Option<String>,
}

/// What happened to a check suite (`check_suite` event).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckSuiteAction {
    /// GitHub asks the App to run its checks on new code.
    Requested,
    /// Someone asked to re-run the suite.
    Rerequested,
    /// All its check runs completed.
    Completed,
}

/// A check suite.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckSuite {
    /// Its id.
    pub id: u64,
    /// The commit it checks.
    pub head_sha: CommitSha,
    /// The branch, if the commit is a branch head.
    pub head_branch: Option<String>,
    /// `queued`, `in_progress`, `completed`, ...
    pub status: Option<String>,
    /// The conclusion once completed.
    pub conclusion: Option<String>,
    /// The id of the App that owns it.
    pub app_id: Option<u64>,
    /// The pull requests it belongs to.
    pub pull_requests: Vec<PullRequestNumber>,
}

/// `check_suite`: a check suite was requested, re-requested or completed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckSuiteEvent {
    /// What happened.
    pub action: CheckSuiteAction,
    /// The repository.
    pub repository: RepoName,
    /// The App installation the delivery is for.
    pub installation: Option<InstallationId>,
    /// The login of whoever caused the event.
    pub sender: String,
    /// The check suite.
    pub check_suite: CheckSuite,
}

/// `push`: commits were pushed to a branch or tag (or it was created or deleted).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PushEvent {
    /// The repository.
    pub repository: RepoName,
    /// The App installation the delivery is for.
    pub installation: Option<InstallationId>,
    /// The login of whoever caused the event.
    pub sender: String,
    /// The full ref pushed, e.g. `refs/heads/main`.
    pub git_ref: String,
    /// The ref's commit before the push (all zeros when it was created).
    pub before: CommitSha,
    /// The ref's commit after the push (all zeros when it was deleted).
    pub after: CommitSha,
    /// Whether the push created the ref.
    pub created: bool,
    /// Whether the push deleted the ref.
    pub deleted: bool,
    /// Whether the push was forced.
    pub forced: bool,
    /// The repository's default branch: a push there may change `.github/amiroll.yml`.
    pub default_branch: String,
}

impl PushEvent {
    /// The branch pushed, when the ref is a branch (`refs/heads/...`).
    pub fn branch(&self) -> Option<&str> {
        self.git_ref.strip_prefix("refs/heads/")
    }

    /// Whether the push changed the default branch.
    pub fn is_to_default_branch(&self) -> bool {
        self.branch() == Some(self.default_branch.as_str())
    }
}

/// What happened to an installation (`installation` event).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InstallationAction {
    /// The App was installed.
    Created,
    /// The App was uninstalled.
    Deleted,
    /// The installation was suspended.
    Suspend,
    /// The installation was unsuspended.
    Unsuspend,
    /// The account accepted new permissions.
    NewPermissionsAccepted,
}

/// `installation`: the App was installed, uninstalled, suspended, ...
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InstallationEvent {
    /// What happened.
    pub action: InstallationAction,
    /// The installation.
    pub installation: InstallationId,
    /// The account (user or organisation) it is installed on.
    pub account: String,
    /// The login of whoever caused the event.
    pub sender: String,
    /// The repositories the installation can access, when GitHub lists them (`created`).
    pub repositories: Vec<RepoName>,
}

/// What happened to an installation's repositories (`installation_repositories` event).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InstallationRepositoriesAction {
    /// Repositories were added.
    Added,
    /// Repositories were removed.
    Removed,
}

/// `installation_repositories`: repositories were added to or removed from an installation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InstallationRepositoriesEvent {
    /// What happened.
    pub action: InstallationRepositoriesAction,
    /// The installation.
    pub installation: InstallationId,
    /// The login of whoever caused the event.
    pub sender: String,
    /// `all` or `selected`.
    pub repository_selection: String,
    /// The repositories added.
    pub added: Vec<RepoName>,
    /// The repositories removed.
    pub removed: Vec<RepoName>,
}
