//! Recognising Atlantis, rule by rule, as `shared/reference/atlantis.md` states it: statuses first,
//! comments second, and the traps (Atlantis #1924 and #4140, split comments, refusals, strangers
//! writing comments that look like Atlantis's).

use amiroll::config::Atlantis;
use amiroll::rollout::atlantis::{AtlantisView, CommentFact, Refusal, StatusFact, recognise};
use amiroll::rollout::checklist::Mark;
use proptest::prelude::*;

const BOT: &str = "atlantis-bot";
const JOB_URL: &str = "https://atlantis.example.com/jobs/acme/infra/42/apps/default";
const COMMENT_URL: &str = "https://github.com/acme/infra/pull/42#issuecomment-1001";
const LATER_COMMENT_URL: &str = "https://github.com/acme/infra/pull/42#issuecomment-1002";

const STAGING_DIR: &str = "dir: `apps/staging` workspace: `default`";
const STAGING_ID: &str = "apps/staging/default";
const PRODUCTION_DIR: &str = "dir: `apps/production` workspace: `default`";

const APPLY_OUTPUT: &str = "aws_launch_configuration.ecs: Creating...
aws_launch_configuration.ecs: Creation complete after 1s [id=ecs-staging-20261128093000]
aws_autoscaling_group.ecs: Modifying... [id=ecs-staging]
aws_autoscaling_group.ecs: Modifications complete after 2s [id=ecs-staging]
aws_launch_configuration.ecs_old: Destroying... [id=ecs-staging-20261001093000]
aws_launch_configuration.ecs_old: Destruction complete after 0s

Apply complete! Resources: 1 added, 1 changed, 1 destroyed.";

const MERGEABLE_REFUSAL: &str =
    "Pull request must be mergeable before running apply (PR is in state blocked).";

fn atlantis() -> Atlantis {
    Atlantis {
        status_prefix: "atlantis".into(),
        users: vec![BOT.into()],
    }
}

fn status<'a>(context: &'a str, state: &'a str, description: &'a str) -> StatusFact<'a> {
    StatusFact {
        context,
        state,
        description: Some(description),
        target_url: Some(JOB_URL),
        creator: Some(BOT),
    }
}

/// The combined status, which Atlantis sets without a link.
fn combined<'a>(context: &'a str, state: &'a str, description: &'a str) -> StatusFact<'a> {
    StatusFact {
        target_url: Some(""),
        ..status(context, state, description)
    }
}

fn by_atlantis(body: &str) -> CommentFact<'_> {
    CommentFact {
        author: BOT,
        body,
        html_url: COMMENT_URL,
    }
}

fn later_by_atlantis(body: &str) -> CommentFact<'_> {
    CommentFact {
        html_url: LATER_COMMENT_URL,
        ..by_atlantis(body)
    }
}

fn from_statuses(project: Option<&str>, statuses: &[StatusFact<'_>]) -> AtlantisView {
    recognise(&atlantis(), project, statuses, &[])
}

fn from_comments(project: Option<&str>, comments: &[CommentFact<'_>]) -> AtlantisView {
    recognise(&atlantis(), project, &[], comments)
}

// --- Comment bodies, from Atlantis's templates ---------------------------------------------------

fn apply_success(spec: &str) -> String {
    format!("Ran Apply for {spec}\n\n```diff\n{APPLY_OUTPUT}\n```\n")
}

fn apply_success_wrapped(spec: &str) -> String {
    format!(
        "Ran Apply for {spec}\n\n<details><summary>Show Output</summary>\n\n```diff\n{APPLY_OUTPUT}\n```\n</details>\n"
    )
}

fn apply_failed(spec: &str, reason: &str) -> String {
    format!("Ran Apply for {spec}\n\n**Apply Failed**: {reason}\n")
}

fn apply_error_rendered() -> String {
    "**Apply Error**\n```\nrunning \"/usr/local/bin/terraform apply -input=false \\\"/atlantis/repos/acme/infra/42/default/apps/staging/default.tfplan\\\"\" in \"/atlantis/repos/acme/infra/42/default/apps/staging\": exit status 1\n\nError: updating Auto Scaling Group (ecs-staging): ValidationError: You must use a valid fully-formed launch template.\n```".into()
}

fn apply_error(spec: &str) -> String {
    format!("Ran Apply for {spec}\n\n{}\n", apply_error_rendered())
}

fn diff_rendered() -> String {
    format!("```diff\n{APPLY_OUTPUT}\n```")
}

/// `Ran Apply for N projects:` with each `(spec, rendered result)` and the summary footer.
fn multi_apply(results: &[(&str, String)], summary: (usize, usize, usize, usize)) -> String {
    let mut body = format!("Ran Apply for {} projects:\n\n", results.len());
    for (spec, _) in results {
        body.push_str(&format!("1. {spec}\n"));
    }
    body.push('\n');
    for (i, (spec, rendered)) in results.iter().enumerate() {
        body.push_str(&format!("### {}. {spec}\n{rendered}\n\n---\n", i + 1));
    }
    let (n, ok, failed, errored) = summary;
    body.push_str(&format!(
        "### Apply Summary\n\n{n} projects, {ok} successful, {failed} failed, {errored} errored\n"
    ));
    body
}

const SEP_END: &str = "\n```\n</details>\n<br>\n\n**Warning**: Output length greater than max comment size. Continued in next comment.";
const SEP_START: &str = "Continued apply output from previous comment.\n<details><summary>Show Output</summary>\n\n```diff\n";

/// Splits `body` at the given byte offsets the way Atlantis's GitHub client splits long comments.
fn split_at(body: &str, cuts: &[usize]) -> Vec<String> {
    let mut bounds = vec![0];
    bounds.extend_from_slice(cuts);
    bounds.push(body.len());
    let last = bounds.len() - 2;
    (0..=last)
        .map(|i| {
            let chunk = &body[bounds[i]..bounds[i + 1]];
            let start = if i == 0 { "" } else { SEP_START };
            let end = if i == last { "" } else { SEP_END };
            format!("{start}{chunk}{end}")
        })
        .collect()
}

// --- Statuses: the primary signal ----------------------------------------------------------------

#[test]
fn the_per_project_apply_status_success_proves_the_apply_with_its_link() {
    let view = from_statuses(
        Some("staging"),
        &[status(
            "atlantis/apply: staging",
            "success",
            "Apply succeeded.",
        )],
    );
    assert_eq!(view.applied, Mark::Done(Some(JOB_URL.into())));
}

#[test]
fn the_status_prefix_comes_from_config() {
    let custom = Atlantis {
        status_prefix: "infra-atlantis".into(),
        users: vec![BOT.into()],
    };
    let default_prefix = [status(
        "atlantis/apply: staging",
        "success",
        "Apply succeeded.",
    )];
    assert_eq!(
        recognise(&custom, Some("staging"), &default_prefix, &[]).applied,
        Mark::Pending
    );
    let custom_prefix = [status(
        "infra-atlantis/apply: staging",
        "success",
        "Apply succeeded.",
    )];
    assert_eq!(
        recognise(&custom, Some("staging"), &custom_prefix, &[]).applied,
        Mark::Done(Some(JOB_URL.into()))
    );
}

#[test]
fn another_projects_apply_status_proves_nothing_about_this_stage() {
    let view = from_statuses(
        Some("staging"),
        &[status(
            "atlantis/apply: production",
            "success",
            "Apply succeeded.",
        )],
    );
    assert_eq!(view.applied, Mark::Pending);
}

#[test]
fn the_project_id_without_a_name_is_dir_and_workspace() {
    let view = from_statuses(
        Some("./default"),
        &[status(
            "atlantis/apply: ./default",
            "success",
            "Apply succeeded.",
        )],
    );
    assert_eq!(view.applied, Mark::Done(Some(JOB_URL.into())));
}

#[test]
fn the_combined_apply_status_proves_the_apply_when_n_of_n_projects_applied_successfully() {
    let statuses = [combined(
        "atlantis/apply",
        "success",
        "2/2 projects applied successfully.",
    )];
    assert_eq!(
        from_statuses(None, &statuses).applied,
        Mark::Done(None),
        "the combined status has no link"
    );
    assert_eq!(
        from_statuses(Some("staging"), &statuses).applied,
        Mark::Done(None)
    );
}

#[test]
fn trap_1924_zero_of_zero_projects_applied_is_no_apply() {
    let statuses = [combined(
        "atlantis/apply",
        "success",
        "0/0 projects applied successfully.",
    )];
    assert_eq!(from_statuses(None, &statuses).applied, Mark::Pending);
    assert_eq!(
        from_statuses(Some("staging"), &statuses).applied,
        Mark::Pending
    );
}

#[test]
fn trap_4140_projects_up_to_date_is_no_apply() {
    let statuses = [combined(
        "atlantis/apply",
        "success",
        "2/2 projects up to date.",
    )];
    assert_eq!(from_statuses(None, &statuses).applied, Mark::Pending);
}

#[test]
fn a_pending_combined_status_is_no_apply() {
    let statuses = [combined(
        "atlantis/apply",
        "pending",
        "1/2 projects applied.",
    )];
    assert_eq!(from_statuses(None, &statuses).applied, Mark::Pending);
}

#[test]
fn before_v0_45_every_state_read_applied_successfully_so_the_state_decides() {
    let failed = [combined(
        "atlantis/apply",
        "failure",
        "1/2 projects applied successfully.",
    )];
    assert_eq!(from_statuses(None, &failed).applied, Mark::Failed(None));
    let pending = [combined(
        "atlantis/apply",
        "pending",
        "2/2 projects applied successfully.",
    )];
    assert_eq!(from_statuses(None, &pending).applied, Mark::Pending);
}

#[test]
fn the_per_project_status_is_keyed_on_state_not_description() {
    let view = from_statuses(
        Some("staging"),
        &[status(
            "atlantis/apply: staging",
            "failure",
            "Apply succeeded.",
        )],
    );
    assert_eq!(view.applied, Mark::Failed(Some(JOB_URL.into())));
}

#[test]
fn a_failed_per_project_apply_is_shown_failed_with_the_job_link() {
    let view = from_statuses(
        Some("staging"),
        &[status(
            "atlantis/apply: staging",
            "failure",
            "Apply failed.",
        )],
    );
    assert_eq!(view.applied, Mark::Failed(Some(JOB_URL.into())));
}

#[test]
fn a_failed_combined_apply_is_a_failure_unless_the_projects_own_status_says_otherwise() {
    let combined_failure = combined("atlantis/apply", "failure", "1/2 projects failed to apply.");
    assert_eq!(
        from_statuses(Some("staging"), &[combined_failure]).applied,
        Mark::Failed(None)
    );
    assert_eq!(
        from_statuses(None, &[combined_failure]).applied,
        Mark::Failed(None)
    );
    let staging_applied = status("atlantis/apply: staging", "success", "Apply succeeded.");
    assert_eq!(
        from_statuses(Some("staging"), &[combined_failure, staging_applied]).applied,
        Mark::Done(Some(JOB_URL.into())),
        "production failed, staging did not"
    );
}

#[test]
fn an_apply_in_progress_is_not_yet_applied() {
    let view = from_statuses(
        Some("staging"),
        &[status(
            "atlantis/apply: staging",
            "pending",
            "Apply in progress...",
        )],
    );
    assert_eq!(view.applied, Mark::Pending);
}

#[test]
fn only_statuses_written_by_atlantis_count() {
    let forged = StatusFact {
        creator: Some("mallory"),
        ..status("atlantis/apply: staging", "success", "Apply succeeded.")
    };
    assert_eq!(
        from_statuses(Some("staging"), &[forged]).applied,
        Mark::Pending
    );
    let unknown_creator = StatusFact {
        creator: None,
        ..forged
    };
    assert_eq!(
        from_statuses(Some("staging"), &[unknown_creator]).applied,
        Mark::Pending
    );
}

#[test]
fn atlantis_logins_compare_case_insensitively_and_app_logins_work() {
    let config = Atlantis {
        status_prefix: "atlantis".into(),
        users: vec!["Acme-Atlantis[bot]".into()],
    };
    let by_app = StatusFact {
        creator: Some("acme-atlantis[bot]"),
        ..status("atlantis/apply: staging", "success", "Apply succeeded.")
    };
    assert_eq!(
        recognise(&config, Some("staging"), &[by_app], &[]).applied,
        Mark::Done(Some(JOB_URL.into()))
    );
}

#[test]
fn with_no_atlantis_users_configured_statuses_from_anyone_count() {
    let config = Atlantis {
        status_prefix: "atlantis".into(),
        users: vec![],
    };
    let by_anyone = StatusFact {
        creator: Some("someone"),
        ..status("atlantis/apply: staging", "success", "Apply succeeded.")
    };
    assert_eq!(
        recognise(&config, Some("staging"), &[by_anyone], &[]).applied,
        Mark::Done(Some(JOB_URL.into()))
    );
}

#[test]
fn when_a_context_appears_twice_the_newest_first_one_wins() {
    let statuses = [
        status("atlantis/apply: staging", "success", "Apply succeeded."),
        status("atlantis/apply: staging", "failure", "Apply failed."),
    ];
    assert_eq!(
        from_statuses(Some("staging"), &statuses).applied,
        Mark::Done(Some(JOB_URL.into()))
    );
}

#[test]
fn a_status_without_a_link_gives_a_mark_without_a_link() {
    let no_url = StatusFact {
        target_url: None,
        ..status("atlantis/apply: staging", "success", "Apply succeeded.")
    };
    assert_eq!(
        from_statuses(Some("staging"), &[no_url]).applied,
        Mark::Done(None)
    );
}

// --- Planned ---------------------------------------------------------------------------------------

#[test]
fn the_plan_is_read_from_the_plan_statuses() {
    let per_project = [status(
        "atlantis/plan: staging",
        "success",
        "Plan succeeded.",
    )];
    assert_eq!(
        from_statuses(Some("staging"), &per_project).planned,
        Mark::Done(Some(JOB_URL.into()))
    );
    let all_planned = [combined(
        "atlantis/plan",
        "success",
        "2/2 projects planned successfully.",
    )];
    assert_eq!(from_statuses(None, &all_planned).planned, Mark::Done(None));
    let nothing_planned = [combined(
        "atlantis/plan",
        "success",
        "0/0 projects planned successfully.",
    )];
    assert_eq!(from_statuses(None, &nothing_planned).planned, Mark::Pending);
    let failed = [status("atlantis/plan: staging", "failure", "Plan failed.")];
    assert_eq!(
        from_statuses(Some("staging"), &failed).planned,
        Mark::Failed(Some(JOB_URL.into()))
    );
}

#[test]
fn a_plan_is_not_an_apply() {
    let statuses = [status(
        "atlantis/plan: staging",
        "success",
        "Plan succeeded.",
    )];
    let plan_comment = format!(
        "Ran Plan for project: `staging` {STAGING_DIR}\n\n```diff\n+ resource \"aws_launch_configuration\" \"ecs\" {{\n```\n\n* :arrow_forward: To **apply** this plan, comment:\n    * `atlantis apply -p staging`\n"
    );
    let view = recognise(
        &atlantis(),
        Some("staging"),
        &statuses,
        &[by_atlantis(&plan_comment)],
    );
    assert_eq!(view.applied, Mark::Pending);
    assert_eq!(view.planned, Mark::Done(Some(JOB_URL.into())));
}

// --- Comments: the secondary signal ----------------------------------------------------------------

#[test]
fn a_single_project_apply_comment_proves_the_apply_with_the_comment_link() {
    let body = apply_success(STAGING_DIR);
    assert_eq!(
        from_comments(Some(STAGING_ID), &[by_atlantis(&body)]).applied,
        Mark::Done(Some(COMMENT_URL.into()))
    );
}

#[test]
fn a_named_project_is_known_by_its_name() {
    let body = apply_success(&format!("project: `staging` {STAGING_DIR}"));
    assert_eq!(
        from_comments(Some("staging"), &[by_atlantis(&body)]).applied,
        Mark::Done(Some(COMMENT_URL.into()))
    );
    assert_eq!(
        from_comments(Some(STAGING_ID), &[by_atlantis(&body)]).applied,
        Mark::Pending,
        "Atlantis's id for a named project is its name"
    );
}

#[test]
fn the_root_dir_is_dot_slash_default() {
    let body = apply_success("dir: `.` workspace: `default`");
    assert_eq!(
        from_comments(Some("./default"), &[by_atlantis(&body)]).applied,
        Mark::Done(Some(COMMENT_URL.into()))
    );
}

#[test]
fn long_output_inside_show_output_still_counts() {
    let body = apply_success_wrapped(STAGING_DIR);
    assert_eq!(
        from_comments(Some(STAGING_ID), &[by_atlantis(&body)]).applied,
        Mark::Done(Some(COMMENT_URL.into()))
    );
}

#[test]
fn an_apply_comment_for_another_project_counts_only_when_no_project_is_configured() {
    let body = apply_success(PRODUCTION_DIR);
    assert_eq!(
        from_comments(Some(STAGING_ID), &[by_atlantis(&body)]).applied,
        Mark::Pending
    );
    assert_eq!(
        from_comments(None, &[by_atlantis(&body)]).applied,
        Mark::Done(Some(COMMENT_URL.into()))
    );
}

#[test]
fn apply_failed_and_apply_error_are_failures_with_the_comment_link() {
    let failed = apply_failed(
        STAGING_DIR,
        "This project is currently locked by an unapplied plan from pull #123.",
    );
    assert_eq!(
        from_comments(Some(STAGING_ID), &[by_atlantis(&failed)]).applied,
        Mark::Failed(Some(COMMENT_URL.into()))
    );
    let errored = apply_error(STAGING_DIR);
    assert_eq!(
        from_comments(Some(STAGING_ID), &[by_atlantis(&errored)]).applied,
        Mark::Failed(Some(COMMENT_URL.into()))
    );
    let errored_without_header = format!("{}\n", apply_error_rendered());
    assert_eq!(
        from_comments(Some(STAGING_ID), &[by_atlantis(&errored_without_header)]).applied,
        Mark::Failed(Some(COMMENT_URL.into())),
        "a command-level error names no project: the whole apply failed"
    );
}

#[test]
fn a_later_success_overrides_an_earlier_failure() {
    let errored = apply_error(STAGING_DIR);
    let applied = apply_success(STAGING_DIR);
    assert_eq!(
        from_comments(
            Some(STAGING_ID),
            &[by_atlantis(&errored), later_by_atlantis(&applied)]
        )
        .applied,
        Mark::Done(Some(LATER_COMMENT_URL.into()))
    );
    let statuses = [status(
        "atlantis/apply: staging",
        "success",
        "Apply succeeded.",
    )];
    let failed_before = apply_error(&format!("project: `staging` {STAGING_DIR}"));
    assert_eq!(
        recognise(
            &atlantis(),
            Some("staging"),
            &statuses,
            &[by_atlantis(&failed_before)]
        )
        .applied,
        Mark::Done(Some(JOB_URL.into())),
        "the status is the current state"
    );
}

#[test]
fn any_proof_of_an_apply_counts_even_while_the_status_lags() {
    let statuses = [status(
        "atlantis/apply: staging",
        "pending",
        "Apply in progress...",
    )];
    let applied = apply_success(&format!("project: `staging` {STAGING_DIR}"));
    assert_eq!(
        recognise(
            &atlantis(),
            Some("staging"),
            &statuses,
            &[by_atlantis(&applied)]
        )
        .applied,
        Mark::Done(Some(COMMENT_URL.into()))
    );
}

#[test]
fn the_gate_refusal_is_no_apply_failure_in_all_its_variants() {
    for reason in [
        MERGEABLE_REFUSAL,
        "Pull request must be mergeable before running apply.",
        "Pull request must be mergeable before running apply (PR is in state blocked, and cannot bypass mergeable requirements).",
    ] {
        let refused = apply_failed(STAGING_DIR, reason);
        let view = from_comments(Some(STAGING_ID), &[by_atlantis(&refused)]);
        assert_eq!(view.applied, Mark::Pending, "{reason}");
        assert_eq!(
            view.refusal,
            Some(Refusal {
                reason: reason.into(),
                link: Some(COMMENT_URL.into()),
            })
        );
        let headerless = format!("**Apply Failed**: {reason}");
        let view = from_comments(Some(STAGING_ID), &[by_atlantis(&headerless)]);
        assert_eq!(view.applied, Mark::Pending, "{reason}");
        assert!(view.refusal.is_some(), "{reason}");
    }
}

#[test]
fn a_refusal_keeps_an_earlier_failure_and_a_later_apply_clears_it() {
    let errored = apply_error(STAGING_DIR);
    let refused = apply_failed(STAGING_DIR, MERGEABLE_REFUSAL);
    let view = from_comments(
        Some(STAGING_ID),
        &[by_atlantis(&errored), later_by_atlantis(&refused)],
    );
    assert_eq!(view.applied, Mark::Failed(Some(COMMENT_URL.into())));
    assert!(view.refusal.is_some());

    let applied = apply_success(STAGING_DIR);
    let view = from_comments(
        Some(STAGING_ID),
        &[by_atlantis(&refused), later_by_atlantis(&applied)],
    );
    assert_eq!(view.applied, Mark::Done(Some(LATER_COMMENT_URL.into())));
    assert_eq!(view.refusal, None);
}

#[test]
fn a_refusal_is_forgotten_once_a_status_proves_the_apply() {
    let refused = apply_failed(
        &format!("project: `staging` {STAGING_DIR}"),
        MERGEABLE_REFUSAL,
    );
    let statuses = [status(
        "atlantis/apply: staging",
        "success",
        "Apply succeeded.",
    )];
    let view = recognise(
        &atlantis(),
        Some("staging"),
        &statuses,
        &[by_atlantis(&refused)],
    );
    assert_eq!(view.refusal, None);
}

#[test]
fn a_multi_project_comment_reports_each_project_on_its_own() {
    let body = multi_apply(
        &[
            (STAGING_DIR, diff_rendered()),
            (PRODUCTION_DIR, apply_error_rendered()),
        ],
        (2, 1, 0, 1),
    );
    assert_eq!(
        from_comments(Some(STAGING_ID), &[by_atlantis(&body)]).applied,
        Mark::Done(Some(COMMENT_URL.into()))
    );
    assert_eq!(
        from_comments(Some("apps/production/default"), &[by_atlantis(&body)]).applied,
        Mark::Failed(Some(COMMENT_URL.into()))
    );
    assert_eq!(
        from_comments(None, &[by_atlantis(&body)]).applied,
        Mark::Failed(Some(COMMENT_URL.into())),
        "with no project configured, the pull request's apply failed"
    );
}

#[test]
fn with_no_project_configured_a_multi_project_comment_counts_only_if_all_succeeded() {
    let all = multi_apply(
        &[
            (STAGING_DIR, diff_rendered()),
            (PRODUCTION_DIR, diff_rendered()),
        ],
        (2, 2, 0, 0),
    );
    assert_eq!(
        from_comments(None, &[by_atlantis(&all)]).applied,
        Mark::Done(Some(COMMENT_URL.into()))
    );
    let one_refused = multi_apply(
        &[
            (STAGING_DIR, diff_rendered()),
            (
                PRODUCTION_DIR,
                format!("**Apply Failed**: {MERGEABLE_REFUSAL}"),
            ),
        ],
        (2, 1, 1, 0),
    );
    let view = from_comments(None, &[by_atlantis(&one_refused)]);
    assert_eq!(view.applied, Mark::Pending);
    assert!(view.refusal.is_some());
}

#[test]
fn named_projects_in_a_multi_project_comment() {
    let body = multi_apply(
        &[
            (
                "project: `staging` dir: `apps` workspace: `staging`",
                diff_rendered(),
            ),
            (
                "project: `production` dir: `apps` workspace: `production`",
                format!("**Apply Failed**: {MERGEABLE_REFUSAL}"),
            ),
        ],
        (2, 1, 1, 0),
    );
    let staging = from_comments(Some("staging"), &[by_atlantis(&body)]);
    assert_eq!(staging.applied, Mark::Done(Some(COMMENT_URL.into())));
    assert_eq!(staging.refusal, None);
    let production = from_comments(Some("production"), &[by_atlantis(&body)]);
    assert_eq!(production.applied, Mark::Pending);
    assert!(production.refusal.is_some());
}

// --- Who counts as Atlantis ------------------------------------------------------------------------

#[test]
fn only_comments_written_by_atlantis_count() {
    let quoted = apply_success(STAGING_DIR);
    let by_a_human = CommentFact {
        author: "mallory",
        ..by_atlantis(&quoted)
    };
    assert_eq!(
        from_comments(Some(STAGING_ID), &[by_a_human]).applied,
        Mark::Pending
    );
}

#[test]
fn with_no_atlantis_users_configured_comments_never_count() {
    let config = Atlantis {
        status_prefix: "atlantis".into(),
        users: vec![],
    };
    let body = apply_success(STAGING_DIR);
    assert_eq!(
        recognise(&config, Some(STAGING_ID), &[], &[by_atlantis(&body)]).applied,
        Mark::Pending
    );
}

#[test]
fn a_comment_without_a_link_gives_a_mark_without_a_link() {
    let body = apply_success(STAGING_DIR);
    let no_url = CommentFact {
        html_url: "",
        ..by_atlantis(&body)
    };
    assert_eq!(
        from_comments(Some(STAGING_ID), &[no_url]).applied,
        Mark::Done(None)
    );
}

// --- Long output split across comments ----------------------------------------------------------

#[test]
fn a_long_apply_split_across_comments_is_read_as_one() {
    let body = apply_success_wrapped(STAGING_DIR);
    let parts = split_at(&body, &[90, 200, 400]);
    let comments: Vec<_> = parts.iter().map(|part| by_atlantis(part)).collect();
    assert_eq!(
        from_comments(Some(STAGING_ID), &comments).applied,
        Mark::Done(Some(COMMENT_URL.into())),
        "linked to the first part, which holds the header"
    );
}

#[test]
fn a_cut_between_the_header_and_the_error_never_reads_as_a_success() {
    let body = apply_error(STAGING_DIR);
    let cut = body.find("**Apply Error**").unwrap();
    let parts = split_at(&body, &[cut]);
    let comments: Vec<_> = parts.iter().map(|part| by_atlantis(part)).collect();
    assert_eq!(
        from_comments(Some(STAGING_ID), &comments).applied,
        Mark::Failed(Some(COMMENT_URL.into()))
    );
    assert_eq!(
        from_comments(Some(STAGING_ID), &comments[..1]).applied,
        Mark::Pending,
        "the first part alone proves nothing"
    );
}

#[test]
fn a_section_heading_cut_in_two_is_joined_back() {
    let body = multi_apply(
        &[
            (PRODUCTION_DIR, apply_error_rendered()),
            (STAGING_DIR, diff_rendered()),
        ],
        (2, 1, 0, 1),
    );
    let heading = body.find("### 2. dir: `apps/staging`").unwrap();
    let parts = split_at(&body, &[heading + 12, heading + 40]);
    let comments: Vec<_> = parts.iter().map(|part| by_atlantis(part)).collect();
    assert_eq!(
        from_comments(Some(STAGING_ID), &comments).applied,
        Mark::Done(Some(COMMENT_URL.into()))
    );
    assert_eq!(
        from_comments(Some("apps/production/default"), &comments).applied,
        Mark::Failed(Some(COMMENT_URL.into()))
    );
}

#[test]
fn every_cut_of_a_split_comment_reads_the_same() {
    let success = multi_apply(
        &[
            (STAGING_DIR, diff_rendered()),
            (PRODUCTION_DIR, apply_error_rendered()),
        ],
        (2, 1, 0, 1),
    );
    let cuts: Vec<usize> = (1..success.len())
        .filter(|i| success.is_char_boundary(*i))
        .collect();
    for cut in cuts {
        let parts = split_at(&success, &[cut]);
        let comments: Vec<_> = parts.iter().map(|part| by_atlantis(part)).collect();
        assert_eq!(
            from_comments(Some(STAGING_ID), &comments).applied,
            Mark::Done(Some(COMMENT_URL.into())),
            "cut at {cut}"
        );
        assert_eq!(
            from_comments(Some("apps/production/default"), &comments).applied,
            Mark::Failed(Some(COMMENT_URL.into())),
            "cut at {cut}"
        );
    }
}

#[test]
fn a_continuation_without_its_header_is_ignored() {
    let earlier_failure = apply_error(STAGING_DIR);
    let orphan = format!(
        "{SEP_START}aws_autoscaling_group.ecs: Modifications complete after 2s\n\nApply complete! Resources: 1 added, 1 changed, 1 destroyed.\n```\n</details>\n"
    );
    let view = from_comments(
        Some(STAGING_ID),
        &[by_atlantis(&earlier_failure), later_by_atlantis(&orphan)],
    );
    assert_eq!(
        view.applied,
        Mark::Failed(Some(COMMENT_URL.into())),
        "the orphan part neither succeeds nor joins the finished message before it"
    );
}

// --- Wording Atlantis was told to change ----------------------------------------------------------

#[test]
fn localised_comments_are_ignored_and_statuses_still_work() {
    let spanish = format!(
        "Se ejecutó Apply para directorio: `apps/staging` espacio de trabajo: `default`\n\n```diff\n{APPLY_OUTPUT}\n```\n"
    );
    assert_eq!(
        from_comments(Some(STAGING_ID), &[by_atlantis(&spanish)]).applied,
        Mark::Pending
    );
    let statuses = [status(
        "atlantis/apply: apps/staging/default",
        "success",
        "Apply succeeded.",
    )];
    assert_eq!(
        recognise(
            &atlantis(),
            Some(STAGING_ID),
            &statuses,
            &[by_atlantis(&spanish)]
        )
        .applied,
        Mark::Done(Some(JOB_URL.into()))
    );
}

#[test]
fn templated_comments_are_ignored() {
    let templated = format!(
        "## :white_check_mark: Applied apps/staging (default)\n\n```diff\n{APPLY_OUTPUT}\n```\n"
    );
    assert_eq!(
        from_comments(None, &[by_atlantis(&templated)]).applied,
        Mark::Pending
    );
}

#[test]
fn automerge_and_other_atlantis_chatter_prove_nothing() {
    let chatter = [
        "Automatically merging because all plans have been successfully applied.",
        "Locks and plans deleted for the projects and workspaces modified in this pull request:\n\n- dir: `apps/staging` workspaces: `default`",
        "**Error**: Running `atlantis apply` without flags is disabled. You must specify which project to apply via the `-d <dir>`, `-w <workspace>` or `-p <project name>` flags.",
    ];
    let comments: Vec<_> = chatter.iter().map(|body| by_atlantis(body)).collect();
    assert_eq!(from_comments(None, &comments).applied, Mark::Pending);
}

// --- Never panics ---------------------------------------------------------------------------------

#[test]
fn truncated_and_spliced_realistic_comments_never_panic() {
    let bodies = [
        apply_success_wrapped("project: `stägïng` dir: `äpps` workspace: `défault`"),
        multi_apply(
            &[
                (STAGING_DIR, diff_rendered()),
                (PRODUCTION_DIR, apply_error_rendered()),
            ],
            (2, 1, 0, 1),
        ),
        apply_failed(STAGING_DIR, MERGEABLE_REFUSAL),
    ];
    for body in &bodies {
        for (i, _) in body.char_indices() {
            let (head, tail) = body.split_at(i);
            for project in [None, Some(STAGING_ID), Some("stägïng")] {
                let _ = from_comments(project, &[by_atlantis(head), by_atlantis(tail)]);
                let _ = from_comments(project, &[by_atlantis(tail), by_atlantis(head)]);
            }
        }
    }
}

fn markdownish() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "Ran Apply for ",
        "Ran Apply for 2 projects:\n",
        "dir: `",
        "project: `",
        "` workspace: `",
        "`",
        "1. ",
        "### ",
        "### Apply Summary\n",
        "2 projects, 2 successful, 0 failed, 0 errored",
        "```diff\n",
        "```\n",
        "**Apply Failed**: ",
        "**Apply Error**\n",
        "Pull request must be mergeable before running apply.",
        SEP_END,
        SEP_START,
        "Continued from previous comment.\n",
        "Command output is larger than the maximum number of comments per command. Output truncated.",
        "\n",
        "\r\n",
        "é",
        "apps/staging",
        "default",
        "Apply complete!",
    ]);
    (
        prop::collection::vec(pieces, 0..24),
        prop::collection::vec(any::<char>(), 0..8),
    )
        .prop_map(|(pieces, noise)| {
            let mut text: String = pieces.concat();
            let at = noise.len().min(text.chars().count());
            let insert_at = text.char_indices().nth(at).map_or(text.len(), |(i, _)| i);
            text.insert_str(insert_at, &noise.iter().collect::<String>());
            text
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn any_input_gives_an_answer_without_panicking(
        bodies in prop::collection::vec(markdownish(), 0..5),
        garbage in any::<String>(),
        context in prop::sample::select(vec![
            "atlantis/apply", "atlantis/apply: staging", "atlantis/plan", "atlantis/plan: staging", "",
        ]),
        state in prop::sample::select(vec!["success", "failure", "pending", "error", ""]),
        description in any::<String>(),
        project in prop::option::of(prop::sample::select(vec!["staging", "apps/staging/default", ""])),
    ) {
        let mut comments: Vec<CommentFact<'_>> = bodies.iter().map(|body| by_atlantis(body)).collect();
        comments.push(by_atlantis(&garbage));
        let statuses = [
            combined(context, state, &description),
            StatusFact { description: Some(&garbage), ..status(context, state, "") },
        ];
        let view = recognise(&atlantis(), project, &statuses, &comments);
        if let Some(refusal) = &view.refusal {
            prop_assert!(!matches!(view.applied, Mark::Done(_)));
            prop_assert!(refusal.reason.chars().count() <= 300);
        }
    }
}
