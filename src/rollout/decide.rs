//! The rollout's decisions: given the facts about one repository, which actions bring it to where
//! its events should have brought it. Pure and idempotent: deciding again from the facts that the
//! actions produce yields no further action, which is what makes redeliveries, restarts,
//! reconciliation and several replicas safe.

use crate::ami::{AmiId, Release};
use crate::config::RepoConfig;
use crate::github::ids::{CheckRunId, CommentId, CommitSha, PullRequestNumber};

use super::branch::{branch_name, parse_branch_name};
use super::checklist::{Checklist, StageProgress};
use super::facts::{BotPr, PrState, RepoFacts};
use super::gate::{self, GateConclusion, GateVerdict};
use super::plan;
use super::pull_request;

/// A pull request amiroll opens (or rewrites in place) for one stage.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StagePr {
    /// The stage's position in the config.
    pub stage_index: usize,
    /// The AMI it rolls to.
    pub ami: AmiId,
    /// The branch: `amiroll/<stage>/<ami>` for a new pull request.
    pub branch: String,
    /// The title.
    pub title: String,
    /// The body, with its marker.
    pub body: String,
    /// The files of its one commit, as `(path, new content)`, edited from the base branch.
    pub files: Vec<(String, String)>,
    /// The pull request of the previous stage that proved the AMI.
    pub predecessor: Option<PullRequestNumber>,
}

/// One thing to do on GitHub.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Create the branch with one commit and open the pull request, with labels and reviewers.
    OpenPullRequest(StagePr),
    /// Rewrite an open, unapplied pull request in place for a newer AMI: a new commit on its
    /// branch, a new title and body.
    UpdatePullRequest {
        /// The pull request.
        number: PullRequestNumber,
        /// Its branch (kept: its name records the AMI it was opened for).
        branch: String,
        /// What it becomes.
        pr: StagePr,
    },
    /// Post the checklist comment, or edit it in place.
    UpsertChecklist {
        /// The pull request.
        number: PullRequestNumber,
        /// The existing comment to edit; `None` to post one.
        existing: Option<CommentId>,
        /// The new body.
        body: String,
    },
    /// Publish the gate check run on a head commit, or update it.
    SetGate {
        /// The pull request (for logs).
        number: PullRequestNumber,
        /// The commit the check goes on.
        head_sha: CommitSha,
        /// The existing check run to update; `None` to create one.
        existing: Option<CheckRunId>,
        /// What it says.
        verdict: GateVerdict,
    },
    /// Reply once to an `atlantis apply` that Atlantis will refuse, saying why.
    ExplainRefusal {
        /// The pull request.
        number: PullRequestNumber,
        /// The newest unanswered `atlantis apply` comment this answers.
        request: CommentId,
        /// The comment's body (first line is a hidden marker, never a command).
        body: String,
    },
    /// A decision not to act, worth a log line.
    Note(String),
}

/// Decides every action for one repository.
pub fn decide(facts: &RepoFacts) -> Vec<Action> {
    let mut actions = Vec::new();
    if let Some(release) = &facts.release {
        roll(facts, 0, release, None, &mut actions);
    }
    promote(facts, &mut actions);
    checklists(facts, &mut actions);
    gates_and_explanations(facts, &mut actions);
    actions
}

/// The AMI every target of stage `index` holds on the base branch, if they agree on one.
pub fn stage_runs(
    config: &RepoConfig,
    files: &std::collections::BTreeMap<String, String>,
    index: usize,
) -> Option<AmiId> {
    let stage = config.stages.get(index)?;
    let mut found: Option<AmiId> = None;
    for target in &stage.targets {
        let value = crate::hcl::get(files.get(&target.file)?, &target.address)
            .ok()?
            .value;
        let ami: AmiId = value.parse().ok()?;
        match &found {
            Some(previous) if previous != &ami => return None,
            _ => found = Some(ami),
        }
    }
    found
}

/// Opens (or updates in place) stage `index`'s pull request for `release`, unless the stage runs it
/// already or a pull request for it exists.
fn roll(
    facts: &RepoFacts,
    index: usize,
    release: &Release,
    predecessor: Option<&BotPr>,
    actions: &mut Vec<Action>,
) {
    let config = &facts.config;
    let Some(stage) = config.stages.get(index) else {
        return;
    };
    let ami = &release.ami_id;
    if stage_runs(config, &facts.files, index).as_ref() == Some(ami) {
        return;
    }
    let existing: Vec<&BotPr> = facts.bot_prs_for(index, ami).collect();
    if existing.iter().any(|pr| pr.state != PrState::Closed) {
        return;
    }
    if let Some(closed) = existing.first() {
        actions.push(Action::Note(format!(
            "{ami} is skipped on {}: its pull request #{} was closed without merging",
            stage.name, closed.number
        )));
        return;
    }
    let other_open = facts.bot_prs.iter().find(|pr| {
        pr.state == PrState::Open && pr.marker.stage == stage.name.as_str() && &pr.marker.ami != ami
    });
    if let Some(open) = other_open
        && !matches!(open.applied, super::checklist::Mark::Pending)
    {
        actions.push(Action::Note(format!(
            "{ami} waits on {}: #{} for {} has been applied (or attempted) and must be merged or closed first",
            stage.name, open.number, open.marker.ami
        )));
        return;
    }
    let plans = match plan::plan(config, &facts.files, release) {
        Ok(plans) => plans,
        Err(err) => {
            actions.push(Action::Note(format!(
                "cannot roll {ami} on {}: {err}",
                stage.name
            )));
            return;
        }
    };
    let Some(stage_plan) = plans.into_iter().nth(index) else {
        return;
    };
    let link = predecessor.map(|pr| (pr.number.0, pr.url.as_str()));
    let pr = StagePr {
        stage_index: index,
        ami: ami.clone(),
        branch: branch_name(&stage.name, ami),
        title: pull_request::title(config, index, release),
        body: pull_request::body(config, index, release, &stage_plan.current, link),
        files: stage_plan
            .changes
            .into_iter()
            .map(|c| (c.file, c.after))
            .collect(),
        predecessor: predecessor.map(|pr| pr.number),
    };
    match other_open {
        Some(open) => actions.push(Action::UpdatePullRequest {
            number: open.number,
            branch: branch_for(open, &facts.config),
            pr,
        }),
        None => actions.push(Action::OpenPullRequest(pr)),
    }
}

/// The branch an existing amiroll pull request lives on, as its deterministic name says.
fn branch_for(pr: &BotPr, config: &RepoConfig) -> String {
    let stage = config
        .stages
        .iter()
        .find(|s| s.name.as_str() == pr.marker.stage)
        .map(|s| s.name.clone());
    match (&pr.head_ref, stage) {
        (Some(head), _) => head.clone(),
        (None, Some(stage)) => branch_name(&stage, &pr.marker.ami),
        (None, None) => String::new(),
    }
}

/// Opens the next stage's pull request wherever a stage runs an AMI that its merged, applied
/// amiroll pull request proved.
fn promote(facts: &RepoFacts, actions: &mut Vec<Action>) {
    for index in 0..facts.config.stages.len().saturating_sub(1) {
        let Some(ami) = stage_runs(&facts.config, &facts.files, index) else {
            continue;
        };
        let Some(proof) = facts.bot_prs_for(index, &ami).find(|pr| pr.is_proven()) else {
            continue;
        };
        let release = release_of(proof);
        roll(facts, index + 1, &release, Some(proof), actions);
    }
}

/// What amiroll knows of a release from one of its pull requests.
fn release_of(pr: &BotPr) -> Release {
    let mut release = Release::manual(pr.marker.ami.clone());
    release.image_name = pr.marker.image_name.clone();
    release
}

/// Re-renders the checklist of every open or merged amiroll pull request whose comment is missing
/// or stale, keeping the boxes humans ticked.
fn checklists(facts: &RepoFacts, actions: &mut Vec<Action>) {
    for pr in &facts.bot_prs {
        if pr.state == PrState::Closed {
            continue;
        }
        let Some((index, _)) = facts.config.stage(&pr.marker.stage) else {
            continue;
        };
        let next_stage = facts.config.stages.get(index + 1).and_then(|next| {
            facts
                .bot_prs_for(index + 1, &pr.marker.ami)
                .find(|p| p.state != PrState::Closed)
                .map(|p| (next.name.to_string(), format!("#{}", p.number)))
        });
        let progress = StageProgress {
            opened: true,
            approved: pr.approved,
            planned: pr.planned.clone(),
            applied: pr.applied.clone(),
            tasks_moved: pr.tasks_moved,
            merged: pr.state == PrState::Merged,
            next_stage,
        };
        let mut checklist = Checklist::for_stage(&facts.config, index, &release_of(pr), &progress);
        if let Some((_, opened_for)) = pr.head_ref.as_deref().and_then(parse_branch_name)
            && opened_for != pr.marker.ami
        {
            checklist.notes.push(format!(
                "This pull request was opened for `{opened_for}` and updated in place to `{}` when a newer AMI was released; boxes ticked for the older AMI were cleared.",
                pr.marker.ami
            ));
        }
        if let Some(existing) = &pr.checklist {
            checklist.keep_ticks_from(&existing.body);
        }
        let body = checklist.render();
        if pr.checklist.as_ref().map(|c| c.body.as_str()) != Some(body.as_str()) {
            actions.push(Action::UpsertChecklist {
                number: pr.number,
                existing: pr.checklist.as_ref().map(|c| c.id),
                body,
            });
        }
    }
}

/// Publishes the gate on every open pull request whose check is missing or stale, and explains
/// once each `atlantis apply` that the gate will make Atlantis refuse.
fn gates_and_explanations(facts: &RepoFacts, actions: &mut Vec<Action>) {
    for pr in &facts.open_prs {
        let verdict = gate::evaluate(facts, &pr.targets);
        if let Some(request) = pr.unanswered_apply_requests.last()
            && verdict.conclusion != GateConclusion::Success
        {
            actions.push(Action::ExplainRefusal {
                number: pr.number,
                request: *request,
                body: explanation(&facts.config, *request, &verdict),
            });
        }
        if pr.gate.as_ref().map(|g| &g.verdict) != Some(&verdict) {
            actions.push(Action::SetGate {
                number: pr.number,
                head_sha: pr.head_sha.clone(),
                existing: pr.gate.as_ref().map(|g| g.id),
                verdict,
            });
        }
    }
}

/// The hidden first line of a refusal explanation, naming the comment it answers.
pub const REFUSAL_MARKER: &str = "<!-- amiroll:refusal request=";

/// The reply to an `atlantis apply` that Atlantis will refuse. Multi-line, and its first line is a
/// hidden marker, so Atlantis never reads it as a command.
fn explanation(config: &RepoConfig, request: CommentId, verdict: &GateVerdict) -> String {
    format!(
        "{REFUSAL_MARKER}{request} -->\n\
         #### Heads up: Atlantis will refuse this apply\n\n\
         Atlantis applies only mergeable pull requests, and the required `{check}` check is not green \
         ({title}):\n\n{summary}\n\n\
         Once the stage before has been applied and merged, `{check}` turns green by itself; comment \
         the apply again then (GitHub may take a few seconds to recompute mergeability).",
        check = config.gate_check_name,
        title = verdict.title.to_lowercase(),
        summary = verdict.summary,
    )
}
