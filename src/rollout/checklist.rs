//! The live rollout checklist: one sticky comment per amiroll pull request, re-rendered in place.
//! amiroll ticks what it can prove and leaves human steps to humans; a box a human ticked stays
//! ticked whenever amiroll re-renders the comment.

use std::collections::HashSet;
use std::fmt::Write as _;

use crate::ami::Release;
use crate::config::{RepoConfig, Stage};

/// The start of the hidden first line that identifies amiroll's checklist comment; the line also
/// names the AMI the checklist is about (`<!-- amiroll:checklist ami=ami-... -->`).
pub const CHECKLIST_MARKER: &str = "<!-- amiroll:checklist";
const ITEM_OPEN: &str = "<!-- amiroll:item ";

/// Who can tick an item.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Owner {
    /// amiroll ticks it when it can prove it from GitHub (or AWS).
    Bot,
    /// A person ticks it; amiroll never unticks it.
    Human,
}

/// The state amiroll shows for an item.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Mark {
    /// Not yet.
    #[default]
    Pending,
    /// Done; with a link to the proof when there is one.
    Done(Option<String>),
    /// Tried and failed (e.g. an apply error); with a link to the failure.
    Failed(Option<String>),
}

/// One line of the checklist.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Item {
    /// A stable id, kept in a hidden comment on the line, so ticks survive re-rendering.
    pub id: String,
    /// What the line says (markdown).
    pub text: String,
    /// Who ticks it.
    pub owner: Owner,
    /// Its state.
    pub mark: Mark,
}

/// What amiroll knows about one stage's pull request when it renders the checklist.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StageProgress {
    /// The pull request exists.
    pub opened: bool,
    /// An approving review exists.
    pub approved: bool,
    /// Atlantis planned the head commit.
    pub planned: Mark,
    /// Atlantis applied the stage's project.
    pub applied: Mark,
    /// Every container instance of the stage's ECS cluster runs the new AMI; `None` when amiroll
    /// cannot check it (no ECS cluster configured, or no AWS access): then people tick it.
    pub tasks_moved: Option<bool>,
    /// The pull request was merged.
    pub merged: bool,
    /// The next stage's pull request, once opened: `(stage name, link)`.
    pub next_stage: Option<(String, String)>,
}

/// A whole checklist, ready to render.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checklist {
    /// The AMI being rolled: ticks carry over only between checklists of the same AMI.
    pub ami: crate::ami::AmiId,
    /// The heading line.
    pub title: String,
    /// The items, in runbook order.
    pub items: Vec<Item>,
    /// Free-form notes shown under the items (e.g. "updated in place from ami-...").
    pub notes: Vec<String>,
}

impl Checklist {
    /// The checklist of `config.stages[stage_index]` rolling to `release`, marked with `progress`.
    pub fn for_stage(
        config: &RepoConfig,
        stage_index: usize,
        release: &Release,
        progress: &StageProgress,
    ) -> Self {
        let stage = &config.stages[stage_index.min(config.stages.len().saturating_sub(1))];
        let next = config.stages.get(stage_index + 1);
        let is_last = next.is_none() && config.stages.len() > 1;
        let mut items = Vec::new();
        let mut bot = |id: &str, text: String, mark: Mark| {
            items.push(Item {
                id: id.to_owned(),
                text,
                owner: Owner::Bot,
                mark,
            })
        };
        let done = |yes: bool| if yes { Mark::Done(None) } else { Mark::Pending };
        bot(
            "ami-found",
            match &release.image_name {
                Some(name) => format!("New AMI found: `{}` ({name})", release.ami_id),
                None => format!("New AMI found: `{}`", release.ami_id),
            },
            Mark::Done(None),
        );
        bot(
            "pr-opened",
            "Pull request opened".into(),
            done(progress.opened),
        );
        bot(
            "approved",
            "Approved by a reviewer".into(),
            done(progress.approved),
        );
        bot(
            "planned",
            "Atlantis plan ran; the plan shows a new launch configuration and autoscaling group"
                .into(),
            progress.planned.clone(),
        );
        bot(
            "applied",
            "`atlantis apply` succeeded".into(),
            progress.applied.clone(),
        );
        let tasks_text = "Running tasks moved to the new instances".to_owned();
        items.push(Item {
            id: "tasks-moved".into(),
            owner: if stage.ecs_cluster.is_some() {
                Owner::Bot
            } else {
                Owner::Human
            },
            text: match &stage.ecs_cluster {
                Some(cluster) => format!(
                    "{tasks_text} (every instance of `{cluster}` runs `{}`)",
                    release.ami_id
                ),
                None => format!("{tasks_text} (watch the cluster's ECS Instances tab)"),
            },
            mark: done(progress.tasks_moved == Some(true)),
        });
        for text in human_items(stage, is_last) {
            items.push(Item {
                id: format!("human-{}", slug(&text)),
                text,
                owner: Owner::Human,
                mark: Mark::Pending,
            });
        }
        items.push(Item {
            id: "merged".into(),
            text: "Merged".into(),
            owner: Owner::Bot,
            mark: done(progress.merged),
        });
        if let Some(next) = next {
            items.push(Item {
                id: "next-stage".into(),
                text: match &progress.next_stage {
                    Some((_, link)) => format!("Next stage (**{}**) unblocked: {link}", next.name),
                    None => format!("Next stage (**{}**) unblocked", next.name),
                },
                owner: Owner::Bot,
                mark: done(progress.next_stage.is_some()),
            });
        }
        Self {
            ami: release.ami_id.clone(),
            title: format!(
                "amiroll rollout checklist: **{}** → `{}`",
                stage.name, release.ami_id
            ),
            items,
            notes: Vec::new(),
        }
    }

    /// Keeps every box a human ticked in `previous` (the comment as it is on GitHub now), unless
    /// that comment was about another AMI (the pull request was updated in place since).
    pub fn keep_ticks_from(&mut self, previous: &str) {
        if checklist_ami(previous) != Some(self.ami.as_str()) {
            return;
        }
        let ticked = ticked_ids(previous);
        for item in &mut self.items {
            if item.mark == Mark::Pending && ticked.contains(item.id.as_str()) {
                item.mark = Mark::Done(None);
            }
        }
    }

    /// The comment body. Its first line is the hidden marker, so Atlantis never reads it as a command.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "{CHECKLIST_MARKER} ami={} -->", self.ami);
        let _ = writeln!(out, "### {}\n", self.title);
        for item in &self.items {
            let (box_, suffix) = match &item.mark {
                Mark::Pending => (" ", String::new()),
                Mark::Done(None) => ("x", String::new()),
                Mark::Done(Some(link)) => ("x", format!(" ([proof]({link}))")),
                Mark::Failed(None) => (" ", " — **failed**".to_owned()),
                Mark::Failed(Some(link)) => (" ", format!(" — **failed** ([details]({link}))")),
            };
            let who = match item.owner {
                Owner::Bot => "",
                Owner::Human => " _(you tick this)_",
            };
            let _ = writeln!(
                out,
                "- [{box_}] {}{suffix}{who} {ITEM_OPEN}{} -->",
                item.text, item.id
            );
        }
        for note in &self.notes {
            let _ = write!(out, "\n> {note}\n");
        }
        out
    }
}

/// The human steps of a stage: the config's own items, and for the last of several stages the
/// runbook's closing check.
fn human_items(stage: &Stage, is_last: bool) -> Vec<String> {
    let mut items = stage.checklist.clone();
    if is_last {
        items.push(
            "Instances have roughly equal running tasks; if a service has both tasks on one instance, force a new deployment"
                .to_owned(),
        );
    }
    items
}

/// Whether a comment is an amiroll checklist.
pub fn is_checklist(body: &str) -> bool {
    body.starts_with(CHECKLIST_MARKER)
}

/// The AMI a rendered checklist is about, from its first line.
fn checklist_ami(body: &str) -> Option<&str> {
    let first = body.lines().next()?;
    let rest = first
        .strip_prefix(CHECKLIST_MARKER)?
        .strip_prefix(" ami=")?;
    rest.strip_suffix(" -->")
}

/// The ids of the items ticked in a rendered checklist.
pub fn ticked_ids(body: &str) -> HashSet<&str> {
    body.lines()
        .filter_map(|line| {
            let line = line.trim_start();
            let checked =
                line.starts_with("- [x]") || line.starts_with("- [X]") || line.starts_with("* [x]");
            if !checked {
                return None;
            }
            let start = line.find(ITEM_OPEN)? + ITEM_OPEN.len();
            let end = line[start..].find(" -->")?;
            Some(&line[start..start + end])
        })
        .collect()
}

/// A short, stable id from an item's text.
fn slug(text: &str) -> String {
    let mut slug = String::new();
    for ch in text.chars().flat_map(char::to_lowercase) {
        if ch.is_ascii_alphanumeric() {
            slug.push(ch);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
        if slug.len() >= 40 {
            break;
        }
    }
    slug.trim_end_matches('-').to_owned()
}
