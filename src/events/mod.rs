//! amiroll's own events. GitHub webhook payloads are turned into these at the edge
//! ([`from_webhook`]), keeping only what amiroll needs, so the rest of the bot never depends on
//! GitHub's payload shapes; releases found by the SSM poller travel the same way
//! ([`Event::Release`]), so one handler sees everything in one order per lane.

mod kinds;
mod wire;

#[cfg(test)]
mod tests;

use std::fmt;

use serde::Deserialize;
use serde::de::value::{Error as ValueError, StrDeserializer};

pub use kinds::{
    CheckRun, CheckRunAction, CheckRunEvent, CheckSuite, CheckSuiteAction, CheckSuiteEvent,
    Comment, CommentAction, InstallationAction, InstallationEvent, InstallationRepositoriesAction,
    InstallationRepositoriesEvent, IssueCommentEvent, PullRequest, PullRequestAction,
    PullRequestEvent, PullRequestReviewEvent, PushEvent, Review, ReviewAction, ReviewState,
    StatusEvent, StatusState,
};

use crate::ami::Release;
use crate::github::ids::{InstallationId, PullRequestNumber, RepoName};

/// Something amiroll may have to act on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// `pull_request`.
    PullRequest(PullRequestEvent),
    /// `pull_request_review`.
    PullRequestReview(PullRequestReviewEvent),
    /// `issue_comment`.
    IssueComment(IssueCommentEvent),
    /// `status`.
    Status(StatusEvent),
    /// `check_run`.
    CheckRun(CheckRunEvent),
    /// `check_suite`.
    CheckSuite(CheckSuiteEvent),
    /// `push`.
    Push(PushEvent),
    /// `installation`.
    Installation(InstallationEvent),
    /// `installation_repositories`.
    InstallationRepositories(InstallationRepositoriesEvent),
    /// A recommended AMI read from SSM by the poller (on schedule, or on an SNS or operator
    /// trigger). Not a GitHub event: it enters the same queue so that one handler sees all.
    Release(Release),
    /// Bring one repository up to date (periodic reconciliation). Not a GitHub event: it runs in
    /// the repository's lane, so it never races that repository's webhooks.
    Reconcile(ReconcileRequest),
}

/// A periodic reconciliation of one repository.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReconcileRequest {
    /// The installation that can act on it.
    pub installation: InstallationId,
    /// The repository.
    pub repository: RepoName,
}

/// The work lane an event belongs to: events of one lane are handled one at a time, in the order
/// they were accepted; different lanes run in parallel.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Lane {
    /// Everything about one repository.
    Repository(RepoName),
    /// Installation-wide events (no single repository).
    Installation(InstallationId),
    /// AMI releases found by the poller.
    Releases,
}

impl fmt::Display for Lane {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Repository(repo) => write!(f, "{repo}"),
            Self::Installation(id) => write!(f, "installation {id}"),
            Self::Releases => f.write_str("releases"),
        }
    }
}

impl Event {
    /// The event's name: GitHub's `X-GitHub-Event` name, or `release` for [`Event::Release`].
    pub fn name(&self) -> &'static str {
        match self {
            Self::PullRequest(_) => "pull_request",
            Self::PullRequestReview(_) => "pull_request_review",
            Self::IssueComment(_) => "issue_comment",
            Self::Status(_) => "status",
            Self::CheckRun(_) => "check_run",
            Self::CheckSuite(_) => "check_suite",
            Self::Push(_) => "push",
            Self::Installation(_) => "installation",
            Self::InstallationRepositories(_) => "installation_repositories",
            Self::Release(_) => "release",
            Self::Reconcile(_) => "reconcile",
        }
    }

    /// The repository the event is about, if it is about one.
    pub fn repository(&self) -> Option<&RepoName> {
        match self {
            Self::PullRequest(e) => Some(&e.repository),
            Self::PullRequestReview(e) => Some(&e.repository),
            Self::IssueComment(e) => Some(&e.repository),
            Self::Status(e) => Some(&e.repository),
            Self::CheckRun(e) => Some(&e.repository),
            Self::CheckSuite(e) => Some(&e.repository),
            Self::Push(e) => Some(&e.repository),
            Self::Reconcile(e) => Some(&e.repository),
            Self::Installation(_) | Self::InstallationRepositories(_) | Self::Release(_) => None,
        }
    }

    /// The App installation the delivery was for, if any.
    pub fn installation(&self) -> Option<InstallationId> {
        match self {
            Self::PullRequest(e) => e.installation,
            Self::PullRequestReview(e) => e.installation,
            Self::IssueComment(e) => e.installation,
            Self::Status(e) => e.installation,
            Self::CheckRun(e) => e.installation,
            Self::CheckSuite(e) => e.installation,
            Self::Push(e) => e.installation,
            Self::Installation(e) => Some(e.installation),
            Self::InstallationRepositories(e) => Some(e.installation),
            Self::Reconcile(e) => Some(e.installation),
            Self::Release(_) => None,
        }
    }

    /// The pull request (or issue) the event is about, when it names exactly one.
    pub fn pull_request(&self) -> Option<PullRequestNumber> {
        match self {
            Self::PullRequest(e) => Some(e.pull_request.number),
            Self::PullRequestReview(e) => Some(e.pull_request.number),
            Self::IssueComment(e) => Some(e.number),
            Self::CheckRun(e) => single(&e.check_run.pull_requests),
            Self::CheckSuite(e) => single(&e.check_suite.pull_requests),
            _ => None,
        }
    }

    /// The lane the event is handled in: its repository's, else its installation's, else the
    /// releases' lane.
    pub fn lane(&self) -> Lane {
        if let Some(repo) = self.repository() {
            return Lane::Repository(repo.clone());
        }
        match self {
            Self::Release(_) => Lane::Releases,
            _ => self
                .installation()
                .map_or(Lane::Releases, Lane::Installation),
        }
    }
}

fn single(numbers: &[PullRequestNumber]) -> Option<PullRequestNumber> {
    match numbers {
        [one] => Some(*one),
        _ => None,
    }
}

/// What a webhook delivery turned into.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Conversion {
    /// An event amiroll handles.
    Event(Box<Event>),
    /// A delivery amiroll has no use for; it is acknowledged and dropped.
    Ignored(Ignored),
}

/// Why a delivery is ignored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ignored {
    /// An event amiroll does not subscribe to (or `ping`).
    Event,
    /// A known event with an action amiroll does not act on (`labeled`, ...).
    Action(String),
}

impl fmt::Display for Ignored {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Event => f.write_str("event not handled"),
            Self::Action(action) => write!(f, "action `{action}` not handled"),
        }
    }
}

/// A payload of a known event that does not have the shape GitHub documents.
#[derive(Debug, thiserror::Error)]
#[error("the `{event}` payload is malformed: {source}")]
pub struct MalformedPayload {
    /// The event name.
    pub event: &'static str,
    /// What serde found wrong.
    #[source]
    pub source: serde_json::Error,
}

/// The webhook events amiroll parses (the names of `X-GitHub-Event` it subscribes to).
pub const HANDLED_EVENTS: [&str; 9] = [
    "pull_request",
    "pull_request_review",
    "issue_comment",
    "status",
    "check_run",
    "check_suite",
    "push",
    "installation",
    "installation_repositories",
];

/// Turns a webhook delivery (its `X-GitHub-Event` name and verified raw body) into an
/// [`Event`], or says it is ignored. Only a payload of a handled event and action that does not
/// parse is an error.
pub fn from_webhook(event: &str, body: &[u8]) -> Result<Conversion, MalformedPayload> {
    match event {
        "pull_request" => {
            parse::<PullRequestAction, wire::PullRequestWebhook, _>("pull_request", body, |w| {
                Event::PullRequest(w.into())
            })
        }
        "pull_request_review" => parse::<ReviewAction, wire::PullRequestReviewWebhook, _>(
            "pull_request_review",
            body,
            |w| Event::PullRequestReview(w.into()),
        ),
        "issue_comment" => {
            parse::<CommentAction, wire::IssueCommentWebhook, _>("issue_comment", body, |w| {
                Event::IssueComment(w.into())
            })
        }
        "status" => parse_unconditional::<wire::StatusWebhook, _>("status", body, |w| {
            Event::Status(w.into())
        }),
        "check_run" => parse::<CheckRunAction, wire::CheckRunWebhook, _>("check_run", body, |w| {
            Event::CheckRun(w.into())
        }),
        "check_suite" => {
            parse::<CheckSuiteAction, wire::CheckSuiteWebhook, _>("check_suite", body, |w| {
                Event::CheckSuite(w.into())
            })
        }
        "push" => {
            parse_unconditional::<wire::PushWebhook, _>("push", body, |w| Event::Push(w.into()))
        }
        "installation" => {
            parse::<InstallationAction, wire::InstallationWebhook, _>("installation", body, |w| {
                Event::Installation(w.into())
            })
        }
        "installation_repositories" => {
            parse::<InstallationRepositoriesAction, wire::InstallationRepositoriesWebhook, _>(
                "installation_repositories",
                body,
                |w| Event::InstallationRepositories(w.into()),
            )
        }
        _ => Ok(Conversion::Ignored(Ignored::Event)),
    }
}

/// Parses an event with an `action`: an action that `A` does not know is ignored before the rest
/// of the payload is looked at, so only handled actions can be malformed.
fn parse<'de, A, W, F>(
    event: &'static str,
    body: &'de [u8],
    convert: F,
) -> Result<Conversion, MalformedPayload>
where
    A: Deserialize<'de>,
    W: Deserialize<'de>,
    F: FnOnce(W) -> Event,
{
    let envelope: wire::Envelope =
        serde_json::from_slice(body).map_err(|source| MalformedPayload { event, source })?;
    let Some(action) = envelope.action else {
        let source = serde::de::Error::missing_field("action");
        return Err(MalformedPayload { event, source });
    };
    if A::deserialize(StrDeserializer::<ValueError>::new(&action)).is_err() {
        return Ok(Conversion::Ignored(Ignored::Action(
            action.chars().take(64).collect(),
        )));
    }
    parse_unconditional(event, body, convert)
}

/// Parses an event that has no `action`.
fn parse_unconditional<'de, W, F>(
    event: &'static str,
    body: &'de [u8],
    convert: F,
) -> Result<Conversion, MalformedPayload>
where
    W: Deserialize<'de>,
    F: FnOnce(W) -> Event,
{
    let payload: W =
        serde_json::from_slice(body).map_err(|source| MalformedPayload { event, source })?;
    Ok(Conversion::Event(Box::new(convert(payload))))
}
