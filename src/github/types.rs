//! Plain data the GitHub port speaks in: what the rollout engine reads from and writes to GitHub,
//! free of HTTP and of octocrab's models, so the engine and its tests depend on neither.

use super::ids::{CheckRunId, CommentId, CommitSha, InstallationId, PullRequestNumber, RepoName};

/// A branch and the commit it points at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BranchHead {
    /// The branch's name, without `refs/heads/`.
    pub name: String,
    /// The commit the branch points at.
    pub sha: CommitSha,
}

/// A pull request, as much of it as the rollout needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PullRequest {
    /// Its number.
    pub number: PullRequestNumber,
    /// Its title.
    pub title: String,
    /// Its description (empty when it has none).
    pub body: String,
    /// The login of whoever opened it.
    pub author: String,
    /// The branch it merges from.
    pub head_ref: String,
    /// The commit at the head of that branch.
    pub head_sha: CommitSha,
    /// The branch it merges into.
    pub base_ref: String,
    /// `open` or `closed`.
    pub state: PullRequestState,
    /// Whether it is a draft.
    pub draft: bool,
    /// Whether it was merged (a closed PR that was not merged was abandoned).
    pub merged: bool,
    /// The merge commit, once merged.
    pub merge_commit_sha: Option<CommitSha>,
    /// GitHub's `mergeable_state` (`clean`, `blocked`, `dirty`, ...). `None` when GitHub has not
    /// computed it yet (or when read from a list, which never carries it): read again later.
    pub mergeable_state: Option<String>,
    /// The PR's web page.
    pub html_url: String,
}

/// Whether a pull request is open.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PullRequestState {
    /// Open (possibly a draft).
    Open,
    /// Closed, merged or not.
    Closed,
}

/// A file a pull request changes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChangedFile {
    /// Its path after the change.
    pub path: String,
    /// `added`, `removed`, `modified`, `renamed`, `copied`, `changed` or `unchanged`.
    pub status: String,
    /// Its path before a rename.
    pub previous_path: Option<String>,
}

/// A pull request to open.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewPullRequest {
    /// The title.
    pub title: String,
    /// The markdown description.
    pub body: String,
    /// The branch holding the changes.
    pub head: String,
    /// The branch to merge into.
    pub base: String,
    /// Open it as a draft.
    pub draft: bool,
}

/// One file's new content in a commit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileChange {
    /// The path inside the repository (`stacks/staging/main.tf`).
    pub path: String,
    /// The whole new content; must be UTF-8 (it is sent as text, byte for byte).
    pub content: Vec<u8>,
}

/// A comment on an issue or pull request's conversation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IssueComment {
    /// Its id, to edit it later.
    pub id: CommentId,
    /// Who wrote it.
    pub author: String,
    /// Its markdown.
    pub body: String,
    /// Its web address.
    pub html_url: String,
}

/// A review on a pull request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Review {
    /// The reviewer's login.
    pub author: String,
    /// `APPROVED`, `CHANGES_REQUESTED`, `COMMENTED`, `DISMISSED` or `PENDING`.
    pub state: String,
    /// The commit the review was made on, when GitHub says.
    pub commit_id: Option<CommitSha>,
}

/// A commit status (as written by Atlantis or any CI), newest first in lists.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommitStatus {
    /// Its name (`atlantis/apply: staging`).
    pub context: String,
    /// `error`, `failure`, `pending` or `success`.
    pub state: String,
    /// The one-line description.
    pub description: Option<String>,
    /// Where it links to.
    pub target_url: Option<String>,
    /// Who wrote it, when GitHub says.
    pub creator: Option<String>,
}

/// The combined status of a commit: the latest status of each context.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CombinedStatus {
    /// The overall state (`failure`, `pending` or `success`).
    pub state: String,
    /// The latest status per context.
    pub statuses: Vec<CommitStatus>,
}

/// A check run's lifecycle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CheckStatus {
    /// Waiting to start.
    Queued,
    /// Started, no conclusion yet.
    InProgress,
    /// Finished with a conclusion.
    Completed,
}

impl CheckStatus {
    /// GitHub's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::InProgress => "in_progress",
            Self::Completed => "completed",
        }
    }

    /// Reads GitHub's spelling.
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "queued" => Some(Self::Queued),
            "in_progress" => Some(Self::InProgress),
            "completed" => Some(Self::Completed),
            _ => None,
        }
    }
}

/// How a completed check run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CheckConclusion {
    /// Passed.
    Success,
    /// Failed: blocks a PR that requires the check.
    Failure,
    /// Neither: informational.
    Neutral,
    /// Cancelled.
    Cancelled,
    /// Skipped.
    Skipped,
    /// Timed out.
    TimedOut,
    /// Needs someone to act.
    ActionRequired,
}

impl CheckConclusion {
    /// GitHub's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::Failure => "failure",
            Self::Neutral => "neutral",
            Self::Cancelled => "cancelled",
            Self::Skipped => "skipped",
            Self::TimedOut => "timed_out",
            Self::ActionRequired => "action_required",
        }
    }

    /// Reads GitHub's spelling.
    pub fn parse(value: &str) -> Option<Self> {
        [
            Self::Success,
            Self::Failure,
            Self::Neutral,
            Self::Cancelled,
            Self::Skipped,
            Self::TimedOut,
            Self::ActionRequired,
        ]
        .into_iter()
        .find(|c| c.as_str() == value)
    }
}

/// A check run as read back from GitHub.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckRun {
    /// Its id, to update it.
    pub id: CheckRunId,
    /// Its name (`amiroll/promotion`).
    pub name: String,
    /// The commit it reports on.
    pub head_sha: CommitSha,
    /// Where it is in its lifecycle (`None` for a spelling this code does not know).
    pub status: Option<CheckStatus>,
    /// How it ended, once completed.
    pub conclusion: Option<CheckConclusion>,
    /// The output's title.
    pub title: Option<String>,
    /// The output's markdown summary.
    pub summary: Option<String>,
    /// The login of the App that owns it (`amiroll[bot]` style slug), when GitHub says.
    pub app_slug: Option<String>,
}

/// What to write into a check run, on creation or update.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckRunOutput {
    /// Lifecycle state.
    pub status: CheckStatus,
    /// The conclusion; required when `status` is completed, ignored otherwise.
    pub conclusion: Option<CheckConclusion>,
    /// The output's title (one line).
    pub title: String,
    /// The output's markdown summary.
    pub summary: String,
}

/// The App itself, as GitHub knows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppInfo {
    /// The App's id.
    pub id: u64,
    /// Its slug (`amiroll`); its comments and checks appear under `<slug>[bot]`.
    pub slug: String,
    /// Its display name.
    pub name: String,
}

impl AppInfo {
    /// The login the App's writes appear under (`amiroll[bot]`).
    pub fn bot_login(&self) -> String {
        format!("{}[bot]", self.slug)
    }
}

/// An installation of the App.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Installation {
    /// Its id.
    pub id: InstallationId,
    /// The account (user or organisation) it is installed on.
    pub account: String,
}

/// One delivery attempt of a webhook, as listed by `GET /app/hook/deliveries`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HookDelivery {
    /// This attempt's id (what to redeliver).
    pub id: u64,
    /// The delivery's GUID, shared by every attempt of the same event (`X-GitHub-Delivery`).
    pub guid: String,
    /// The event name.
    pub event: String,
    /// The payload's `action`, if any.
    pub action: Option<String>,
    /// The HTTP status the App answered with (0 when it did not answer).
    pub status_code: u16,
    /// Whether this attempt was itself a redelivery.
    pub redelivery: bool,
    /// When it was delivered (RFC 3339, as GitHub wrote it).
    pub delivered_at: String,
}

impl HookDelivery {
    /// Whether the App accepted this attempt.
    pub fn succeeded(&self) -> bool {
        (200..300).contains(&self.status_code)
    }
}

/// A repository the App can act on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Repository {
    /// `owner/name`.
    pub name: RepoName,
    /// Its default branch.
    pub default_branch: String,
    /// Whether it is archived (read-only).
    pub archived: bool,
}

/// The App's installation that covers one repository, and what the account granted it there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RepoInstallation {
    /// The installation's id.
    pub id: InstallationId,
    /// The account (user or organisation) it is installed on.
    pub account: String,
    /// Granted permissions by scope (`contents` → `write`), as GitHub spells them.
    pub permissions: std::collections::BTreeMap<String, String>,
}

/// A status check that a branch protection rule or a ruleset requires before merging.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequiredCheck {
    /// The check's or status's name (`amiroll/promotion`).
    pub context: String,
    /// The App that must provide it (`app_id` in branch protection, `integration_id` in a
    /// ruleset); `None` when any source will do, including a commit status anyone with push
    /// access can write.
    pub app_id: Option<u64>,
}
