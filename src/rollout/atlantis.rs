//! What Atlantis has proven about one stage's pull request: did it plan, did it apply the stage's
//! project, did it refuse to. Atlantis says so through commit statuses on the head commit (the
//! primary signal) and through comments (the secondary one); both have traps (`0/0 projects applied
//! successfully.`, comments split in parts, refusals that read like failures), so the rules live
//! here, pure, tested against the exact strings Atlantis writes.

use std::collections::HashMap;

use crate::config::Atlantis;
use crate::rollout::checklist::Mark;

/// One commit status of the pull request's head commit, as GitHub reports it.
///
/// Pass the latest status of each context (GitHub's combined status). When a context appears more
/// than once (the full status list, newest first), the first one that counts wins.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StatusFact<'a> {
    /// Its name, e.g. `atlantis/apply: staging`.
    pub context: &'a str,
    /// `pending`, `success`, `failure` (or `error`).
    pub state: &'a str,
    /// The one-line description.
    pub description: Option<&'a str>,
    /// Where it links to.
    pub target_url: Option<&'a str>,
    /// The login that wrote it, when GitHub says.
    pub creator: Option<&'a str>,
}

/// One issue comment of the pull request; pass them in chronological order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CommentFact<'a> {
    /// Its author's login.
    pub author: &'a str,
    /// Its markdown.
    pub body: &'a str,
    /// Its web address (empty when unknown).
    pub html_url: &'a str,
}

/// What Atlantis has proven about one stage's pull request.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AtlantisView {
    /// Whether Atlantis planned the stage's project on the head commit.
    pub planned: Mark,
    /// Whether Atlantis applied the stage's project.
    pub applied: Mark,
    /// Atlantis's latest answer to `atlantis apply` was a refusal (an apply requirement such as
    /// `mergeable` was not met), and nothing has been applied since. Nothing ran, so this is not an
    /// apply failure; it usually means the gate is not green yet.
    pub refusal: Option<Refusal>,
}

/// Atlantis refused to run an apply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    /// Atlantis's reason, e.g. `Pull request must be mergeable before running apply (PR is in
    /// state blocked).`
    pub reason: String,
    /// The refusal comment.
    pub link: Option<String>,
}

/// What Atlantis has proven about `project` (the stage's Atlantis project id: its `name`, else
/// `<dir>/<workspace>`) from the head commit's `statuses` and the pull request's `comments`.
///
/// *Applied* when any of these holds:
/// - the status `<prefix>/apply: <project>` is `success`;
/// - the combined `<prefix>/apply` is `success` and reads `N/N projects applied successfully.` with
///   N > 0 (`0/0 ...` and `N/N projects up to date.` are set without any apply: Atlantis #1924,
///   #4140);
/// - an Atlantis apply comment reports success for `project` (with no project configured: a
///   single-project comment for any project, or a multi-project comment whose projects all
///   succeeded).
///
/// Otherwise *failed* when the per-project status is `failure`, the combined one is `failure` (only
/// when there is no per-project status to be more precise), or the latest Atlantis apply comment
/// for the project reports `**Apply Failed**` or `**Apply Error**`; a later success overrides an
/// earlier failure. A refused apply (`**Apply Failed**: Pull request must be mergeable before
/// running apply ...` and the other apply requirements) is no failure: it goes to
/// [`AtlantisView::refusal`].
///
/// *Planned* reads the plan statuses the same way (`N/N projects planned successfully.`, N > 0).
///
/// Statuses count only when written by one of `atlantis.users`, or by anyone when that list is
/// empty. Comments count only when written by one of `atlantis.users`: anyone can write a comment
/// that looks like Atlantis's, so with an empty list comments never count. Comments that are not
/// Atlantis's English default wording (`--language es`, template overrides) are ignored; statuses
/// still work. Comments carry no commit: an apply comment proves an apply of the pull request, not
/// necessarily of its current head.
pub fn recognise(
    atlantis: &Atlantis,
    project: Option<&str>,
    statuses: &[StatusFact<'_>],
    comments: &[CommentFact<'_>],
) -> AtlantisView {
    let plan = status_signals(atlantis, project, statuses, "plan", "planned");
    let apply = status_signals(atlantis, project, statuses, "apply", "applied");
    let from_comments = comment_signals(atlantis, project, comments);
    let applied = strongest([apply.project, from_comments.applied, apply.combined]);
    let refusal = match applied {
        Mark::Done(_) => None,
        _ => from_comments.refusal,
    };
    AtlantisView {
        planned: strongest([plan.project, plan.combined]),
        applied,
        refusal,
    }
}

/// `Done` if any signal is (with the first link among them), else `Failed` likewise, else `Pending`.
fn strongest<const N: usize>(signals: [Mark; N]) -> Mark {
    let mut done: Option<Option<String>> = None;
    let mut failed: Option<Option<String>> = None;
    for signal in signals {
        match signal {
            Mark::Done(link) => {
                let slot = done.get_or_insert(None);
                if slot.is_none() {
                    *slot = link;
                }
            }
            Mark::Failed(link) => {
                let slot = failed.get_or_insert(None);
                if slot.is_none() {
                    *slot = link;
                }
            }
            Mark::Pending => {}
        }
    }
    match (done, failed) {
        (Some(link), _) => Mark::Done(link),
        (None, Some(link)) => Mark::Failed(link),
        (None, None) => Mark::Pending,
    }
}

fn link(url: Option<&str>) -> Option<String> {
    url.map(str::trim)
        .filter(|url| !url.is_empty())
        .map(str::to_owned)
}

fn is_atlantis_login(atlantis: &Atlantis, login: &str) -> bool {
    !login.is_empty()
        && atlantis
            .users
            .iter()
            .any(|user| user.eq_ignore_ascii_case(login))
}

// --- Statuses -------------------------------------------------------------------------------------

/// What one command's statuses say: the per-project one and the combined one, separately.
struct StatusSignals {
    project: Mark,
    combined: Mark,
}

fn status_signals(
    atlantis: &Atlantis,
    project: Option<&str>,
    statuses: &[StatusFact<'_>],
    command: &str,
    verb: &str,
) -> StatusSignals {
    let counts = |status: &&StatusFact<'_>| {
        atlantis.users.is_empty()
            || status
                .creator
                .is_some_and(|creator| is_atlantis_login(atlantis, creator))
    };
    let latest = |context: &str| {
        statuses
            .iter()
            .filter(counts)
            .find(|status| status.context == context)
    };
    let prefix = &atlantis.status_prefix;
    let per_project = project.and_then(|project| latest(&format!("{prefix}/{command}: {project}")));
    let project_mark = match per_project {
        Some(status) if status.state == "success" => Mark::Done(link(status.target_url)),
        Some(status) if is_failure(status.state) => Mark::Failed(link(status.target_url)),
        _ => Mark::Pending,
    };
    let combined_mark = match latest(&format!("{prefix}/{command}")) {
        Some(status)
            if status.state == "success"
                && all_succeeded(status.description.unwrap_or(""), verb) =>
        {
            Mark::Done(link(status.target_url))
        }
        Some(status) if is_failure(status.state) && per_project.is_none() => {
            Mark::Failed(link(status.target_url))
        }
        _ => Mark::Pending,
    };
    StatusSignals {
        project: project_mark,
        combined: combined_mark,
    }
}

fn is_failure(state: &str) -> bool {
    state == "failure" || state == "error"
}

/// Whether a combined description matches `^(\d+)/\1 projects <verb> successfully\.$` with N > 0.
fn all_succeeded(description: &str, verb: &str) -> bool {
    let Some((done, rest)) = description.split_once('/') else {
        return false;
    };
    let Some((total, words)) = rest.split_once(' ') else {
        return false;
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    digits(done)
        && done == total
        && done.bytes().any(|b| b != b'0')
        && words
            .strip_prefix("projects ")
            .and_then(|words| words.strip_prefix(verb))
            == Some(" successfully.")
}

// --- Comments -------------------------------------------------------------------------------------

/// The last line of a comment that Atlantis continues in the next one.
const MORE_FOLLOWS: &str =
    "**Warning**: Output length greater than max comment size. Continued in next comment.";
/// The first line of a continuation comment ends so (`Continued from previous comment.` or
/// `Continued apply output from previous comment.`).
const CONTINUED_FROM: &str = "from previous comment.";
/// A continuation that follows dropped parts (too many comments for one command).
const TRUNCATED: &str =
    "Command output is larger than the maximum number of comments per command. Output truncated.";

/// What the comments say about the project.
#[derive(Default)]
struct CommentSignals {
    applied: Mark,
    refusal: Option<Refusal>,
}

/// What one apply run did to one project.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Outcome {
    Applied,
    Failed,
    Refused(String),
}

/// One Atlantis apply comment (after stitching its parts), understood.
#[derive(Debug, PartialEq, Eq)]
enum ApplyReport {
    /// `Ran Apply for dir: ...`: one project.
    Single {
        id: String,
        outcome: Option<Outcome>,
    },
    /// `Ran Apply for N projects:`: every project listed in the header, with its outcome when its
    /// section is there.
    Multi {
        projects: Vec<(String, Option<Outcome>)>,
        all_listed: bool,
        summary_all_successful: Option<bool>,
    },
    /// `**Apply Failed**: ...` without a header: the whole command, every project.
    Command(Outcome),
}

/// One Atlantis message: a comment and its continuations, joined back together.
struct Message<'a> {
    text: String,
    link: &'a str,
}

fn comment_signals(
    atlantis: &Atlantis,
    project: Option<&str>,
    comments: &[CommentFact<'_>],
) -> CommentSignals {
    let mut signals = CommentSignals::default();
    if atlantis.users.is_empty() {
        return signals;
    }
    let atlantis_comments = comments
        .iter()
        .filter(|comment| is_atlantis_login(atlantis, comment.author));
    for message in stitch(atlantis_comments) {
        let Some(report) = parse_apply(&message.text) else {
            continue;
        };
        match outcome_for(&report, project) {
            Some(Outcome::Applied) => {
                signals.applied = Mark::Done(link(Some(message.link)));
                signals.refusal = None;
            }
            Some(Outcome::Failed) => {
                signals.applied = Mark::Failed(link(Some(message.link)));
                signals.refusal = None;
            }
            Some(Outcome::Refused(reason)) => {
                signals.refusal = Some(Refusal {
                    reason,
                    link: link(Some(message.link)),
                });
            }
            None => {}
        }
    }
    signals
}

/// Joins each comment with its continuations (long output is split across comments: the header is
/// only in the first part, the summary only in the last). A continuation with no open message
/// before it is dropped.
fn stitch<'a, 'c: 'a>(comments: impl Iterator<Item = &'a CommentFact<'c>>) -> Vec<Message<'c>> {
    let mut messages: Vec<Message<'c>> = Vec::new();
    let mut open = false;
    for comment in comments {
        if let Some(rest) = continuation(comment.body) {
            let (part, more) = cut_more_follows(rest);
            match messages.last_mut() {
                Some(message) if open => {
                    message.text.push_str(part);
                    open = more;
                }
                _ => open = false,
            }
            continue;
        }
        let (part, more) = cut_more_follows(comment.body);
        messages.push(Message {
            text: part.to_owned(),
            link: comment.html_url,
        });
        open = more;
    }
    messages
}

/// A continuation comment's content without the opening Atlantis added; `None` for other comments.
fn continuation(body: &str) -> Option<&str> {
    let trimmed = body.trim_start();
    let (first, rest) = trimmed.split_once('\n').unwrap_or((trimmed, ""));
    let first = first.trim_end();
    if first.starts_with("Continued ") && first.ends_with(CONTINUED_FROM) {
        let rest = rest
            .strip_prefix("<details><summary>Show Output</summary>\n\n")
            .unwrap_or(rest);
        return Some(rest.strip_prefix("```diff\n").unwrap_or(rest));
    }
    // A truncation warning opens the last part when middle parts were dropped.
    let (before, after) = body.split_once(TRUNCATED)?;
    if before.len() > 200 || before.contains("Ran ") {
        return None;
    }
    let after = after.trim_start();
    let after = after.strip_prefix("[..]").unwrap_or(after).trim_start();
    let after = after
        .strip_prefix("<details><summary>Show Output</summary>")
        .unwrap_or(after)
        .trim_start();
    Some(after.strip_prefix("```diff\n").unwrap_or(after))
}

/// Cuts the "continued in next comment" ending (and the fences Atlantis closed before it) off a
/// part; says whether more parts follow.
fn cut_more_follows(part: &str) -> (&str, bool) {
    let Some((content, _)) = part.rsplit_once(MORE_FOLLOWS) else {
        return (part, false);
    };
    let content = content.trim_end();
    let content = content.strip_suffix("<br>").unwrap_or(content).trim_end();
    let content = content
        .strip_suffix("</details>")
        .unwrap_or(content)
        .trim_end();
    let content = content.strip_suffix("```").unwrap_or(content);
    (content.strip_suffix('\n').unwrap_or(content), true)
}

/// Understands an Atlantis apply message; `None` for anything else (plans, other languages,
/// templated comments, humans quoting Atlantis badly).
fn parse_apply(text: &str) -> Option<ApplyReport> {
    let text = text.trim_start();
    let (first, rest) = text.split_once('\n').unwrap_or((text, ""));
    let first = first.trim_end();
    if first.starts_with("**Apply Failed**") || first.starts_with("**Apply Error**") {
        return section_outcome(text).map(ApplyReport::Command);
    }
    let heading = first.strip_prefix("Ran Apply for ")?;
    if let Some(id) = project_id(heading) {
        return Some(ApplyReport::Single {
            id,
            outcome: section_outcome(rest),
        });
    }
    let count: usize = heading.strip_suffix(" projects:")?.parse().ok()?;
    Some(parse_multi(count, rest))
}

/// The sections of `Ran Apply for N projects:`: a list of the projects, then
/// `### 1. dir: ... workspace: ...` per project, then (v0.36+) `### Apply Summary`.
fn parse_multi(count: usize, rest: &str) -> ApplyReport {
    let mut listed: Vec<String> = Vec::new();
    let mut sections: Vec<(String, String)> = Vec::new();
    let mut in_section = false;
    let mut in_summary = false;
    let mut summary_all_successful = None;
    for line in rest.lines() {
        if let Some(heading) = line.strip_prefix("### ") {
            in_section = false;
            in_summary = heading.trim_end() == "Apply Summary";
            if let Some(id) = section_heading(heading) {
                sections.push((id, String::new()));
                in_section = true;
            }
            continue;
        }
        if in_section {
            if let Some((_, text)) = sections.last_mut() {
                text.push_str(line);
                text.push('\n');
            }
        } else if in_summary {
            summary_all_successful = summary_all_successful.or(parse_summary(line));
        } else if sections.is_empty()
            && let Some(id) = line.strip_prefix("1. ").and_then(project_id)
        {
            listed.push(id);
        }
    }
    let all_listed = listed.len() == count;
    let mut outcomes: HashMap<String, Option<Outcome>> = HashMap::new();
    for (id, text) in sections {
        outcomes.entry(id).or_insert_with(|| section_outcome(&text));
    }
    let projects = listed
        .into_iter()
        .map(|id| {
            let outcome = outcomes.get(&id).cloned().flatten();
            (id, outcome)
        })
        .collect();
    ApplyReport::Multi {
        projects,
        all_listed,
        summary_all_successful,
    }
}

/// `2. project: ... dir: ... workspace: ...` → the project id.
fn section_heading(heading: &str) -> Option<String> {
    let (number, spec) = heading.split_once(". ")?;
    number.parse::<usize>().ok()?;
    project_id(spec)
}

/// `N projects, X successful, Y failed, Z errored` → whether X == N.
fn parse_summary(line: &str) -> Option<bool> {
    let (total, rest) = line.trim().split_once(" projects, ")?;
    let (successful, _) = rest.split_once(" successful")?;
    let total: u64 = total.parse().ok()?;
    let successful: u64 = successful.parse().ok()?;
    Some(total > 0 && successful == total)
}

/// ``project: `name` dir: `apps` workspace: `default` `` → `name`; without a project name
/// `<dir>/<workspace>` (root: `./default`), as in Atlantis's per-project status contexts.
fn project_id(spec: &str) -> Option<String> {
    let spec = spec.trim_end();
    let (name, rest) = match spec.strip_prefix("project: `") {
        Some(rest) => {
            let (name, rest) = rest.split_once('`')?;
            (Some(name), rest.strip_prefix(' ')?)
        }
        None => (None, spec),
    };
    let (dir, rest) = rest.strip_prefix("dir: `")?.split_once('`')?;
    let (workspace, rest) = rest.strip_prefix(" workspace: `")?.split_once('`')?;
    if !rest.is_empty() || dir.is_empty() || workspace.is_empty() {
        return None;
    }
    Some(match name {
        Some(name) if !name.is_empty() => name.to_owned(),
        _ => format!("{dir}/{workspace}"),
    })
}

/// The outcome of one project's rendered result. A failure marker anywhere in it wins over a
/// ```` ```diff ```` block, so a part boundary can never turn an error into a success.
fn section_outcome(text: &str) -> Option<Outcome> {
    if let Some((_, after)) = text.split_once("**Apply Failed**") {
        let after = after.strip_prefix(':').unwrap_or(after);
        let reason = after.lines().next().unwrap_or("").trim();
        return Some(if is_requirement_refusal(reason) {
            Outcome::Refused(reason.chars().take(300).collect())
        } else {
            Outcome::Failed
        });
    }
    if text.contains("**Apply Error**") {
        return Some(Outcome::Failed);
    }
    (text.contains("```diff") || text.contains("Apply complete!")).then_some(Outcome::Applied)
}

/// Atlantis's apply requirements (`mergeable`, `approved`, `undiverged`, policies) refuse before
/// anything runs: `Pull request must be mergeable before running apply (PR is in state blocked).`
/// (before v0.37 `... before running apply.`; with the bypass flag `..., and cannot bypass
/// mergeable requirements`), `Pull request must be approved ...`, `Default branch must be rebased
/// onto pull request before running apply.`, `All policies must pass for project before running
/// apply`, `Pull request must be merged to run apply.`
fn is_requirement_refusal(reason: &str) -> bool {
    reason.starts_with("Pull request must be ")
        || reason.starts_with("Default branch must be rebased onto pull request")
        || reason.starts_with("All policies must pass for project")
}

/// What `report` says about `project` (or, with none configured, about the pull request).
fn outcome_for(report: &ApplyReport, project: Option<&str>) -> Option<Outcome> {
    match (report, project) {
        (ApplyReport::Command(outcome), _) => Some(outcome.clone()),
        (ApplyReport::Single { id, outcome }, Some(project)) => {
            outcome.clone().filter(|_| id == project)
        }
        (ApplyReport::Single { outcome, .. }, None) => outcome.clone(),
        (ApplyReport::Multi { projects, .. }, Some(project)) => projects
            .iter()
            .find(|(id, _)| id == project)
            .and_then(|(_, outcome)| outcome.clone()),
        (
            ApplyReport::Multi {
                projects,
                all_listed,
                summary_all_successful,
            },
            None,
        ) => {
            let outcomes = || projects.iter().filter_map(|(_, outcome)| outcome.as_ref());
            if let Some(failed) = outcomes().find(|outcome| **outcome == Outcome::Failed) {
                return Some(failed.clone());
            }
            if let Some(refused) = outcomes().find(|outcome| matches!(outcome, Outcome::Refused(_)))
            {
                return Some(refused.clone());
            }
            let all_applied = *all_listed
                && !projects.is_empty()
                && projects
                    .iter()
                    .all(|(_, outcome)| *outcome == Some(Outcome::Applied))
                && *summary_all_successful != Some(false);
            all_applied.then_some(Outcome::Applied)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn project_ids_follow_atlantis_status_contexts() {
        assert_eq!(
            project_id("dir: `apps` workspace: `default`").as_deref(),
            Some("apps/default")
        );
        assert_eq!(
            project_id("dir: `.` workspace: `default`").as_deref(),
            Some("./default")
        );
        assert_eq!(
            project_id("project: `staging` dir: `apps` workspace: `default`").as_deref(),
            Some("staging")
        );
        assert_eq!(project_id("dir: `apps`"), None);
        assert_eq!(
            project_id("dir: `apps` workspace: `default` trailing"),
            None
        );
        assert_eq!(
            project_id("directorio: `apps` espacio de trabajo: `default`"),
            None
        );
    }

    #[test]
    fn combined_descriptions_count_only_n_of_n_with_n_above_zero() {
        assert!(all_succeeded(
            "1/1 projects applied successfully.",
            "applied"
        ));
        assert!(all_succeeded(
            "12/12 projects applied successfully.",
            "applied"
        ));
        assert!(all_succeeded(
            "2/2 projects planned successfully.",
            "planned"
        ));
        assert!(!all_succeeded(
            "0/0 projects applied successfully.",
            "applied"
        ));
        assert!(!all_succeeded(
            "00/00 projects applied successfully.",
            "applied"
        ));
        assert!(!all_succeeded(
            "1/2 projects applied successfully.",
            "applied"
        ));
        assert!(!all_succeeded("2/2 projects up to date.", "applied"));
        assert!(!all_succeeded("1/1 projects applied.", "applied"));
        assert!(!all_succeeded(
            "1/1 projects applied successfully",
            "applied"
        ));
        assert!(!all_succeeded(
            "1/1 projects applied successfully. ",
            "applied"
        ));
        assert!(!all_succeeded(
            "1/1 projects planned successfully.",
            "applied"
        ));
        assert!(!all_succeeded(
            "/ projects applied successfully.",
            "applied"
        ));
        assert!(!all_succeeded("", "applied"));
    }

    #[test]
    fn a_part_loses_the_warning_and_the_fences_atlantis_closed_before_it() {
        let part = "Ran Apply for dir: `apps` workspace: `default`\n\n```diff\nline\n```\n</details>\n<br>\n\n**Warning**: Output length greater than max comment size. Continued in next comment.";
        assert_eq!(
            cut_more_follows(part),
            (
                "Ran Apply for dir: `apps` workspace: `default`\n\n```diff\nline",
                true
            )
        );
        assert_eq!(cut_more_follows("plain"), ("plain", false));
    }

    #[test]
    fn a_continuation_loses_the_opening_atlantis_added() {
        assert_eq!(
            continuation(
                "Continued apply output from previous comment.\n<details><summary>Show Output</summary>\n\n```diff\nrest"
            ),
            Some("rest")
        );
        assert_eq!(
            continuation("Continued from previous comment.\n```diff\nrest"),
            Some("rest")
        );
        assert_eq!(
            continuation("Ran Apply for dir: `apps` workspace: `default`"),
            None
        );
    }

    #[test]
    fn the_summary_line_says_whether_every_project_succeeded() {
        assert_eq!(
            parse_summary("2 projects, 2 successful, 0 failed, 0 errored"),
            Some(true)
        );
        assert_eq!(
            parse_summary("2 projects, 1 successful, 0 failed, 1 errored"),
            Some(false)
        );
        assert_eq!(parse_summary("whatever"), None);
    }

    #[test]
    fn strongest_prefers_done_then_failed_and_keeps_the_first_link() {
        assert_eq!(
            strongest([
                Mark::Failed(Some("f".into())),
                Mark::Done(None),
                Mark::Done(Some("d".into()))
            ]),
            Mark::Done(Some("d".into()))
        );
        assert_eq!(
            strongest([Mark::Pending, Mark::Failed(None)]),
            Mark::Failed(None)
        );
        assert_eq!(strongest([Mark::Pending, Mark::Pending]), Mark::Pending);
    }
}
