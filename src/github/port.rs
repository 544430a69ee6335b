//! The GitHub port: what the rollout engine may ask of GitHub, in GitHub's vocabulary (files,
//! branches, pull requests, comments, statuses, check runs) and never in HTTP. The octocrab adapter
//! implements it for real; tests may implement it in memory.

use std::future::Future;

use super::error::GitHubError;
use super::ids::{CheckRunId, CommentId, CommitSha, InstallationId, PullRequestNumber, RepoName};
use super::types::{
    AppInfo, BranchHead, ChangedFile, CheckRun, CheckRunOutput, CombinedStatus, CommitStatus,
    FileChange, HookDelivery, Installation, IssueComment, NewPullRequest, PullRequest,
    RepoInstallation, Repository, RequiredCheck, Review,
};

/// The result of a GitHub call.
pub type GitHubResult<T> = Result<T, GitHubError>;

/// What the App can do as itself (with its JWT): find its installations and its webhook
/// deliveries, and hand out a client per installation.
pub trait GitHubApp: Send + Sync {
    /// The per-installation client.
    type Client: GitHubClient;

    /// The client acting as `installation`; the same one (same token cache, same write lock) is
    /// returned on every call for the same installation.
    fn installation(&self, installation: InstallationId) -> GitHubResult<Self::Client>;

    /// The App itself (also a cheap "is GitHub reachable with our key" probe).
    fn app_info(&self) -> impl Future<Output = GitHubResult<AppInfo>> + Send;

    /// Every installation of the App.
    fn installations(&self) -> impl Future<Output = GitHubResult<Vec<Installation>>> + Send;

    /// The installation covering `repo`, with the permissions granted there; `None` when the App
    /// is not installed on it.
    fn repo_installation(
        &self,
        repo: &RepoName,
    ) -> impl Future<Output = GitHubResult<Option<RepoInstallation>>> + Send;

    /// The most recent webhook delivery attempts (newest first), at most `limit`.
    fn hook_deliveries(
        &self,
        limit: usize,
    ) -> impl Future<Output = GitHubResult<Vec<HookDelivery>>> + Send;

    /// Asks GitHub to deliver again the attempt `delivery_id`.
    fn redeliver(&self, delivery_id: u64) -> impl Future<Output = GitHubResult<()>> + Send;
}

/// What the App can do inside one installation.
pub trait GitHubClient: Send + Sync {
    /// The installation this client acts as.
    fn installation_id(&self) -> InstallationId;

    /// The repositories this installation may act on.
    fn repositories(&self) -> impl Future<Output = GitHubResult<Vec<Repository>>> + Send;

    /// The bytes of `path` at `git_ref` (branch, tag or SHA); `None` when there is no such file.
    /// Refuses content that is not UTF-8 text.
    fn file(
        &self,
        repo: &RepoName,
        path: &str,
        git_ref: &str,
    ) -> impl Future<Output = GitHubResult<Option<Vec<u8>>>> + Send;

    /// The default branch and the commit it points at.
    fn default_branch(
        &self,
        repo: &RepoName,
    ) -> impl Future<Output = GitHubResult<BranchHead>> + Send;

    /// The commit `branch` points at; `None` when there is no such branch.
    fn branch(
        &self,
        repo: &RepoName,
        branch: &str,
    ) -> impl Future<Output = GitHubResult<Option<CommitSha>>> + Send;

    /// Creates `branch` at `sha`. Fails with [`GitHubError::Unprocessable`] when it exists.
    fn create_branch(
        &self,
        repo: &RepoName,
        branch: &str,
        sha: &CommitSha,
    ) -> impl Future<Output = GitHubResult<()>> + Send;

    /// Moves `branch` to `sha`; `force` allows a move that is not a fast-forward.
    fn update_branch(
        &self,
        repo: &RepoName,
        branch: &str,
        sha: &CommitSha,
        force: bool,
    ) -> impl Future<Output = GitHubResult<()>> + Send;

    /// Creates one commit on top of `parent` replacing the given files, and returns it. The commit
    /// is on no branch until [`GitHubClient::update_branch`] or [`GitHubClient::create_branch`]
    /// points one at it.
    fn create_commit(
        &self,
        repo: &RepoName,
        parent: &CommitSha,
        message: &str,
        changes: &[FileChange],
    ) -> impl Future<Output = GitHubResult<CommitSha>> + Send;

    /// Every open pull request (without `mergeable_state`).
    fn open_pull_requests(
        &self,
        repo: &RepoName,
    ) -> impl Future<Output = GitHubResult<Vec<PullRequest>>> + Send;

    /// Every pull request (open or closed, newest first) whose head is `branch` of this
    /// repository: how a rollout finds its own PRs by their deterministic branch.
    fn pull_requests_for_branch(
        &self,
        repo: &RepoName,
        branch: &str,
    ) -> impl Future<Output = GitHubResult<Vec<PullRequest>>> + Send;

    /// The most recently updated closed (or merged) pull requests, newest first: one page of at
    /// most 100. How a rollout finds its recent history without paging through all of it.
    fn recently_closed_pull_requests(
        &self,
        repo: &RepoName,
    ) -> impl Future<Output = GitHubResult<Vec<PullRequest>>> + Send;

    /// The files a pull request changes (GitHub lists at most 3,000).
    fn pull_request_files(
        &self,
        repo: &RepoName,
        number: PullRequestNumber,
    ) -> impl Future<Output = GitHubResult<Vec<ChangedFile>>> + Send;

    /// One pull request, with `mergeable_state` when GitHub has computed it. A 404 is retried
    /// briefly, since GitHub may announce a PR before it serves it.
    fn pull_request(
        &self,
        repo: &RepoName,
        number: PullRequestNumber,
    ) -> impl Future<Output = GitHubResult<PullRequest>> + Send;

    /// Opens a pull request.
    fn open_pull_request(
        &self,
        repo: &RepoName,
        pull: &NewPullRequest,
    ) -> impl Future<Output = GitHubResult<PullRequest>> + Send;

    /// Replaces a pull request's title and/or body.
    fn edit_pull_request(
        &self,
        repo: &RepoName,
        number: PullRequestNumber,
        title: Option<&str>,
        body: Option<&str>,
    ) -> impl Future<Output = GitHubResult<()>> + Send;

    /// Adds labels to a pull request (creating unknown labels, as GitHub does).
    fn add_labels(
        &self,
        repo: &RepoName,
        number: PullRequestNumber,
        labels: &[String],
    ) -> impl Future<Output = GitHubResult<()>> + Send;

    /// Requests reviews from users and teams (team slugs without the organisation).
    fn request_reviewers(
        &self,
        repo: &RepoName,
        number: PullRequestNumber,
        users: &[String],
        teams: &[String],
    ) -> impl Future<Output = GitHubResult<()>> + Send;

    /// The pull request's conversation comments, oldest first.
    fn issue_comments(
        &self,
        repo: &RepoName,
        number: PullRequestNumber,
    ) -> impl Future<Output = GitHubResult<Vec<IssueComment>>> + Send;

    /// Posts a comment on a pull request's conversation.
    fn create_comment(
        &self,
        repo: &RepoName,
        number: PullRequestNumber,
        body: &str,
    ) -> impl Future<Output = GitHubResult<IssueComment>> + Send;

    /// Replaces a comment's body.
    fn update_comment(
        &self,
        repo: &RepoName,
        id: CommentId,
        body: &str,
    ) -> impl Future<Output = GitHubResult<()>> + Send;

    /// Deletes a comment (amiroll deletes only its own duplicates).
    fn delete_comment(
        &self,
        repo: &RepoName,
        id: CommentId,
    ) -> impl Future<Output = GitHubResult<()>> + Send;

    /// The reviews of a pull request, oldest first.
    fn reviews(
        &self,
        repo: &RepoName,
        number: PullRequestNumber,
    ) -> impl Future<Output = GitHubResult<Vec<Review>>> + Send;

    /// The latest status per context on `sha`.
    fn combined_status(
        &self,
        repo: &RepoName,
        sha: &CommitSha,
    ) -> impl Future<Output = GitHubResult<CombinedStatus>> + Send;

    /// Every status on `sha`, newest first (including superseded ones).
    fn statuses(
        &self,
        repo: &RepoName,
        sha: &CommitSha,
    ) -> impl Future<Output = GitHubResult<Vec<CommitStatus>>> + Send;

    /// The check runs named `name` on `sha`.
    fn check_runs(
        &self,
        repo: &RepoName,
        sha: &CommitSha,
        name: &str,
    ) -> impl Future<Output = GitHubResult<Vec<CheckRun>>> + Send;

    /// Creates a check run named `name` on `sha`.
    fn create_check_run(
        &self,
        repo: &RepoName,
        name: &str,
        sha: &CommitSha,
        output: &CheckRunOutput,
    ) -> impl Future<Output = GitHubResult<CheckRunId>> + Send;

    /// Rewrites a check run's state and output.
    fn update_check_run(
        &self,
        repo: &RepoName,
        id: CheckRunId,
        output: &CheckRunOutput,
    ) -> impl Future<Output = GitHubResult<()>> + Send;

    /// The status checks classic branch protection requires on `branch`; `None` when the branch
    /// is not protected. Needs the `administration: read` permission: without it GitHub answers
    /// 403 ([`GitHubError::Status`]).
    fn branch_protection(
        &self,
        repo: &RepoName,
        branch: &str,
    ) -> impl Future<Output = GitHubResult<Option<Vec<RequiredCheck>>>> + Send;

    /// The status checks the active rulesets require on `branch` (only `metadata: read` needed).
    fn branch_rules(
        &self,
        repo: &RepoName,
        branch: &str,
    ) -> impl Future<Output = GitHubResult<Vec<RequiredCheck>>> + Send;
}
