//! Carries out the core's actions through the GitHub port, each one idempotently: what already
//! exists is adopted, not duplicated, so a retry, a redelivery or a second replica is harmless.

use anyhow::Context as _;

use crate::config::RepoConfig;
use crate::github::GitHubError;
use crate::github::ids::{CommentId, CommitSha, PullRequestNumber, RepoName};
use crate::github::port::GitHubClient;
use crate::github::types::{
    CheckConclusion, CheckRunOutput, CheckStatus, FileChange, NewPullRequest,
};
use crate::rollout::checklist::is_checklist;
use crate::rollout::comment_safety::is_safe_comment;
use crate::rollout::decide::{Action, REFUSAL_MARKER, StagePr};
use crate::rollout::gate::{GateConclusion, GateVerdict};

use super::BotIdentity;

/// Where the actions apply.
pub struct Target<'a> {
    /// The repository.
    pub repo: &'a RepoName,
    /// Its config (labels, reviewers, gate name).
    pub config: &'a RepoConfig,
    /// The base branch.
    pub base_branch: &'a str,
    /// The base branch's head, which new commits build on.
    pub base_sha: &'a CommitSha,
    /// amiroll on GitHub.
    pub bot: &'a BotIdentity,
}

/// Executes every action; a failed action does not stop the others. Returns how many were done,
/// or the first error after trying them all.
pub async fn execute<C: GitHubClient>(
    client: &C,
    target: &Target<'_>,
    actions: Vec<Action>,
) -> anyhow::Result<usize> {
    let mut done = 0;
    let mut first_error = None;
    for action in actions {
        let what = describe(&action);
        match run(client, target, action).await {
            Ok(()) => done += 1,
            Err(err) => {
                tracing::warn!(repo = %target.repo, "{what} failed: {err:#}");
                first_error.get_or_insert(err.context(format!("Cannot {what}")));
            }
        }
    }
    match first_error {
        Some(err) => Err(err),
        None => Ok(done),
    }
}

fn describe(action: &Action) -> String {
    match action {
        Action::OpenPullRequest(pr) => format!("open the pull request of {}", pr.branch),
        Action::UpdatePullRequest { number, .. } => format!("update #{number} in place"),
        Action::UpsertChecklist { number, .. } => format!("update the checklist of #{number}"),
        Action::SetGate { number, .. } => format!("set the gate of #{number}"),
        Action::ExplainRefusal { number, .. } => format!("explain the refused apply on #{number}"),
        Action::Note(_) => "note".to_owned(),
    }
}

async fn run<C: GitHubClient>(
    client: &C,
    target: &Target<'_>,
    action: Action,
) -> anyhow::Result<()> {
    let repo = target.repo;
    match action {
        Action::OpenPullRequest(pr) => open_pull_request(client, target, &pr).await,
        Action::UpdatePullRequest { number, branch, pr } => {
            let commit = commit(client, target, &pr).await?;
            client
                .update_branch(repo, &branch, &commit, true)
                .await
                .with_context(|| format!("Cannot move `{branch}` to the new commit"))?;
            client
                .edit_pull_request(repo, number, Some(&pr.title), Some(&pr.body))
                .await
                .context("Cannot edit the title and body")?;
            tracing::info!(%repo, %number, ami = %pr.ami, "pull request updated in place");
            Ok(())
        }
        Action::UpsertChecklist {
            number,
            existing,
            body,
        } => match existing {
            Some(id) => Ok(client.update_comment(repo, id, &body).await?),
            None => post_once(client, target, number, &body, is_checklist).await,
        },
        Action::SetGate {
            number,
            head_sha,
            existing,
            verdict,
        } => {
            let output = check_output(&verdict);
            match existing {
                Some(id) => client.update_check_run(repo, id, &output).await?,
                None => {
                    client
                        .create_check_run(repo, &target.config.gate_check_name, &head_sha, &output)
                        .await?;
                }
            }
            tracing::info!(%repo, %number, conclusion = ?verdict.conclusion, "gate set");
            Ok(())
        }
        Action::ExplainRefusal {
            number,
            request,
            body,
        } => {
            let marker = format!("{REFUSAL_MARKER}{request} -->");
            post_once(client, target, number, &body, |b| b.starts_with(&marker)).await
        }
        Action::Note(note) => {
            tracing::info!(%repo, "{note}");
            Ok(())
        }
    }
}

/// One commit on the base branch's head editing the stage's files.
async fn commit<C: GitHubClient>(
    client: &C,
    target: &Target<'_>,
    pr: &StagePr,
) -> anyhow::Result<CommitSha> {
    let changes: Vec<FileChange> = pr
        .files
        .iter()
        .map(|(path, content)| FileChange {
            path: path.clone(),
            content: content.clone().into_bytes(),
        })
        .collect();
    let message = format!(
        "{}\n\nOpened by amiroll: {} rolls to {} first.",
        pr.title, pr.branch, pr.ami
    );
    client
        .create_commit(target.repo, target.base_sha, &message, &changes)
        .await
        .context("Cannot create the commit")
}

/// Creates the branch (or moves it, if an interrupted run left it behind) and opens the pull
/// request, adopting one that already exists.
async fn open_pull_request<C: GitHubClient>(
    client: &C,
    target: &Target<'_>,
    pr: &StagePr,
) -> anyhow::Result<()> {
    let repo = target.repo;
    let commit = commit(client, target, pr).await?;
    match client.create_branch(repo, &pr.branch, &commit).await {
        Ok(()) => {}
        Err(GitHubError::Unprocessable { .. }) => {
            // Left by an interrupted run (or a concurrent replica): nobody else writes amiroll's
            // branches, so it is moved to this commit.
            client
                .update_branch(repo, &pr.branch, &commit, true)
                .await
                .with_context(|| format!("Cannot move the existing branch `{}`", pr.branch))?;
        }
        Err(err) => {
            return Err(err).with_context(|| format!("Cannot create the branch `{}`", pr.branch));
        }
    }
    let new = NewPullRequest {
        title: pr.title.clone(),
        body: pr.body.clone(),
        head: pr.branch.clone(),
        base: target.base_branch.to_owned(),
        draft: false,
    };
    let number = match client.open_pull_request(repo, &new).await {
        Ok(opened) => opened.number,
        Err(GitHubError::Unprocessable { .. }) => {
            // "A pull request already exists": a concurrent run opened it first.
            let existing = client.pull_requests_for_branch(repo, &pr.branch).await?;
            let Some(open) = existing
                .into_iter()
                .find(|p| p.state == crate::github::types::PullRequestState::Open)
            else {
                anyhow::bail!("GitHub refused the pull request of `{}`", pr.branch);
            };
            tracing::info!(%repo, number = %open.number, "pull request already open");
            return Ok(());
        }
        Err(err) => return Err(err).context("Cannot open the pull request"),
    };
    tracing::info!(%repo, %number, branch = %pr.branch, "pull request opened");
    let prs = &target.config.pull_requests;
    if !prs.labels.is_empty()
        && let Err(err) = client.add_labels(repo, number, &prs.labels).await
    {
        tracing::warn!(%repo, %number, "cannot add labels: {err}");
    }
    if !(prs.reviewers.is_empty() && prs.team_reviewers.is_empty())
        && let Err(err) = client
            .request_reviewers(repo, number, &prs.reviewers, &prs.team_reviewers)
            .await
    {
        tracing::warn!(%repo, %number, "cannot request reviewers: {err}");
    }
    Ok(())
}

/// Posts a comment, then removes any duplicate of it that a concurrent run posted (keeping the
/// oldest), so that two replicas racing on one event still leave a single comment.
async fn post_once<C: GitHubClient>(
    client: &C,
    target: &Target<'_>,
    number: PullRequestNumber,
    body: &str,
    same_kind: impl Fn(&str) -> bool,
) -> anyhow::Result<()> {
    anyhow::ensure!(
        is_safe_comment(body),
        "refusing to post a comment Atlantis could read as a command"
    );
    let repo = target.repo;
    client
        .create_comment(repo, number, body)
        .await
        .context("Cannot post the comment")?;
    let comments = client.issue_comments(repo, number).await?;
    let mut ours: Vec<CommentId> = comments
        .iter()
        .filter(|c| c.author.eq_ignore_ascii_case(&target.bot.login) && same_kind(&c.body))
        .map(|c| c.id)
        .collect();
    ours.sort();
    for duplicate in ours.iter().skip(1) {
        client
            .delete_comment(repo, *duplicate)
            .await
            .context("Cannot delete a duplicate comment")?;
    }
    Ok(())
}

/// The check run for a verdict: completed green or red, or in progress while the stage before rolls.
pub fn check_output(verdict: &GateVerdict) -> CheckRunOutput {
    let (status, conclusion) = match verdict.conclusion {
        GateConclusion::Success => (CheckStatus::Completed, Some(CheckConclusion::Success)),
        GateConclusion::Failure => (CheckStatus::Completed, Some(CheckConclusion::Failure)),
        GateConclusion::Pending => (CheckStatus::InProgress, None),
    };
    CheckRunOutput {
        status,
        conclusion,
        title: verdict.title.clone(),
        summary: verdict.summary.clone(),
    }
}
