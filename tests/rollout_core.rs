//! Stories of the rollout core: the facts of the example repository at each step of the runbook,
//! and exactly the actions amiroll decides, no more. Deciding again from the facts those actions
//! produce must decide nothing: that is what makes every event safe to repeat.

use std::collections::BTreeMap;

use amiroll::ami::{AmiId, Release};
use amiroll::config::{self, RepoConfig};
use amiroll::github::ids::{CheckRunId, CommentId, CommitSha, PullRequestNumber};
use amiroll::rollout::checklist::Mark;
use amiroll::rollout::comment_safety::is_safe_comment;
use amiroll::rollout::decide::{Action, decide};
use amiroll::rollout::facts::{
    BotPr, ExistingComment, ExistingGate, OpenPr, PrState, RepoFacts, TargetAtHead,
};
use amiroll::rollout::gate::{GateConclusion, evaluate};
use amiroll::rollout::marker::PrMarker;

const OLD: &str = "ami-0bb273345f0961e90";
const NEW: &str = "ami-0123456789abcdef0";
const NEWER: &str = "ami-0fedcba9876543210";
const CLUSTERS: &str = include_str!("../fixtures/example/apps/clusters.tf");

fn ami(id: &str) -> AmiId {
    id.parse().unwrap()
}

fn sha(n: u8) -> CommitSha {
    format!("{:040x}", n).parse().unwrap()
}

fn config() -> RepoConfig {
    config::parse(include_str!("../fixtures/example/.github/amiroll.yml")).unwrap()
}

/// The example repository with staging and production at the given AMIs.
fn repo(staging: &str, production: &str) -> RepoFacts {
    let at = CLUSTERS.find(OLD).unwrap();
    let second = at + OLD.len() + CLUSTERS[at + OLD.len()..].find(OLD).unwrap();
    let text = format!(
        "{}{staging}{}{production}{}",
        &CLUSTERS[..at],
        &CLUSTERS[at + OLD.len()..second],
        &CLUSTERS[second + OLD.len()..]
    );
    RepoFacts {
        config: config(),
        files: BTreeMap::from([("apps/clusters.tf".to_owned(), text)]),
        bot_prs: Vec::new(),
        open_prs: Vec::new(),
        release: None,
    }
}

fn release(id: &str) -> Release {
    let mut release = Release::manual(ami(id));
    release.image_name = Some("amzn2-ami-ecs-hvm-2.0.20261120-x86_64-ebs".into());
    release
}

fn bot_pr(number: u64, stage: &str, id: &str, state: PrState) -> BotPr {
    let stage_name = amiroll::config::StageName::new(stage).unwrap();
    BotPr {
        number: PullRequestNumber(number),
        url: format!("https://github.com/o/r/pull/{number}"),
        marker: PrMarker::new(&stage_name, &ami(id), None),
        state,
        head_ref: Some(format!("amiroll/{stage}/{id}")),
        head_sha: sha(number as u8),
        approved: false,
        planned: Mark::Pending,
        applied: Mark::Pending,
        tasks_moved: None,
        checklist: None,
    }
}

fn proven(mut pr: BotPr) -> BotPr {
    pr.approved = true;
    pr.planned = Mark::Done(None);
    pr.applied = Mark::Done(Some("https://atlantis/apply".into()));
    pr
}

/// An open pull request that sets production (stage 1) to `id`, staging untouched.
fn production_change(number: u64, id: &str) -> OpenPr {
    OpenPr {
        number: PullRequestNumber(number),
        head_sha: sha(number as u8),
        targets: vec![
            vec![TargetAtHead::Unchanged],
            vec![TargetAtHead::Set(id.into())],
        ],
        gate: None,
        unanswered_apply_requests: Vec::new(),
    }
}

/// Applies the checklist and gate actions to the facts, as GitHub would reflect them.
fn reflect(facts: &mut RepoFacts, actions: &[Action]) {
    for action in actions {
        match action {
            Action::UpsertChecklist { number, body, .. } => {
                let pr = facts
                    .bot_prs
                    .iter_mut()
                    .find(|p| p.number == *number)
                    .unwrap();
                pr.checklist = Some(ExistingComment {
                    id: CommentId(number.0 * 100),
                    body: body.clone(),
                });
            }
            Action::SetGate {
                number, verdict, ..
            } => {
                let pr = facts
                    .open_prs
                    .iter_mut()
                    .find(|p| p.number == *number)
                    .unwrap();
                pr.gate = Some(ExistingGate {
                    id: CheckRunId(number.0 * 1000),
                    verdict: verdict.clone(),
                });
            }
            _ => {}
        }
    }
}

#[test]
fn a_new_release_opens_the_staging_pull_request_and_nothing_else() {
    let mut facts = repo(OLD, OLD);
    facts.release = Some(release(NEW));
    let actions = decide(&facts);
    let [Action::OpenPullRequest(pr)] = actions.as_slice() else {
        panic!("expected one pull request, got {actions:#?}");
    };
    assert_eq!(pr.stage_index, 0);
    assert_eq!(pr.branch, format!("amiroll/staging/{NEW}"));
    assert_eq!(
        pr.title,
        format!("Roll staging cluster to {NEW} (amzn2-ami-ecs-hvm-2.0.20261120-x86_64-ebs)")
    );
    assert_eq!(PrMarker::parse(&pr.body).unwrap().ami, ami(NEW));
    let (path, content) = &pr.files[0];
    assert_eq!(path, "apps/clusters.tf");
    let expected = facts.files[path].replacen(OLD, NEW, 1);
    assert_eq!(content, &expected, "only the staging value changes");
}

#[test]
fn once_the_staging_pull_request_exists_deciding_again_changes_nothing() {
    let mut facts = repo(OLD, OLD);
    facts.release = Some(release(NEW));
    facts
        .bot_prs
        .push(bot_pr(12, "staging", NEW, PrState::Open));
    facts.open_prs.push(OpenPr {
        targets: vec![
            vec![TargetAtHead::Set(NEW.into())],
            vec![TargetAtHead::Unchanged],
        ],
        ..production_change(12, NEW)
    });

    let first = decide(&facts);
    assert!(
        matches!(
            first.as_slice(),
            [
                Action::UpsertChecklist { existing: None, .. },
                Action::SetGate { .. }
            ]
        ),
        "{first:#?}"
    );
    reflect(&mut facts, &first);
    assert_eq!(decide(&facts), [], "a second pass must be a no-op");
}

#[test]
fn a_stage_pull_request_closed_without_merging_skips_that_ami() {
    let mut facts = repo(OLD, OLD);
    facts.release = Some(release(NEW));
    facts
        .bot_prs
        .push(bot_pr(12, "staging", NEW, PrState::Closed));
    let actions = decide(&facts);
    assert!(
        matches!(actions.as_slice(), [Action::Note(note)] if note.contains("skipped") && note.contains("#12")),
        "{actions:#?}"
    );
}

#[test]
fn a_newer_release_rewrites_an_unapplied_staging_pull_request_in_place() {
    let mut facts = repo(OLD, OLD);
    facts.release = Some(release(NEWER));
    facts
        .bot_prs
        .push(bot_pr(12, "staging", NEW, PrState::Open));
    let actions = decide(&facts);
    let Some(Action::UpdatePullRequest { number, branch, pr }) = actions.first() else {
        panic!("{actions:#?}");
    };
    assert_eq!(number.0, 12);
    assert_eq!(branch, &format!("amiroll/staging/{NEW}"));
    assert_eq!(pr.ami, ami(NEWER));
    assert!(pr.files[0].1.contains(NEWER));
    assert_eq!(
        actions
            .iter()
            .filter(|a| matches!(a, Action::OpenPullRequest(_)))
            .count(),
        0
    );
}

#[test]
fn an_applied_staging_pull_request_is_never_rewritten() {
    let mut facts = repo(OLD, OLD);
    facts.release = Some(release(NEWER));
    facts
        .bot_prs
        .push(proven(bot_pr(12, "staging", NEW, PrState::Open)));
    let actions = decide(&facts);
    assert!(
        actions
            .iter()
            .any(|a| matches!(a, Action::Note(n) if n.contains("#12"))),
        "{actions:#?}"
    );
    assert!(!actions.iter().any(|a| matches!(
        a,
        Action::UpdatePullRequest { .. } | Action::OpenPullRequest(_)
    )));
}

#[test]
fn staging_applied_and_merged_opens_production_with_the_same_ami() {
    let mut facts = repo(NEW, OLD);
    facts
        .bot_prs
        .push(proven(bot_pr(12, "staging", NEW, PrState::Merged)));
    let actions = decide(&facts);
    let Some(Action::OpenPullRequest(pr)) = actions
        .iter()
        .find(|a| matches!(a, Action::OpenPullRequest(_)))
    else {
        panic!("{actions:#?}");
    };
    assert_eq!(pr.stage_index, 1);
    assert_eq!(pr.ami, ami(NEW));
    assert_eq!(pr.branch, format!("amiroll/production/{NEW}"));
    assert_eq!(pr.predecessor, Some(PullRequestNumber(12)));
    assert!(pr.body.contains("#12"));
    assert_eq!(
        pr.files[0].1,
        facts.files["apps/clusters.tf"].replace(OLD, NEW)
    );
}

#[test]
fn staging_merged_without_an_apply_promotes_nothing() {
    let mut facts = repo(NEW, OLD);
    facts
        .bot_prs
        .push(bot_pr(12, "staging", NEW, PrState::Merged));
    assert!(
        !decide(&facts)
            .iter()
            .any(|a| matches!(a, Action::OpenPullRequest(_)))
    );
}

#[test]
fn only_the_ami_staging_runs_now_is_promoted() {
    let mut facts = repo(NEWER, OLD);
    facts
        .bot_prs
        .push(proven(bot_pr(12, "staging", NEW, PrState::Merged)));
    assert!(
        !decide(&facts)
            .iter()
            .any(|a| matches!(a, Action::OpenPullRequest(_)))
    );
}

#[test]
fn the_gate_on_a_hand_written_production_pull_request_follows_staging() {
    // Red before staging ran the AMI.
    let mut facts = repo(OLD, OLD);
    let change = production_change(40, NEW);
    let verdict = evaluate(&facts, &change.targets);
    assert_eq!(verdict.conclusion, GateConclusion::Failure);
    assert!(
        verdict.summary.contains("never ran on **staging**"),
        "{}",
        verdict.summary
    );

    // In progress while staging rolls it, naming the pull request and what it still needs.
    facts
        .bot_prs
        .push(bot_pr(12, "staging", NEW, PrState::Open));
    let verdict = evaluate(&facts, &change.targets);
    assert_eq!(verdict.conclusion, GateConclusion::Pending);
    assert!(verdict.summary.contains("#12"), "{}", verdict.summary);
    assert!(
        verdict
            .summary
            .contains("an approving review, `atlantis apply` and a merge"),
        "{}",
        verdict.summary
    );

    // Still in progress once applied but not merged.
    facts.bot_prs[0] = proven(bot_pr(12, "staging", NEW, PrState::Open));
    let verdict = evaluate(&facts, &change.targets);
    assert_eq!(verdict.conclusion, GateConclusion::Pending);
    assert!(
        verdict.summary.contains("still needs a merge"),
        "{}",
        verdict.summary
    );

    // Green once applied and merged.
    facts.bot_prs[0] = proven(bot_pr(12, "staging", NEW, PrState::Merged));
    let verdict = evaluate(&facts, &change.targets);
    assert_eq!(
        verdict.conclusion,
        GateConclusion::Success,
        "{}",
        verdict.summary
    );
}

#[test]
fn the_gate_is_green_for_pull_requests_that_change_no_later_stage() {
    let facts = repo(OLD, OLD);
    let staging_only = vec![
        vec![TargetAtHead::Set(NEW.into())],
        vec![TargetAtHead::Unchanged],
    ];
    let verdict = evaluate(&facts, &staging_only);
    assert_eq!(verdict.conclusion, GateConclusion::Success);
    assert_eq!(verdict.title, "No gated AMI change");
}

#[test]
fn the_gate_refuses_what_it_cannot_read_or_prove() {
    let facts = repo(OLD, OLD);
    for head in [
        TargetAtHead::Unreadable("not a literal: `var.ami`".into()),
        TargetAtHead::Set("var.ami".into()),
    ] {
        let verdict = evaluate(&facts, &[vec![TargetAtHead::Unchanged], vec![head]]);
        assert_eq!(
            verdict.conclusion,
            GateConclusion::Failure,
            "{}",
            verdict.summary
        );
    }
    // Staging and production in one pull request: production is still not proven.
    let both = vec![
        vec![TargetAtHead::Set(NEW.into())],
        vec![TargetAtHead::Set(NEW.into())],
    ];
    assert_eq!(evaluate(&facts, &both).conclusion, GateConclusion::Failure);
    // A staging rollout that was abandoned does not count.
    let mut facts = repo(OLD, OLD);
    facts
        .bot_prs
        .push(bot_pr(12, "staging", NEW, PrState::Closed));
    let verdict = evaluate(&facts, &production_change(40, NEW).targets);
    assert_eq!(verdict.conclusion, GateConclusion::Failure);
    assert!(verdict.summary.contains("abandoned"), "{}", verdict.summary);
}

#[test]
fn an_apply_on_a_gated_pull_request_gets_exactly_one_explanation() {
    let mut facts = repo(OLD, OLD);
    facts
        .bot_prs
        .push(bot_pr(12, "staging", NEW, PrState::Open));
    let mut pr = production_change(40, NEW);
    pr.unanswered_apply_requests = vec![CommentId(7), CommentId(9)];
    facts.open_prs.push(pr);

    let actions = decide(&facts);
    let explanations: Vec<_> = actions
        .iter()
        .filter_map(|a| match a {
            Action::ExplainRefusal { request, body, .. } => Some((request, body)),
            _ => None,
        })
        .collect();
    assert_eq!(explanations.len(), 1, "{actions:#?}");
    let (request, body) = explanations[0];
    assert_eq!(
        *request,
        CommentId(9),
        "one reply answers the newest request"
    );
    assert!(is_safe_comment(body), "{body}");
    assert!(
        body.contains("#12") && body.contains("amiroll/promotion"),
        "{body}"
    );

    // Answered: nothing more. Green: nothing to explain.
    facts.open_prs[0].unanswered_apply_requests.clear();
    assert!(
        !decide(&facts)
            .iter()
            .any(|a| matches!(a, Action::ExplainRefusal { .. }))
    );
    facts.bot_prs[0] = proven(bot_pr(12, "staging", NEW, PrState::Merged));
    facts.open_prs[0].unanswered_apply_requests = vec![CommentId(11)];
    assert!(
        !decide(&facts)
            .iter()
            .any(|a| matches!(a, Action::ExplainRefusal { .. }))
    );
}

#[test]
fn a_box_a_human_ticked_survives_every_re_render() {
    let mut facts = repo(OLD, OLD);
    facts
        .bot_prs
        .push(bot_pr(12, "staging", NEW, PrState::Open));
    let first = decide(&facts);
    reflect(&mut facts, &first);

    // A human ticks "Check a few URLs on staging".
    let comment = facts.bot_prs[0].checklist.as_mut().unwrap();
    comment.body = comment.body.replace(
        "- [ ] Check a few URLs on staging",
        "- [x] Check a few URLs on staging",
    );
    assert_eq!(decide(&facts), [], "a human's tick alone needs no update");

    // Atlantis applies: amiroll re-renders, and keeps the human's tick.
    facts.bot_prs[0].applied = Mark::Done(Some("https://atlantis/apply/12".into()));
    let actions = decide(&facts);
    let [
        Action::UpsertChecklist {
            existing: Some(_),
            body,
            ..
        },
    ] = actions.as_slice()
    else {
        panic!("{actions:#?}");
    };
    assert!(body.contains("- [x] Check a few URLs on staging"), "{body}");
    assert!(
        body.contains("- [x] `atlantis apply` succeeded ([proof](https://atlantis/apply/12))"),
        "{body}"
    );
}
