//! The promotion gate: for any pull request, may it change the AMI of a later stage yet? Yes only
//! when the preceding stage was applied by Atlantis and merged with that same AMI. Published as a
//! required check run, it keeps the pull request `blocked`, so Atlantis's `mergeable` requirement
//! refuses `atlantis apply` until staging has proven the AMI.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use crate::ami::AmiId;

use super::checklist::Mark;
use super::facts::{BotPr, PrState, RepoFacts, TargetAtHead};

/// The gate's state, as a check run shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum GateConclusion {
    /// Green: nothing gated, or every gated change is proven on the stage before.
    Success,
    /// In progress: the stage before is rolling this AMI right now.
    Pending,
    /// Red: the AMI never ran (or cannot be proven) on the stage before.
    Failure,
}

/// What the gate says about one pull request: a conclusion and, in words a reviewer understands,
/// why and what unblocks it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GateVerdict {
    /// Green, in progress or red.
    pub conclusion: GateConclusion,
    /// The check run's one-line title.
    pub title: String,
    /// The check run's markdown summary.
    pub summary: String,
}

/// One reason the gate is not green, about one later-stage change.
struct Finding {
    conclusion: GateConclusion,
    text: String,
}

/// Evaluates the gate for a pull request whose head does `targets` (per stage, per target).
pub fn evaluate(facts: &RepoFacts, targets: &[Vec<TargetAtHead>]) -> GateVerdict {
    let stages = &facts.config.stages;
    let mut findings = Vec::new();
    let mut proven = Vec::new();
    for (index, stage) in stages.iter().enumerate().skip(1) {
        let previous = &stages[index - 1].name;
        let Some(stage_targets) = targets.get(index) else {
            continue;
        };
        let mut amis = BTreeSet::new();
        for (target, at_head) in stage.targets.iter().zip(stage_targets) {
            match at_head {
                TargetAtHead::Unchanged => {}
                TargetAtHead::Unreadable(reason) => findings.push(Finding {
                    conclusion: GateConclusion::Failure,
                    text: format!(
                        "`{}` in `{}` ({}) cannot be read at this pull request's head: {reason}. amiroll \
                         cannot prove that its AMI ran on **{previous}**.",
                        target.address, target.file, stage.name
                    ),
                }),
                TargetAtHead::Set(value) => match value.parse::<AmiId>() {
                    Ok(ami) => {
                        amis.insert(ami);
                    }
                    Err(_) => findings.push(Finding {
                        conclusion: GateConclusion::Failure,
                        text: format!(
                            "`{}` in `{}` ({}) is set to `{value}`, which is not an AMI id.",
                            target.address, target.file, stage.name
                        ),
                    }),
                },
            }
        }
        for ami in amis {
            match judge(facts, index - 1, &ami) {
                Ok(link) => proven.push(format!(
                    "**{}** → `{ami}`: applied and merged on **{previous}** in {link}.",
                    stage.name
                )),
                Err(finding) => findings.push(finding),
            }
        }
    }
    verdict(findings, proven)
}

/// Whether `ami` is proven on stage `index`: `Ok(link to the proving pull request)`, or why not.
fn judge(facts: &RepoFacts, index: usize, ami: &AmiId) -> Result<String, Finding> {
    let stage = &facts.config.stages[index].name;
    let prs: Vec<&BotPr> = facts.bot_prs_for(index, ami).collect();
    if let Some(pr) = prs.iter().find(|pr| pr.is_proven()) {
        return Ok(format!("#{}", pr.number));
    }
    if let Some(pr) = prs.iter().find(|pr| pr.state == PrState::Open) {
        let mut missing = Vec::new();
        if !pr.approved {
            missing.push("an approving review");
        }
        match pr.applied {
            Mark::Done(_) => {}
            Mark::Failed(_) => {
                missing.push("a successful `atlantis apply` (the last apply failed)")
            }
            Mark::Pending => missing.push("`atlantis apply`"),
        }
        missing.push("a merge");
        return Err(Finding {
            conclusion: GateConclusion::Pending,
            text: format!(
                "`{ami}` is rolling out on **{stage}** in #{}; it still needs {}.",
                pr.number,
                join_words(&missing)
            ),
        });
    }
    if let Some(pr) = prs.iter().find(|pr| pr.state == PrState::Merged) {
        return Err(Finding {
            conclusion: GateConclusion::Failure,
            text: format!(
                "#{} merged `{ami}` on **{stage}** without a recorded Atlantis apply, so the AMI is not \
                 proven there. Apply it on {stage} (e.g. with a new pull request) before promoting it.",
                pr.number
            ),
        });
    }
    let text = match prs.first() {
        Some(pr) => format!(
            "The rollout of `{ami}` on **{stage}** was abandoned (#{} was closed without merging). \
             Roll it on {stage} first.",
            pr.number
        ),
        None => format!(
            "`{ami}` never ran on **{stage}**. Roll it on {stage} first: amiroll opens that pull request \
             when the AMI is released, and this check turns green once it is applied and merged."
        ),
    };
    Err(Finding {
        conclusion: GateConclusion::Failure,
        text,
    })
}

fn verdict(findings: Vec<Finding>, proven: Vec<String>) -> GateVerdict {
    let conclusion = findings
        .iter()
        .map(|f| f.conclusion)
        .max()
        .unwrap_or(GateConclusion::Success);
    let title = match conclusion {
        GateConclusion::Success if proven.is_empty() => "No gated AMI change".to_owned(),
        GateConclusion::Success => "The AMI is proven on the stage before".to_owned(),
        GateConclusion::Pending => {
            "Waiting for the stage before to apply and merge this AMI".to_owned()
        }
        GateConclusion::Failure => "This AMI is not proven on the stage before".to_owned(),
    };
    let mut summary = String::new();
    if findings.is_empty() && proven.is_empty() {
        summary.push_str("This pull request changes no AMI of a stage after the first, so nothing here is gated.");
    }
    for finding in &findings {
        let _ = writeln!(summary, "- {}", finding.text);
    }
    for line in &proven {
        let _ = writeln!(summary, "- {line}");
    }
    if conclusion != GateConclusion::Success {
        summary.push_str(
            "\nWhile this check is not green, the pull request is blocked and Atlantis refuses \
             `atlantis apply` (its `mergeable` apply requirement). It re-evaluates by itself on every \
             push, status and merge.",
        );
    }
    GateVerdict {
        conclusion,
        title,
        summary: summary.trim_end().to_owned(),
    }
}

fn join_words(words: &[&str]) -> String {
    match words {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}
