//! Each fixture (a real payload from `@octokit/webhooks-examples`) converts into the event amiroll
//! expects; unknown events and actions are ignored; broken payloads of handled events are errors.

use super::*;
use crate::github::ids::{CheckRunId, CommentId};

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/fixtures/github/{name}.json", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|err| panic!("cannot read {path}: {err}"))
}

fn convert(event: &str, fixture_name: &str) -> Event {
    match from_webhook(event, &fixture(fixture_name)).unwrap() {
        Conversion::Event(event) => *event,
        Conversion::Ignored(why) => panic!("{fixture_name} was ignored: {why}"),
    }
}

fn repo(name: &str) -> RepoName {
    name.parse().unwrap()
}

fn sha(hex: &str) -> crate::github::ids::CommitSha {
    hex.parse().unwrap()
}

#[test]
fn an_opened_pull_request_keeps_what_the_rollout_needs() {
    let Event::PullRequest(event) = convert("pull_request", "pull_request.opened") else {
        panic!("not a pull_request event");
    };
    assert_eq!(event.action, PullRequestAction::Opened);
    assert_eq!(event.repository, repo("Codertocat/Hello-World"));
    assert_eq!(event.installation, Some(InstallationId(1)));
    assert_eq!(event.sender, "Codertocat");
    let pr = &event.pull_request;
    assert_eq!(pr.number, PullRequestNumber(2));
    assert_eq!(pr.head_sha, sha("ec26c3e57ca3a959ca5aad62de7213c562f8c821"));
    assert_eq!(pr.head_ref, "changes");
    assert_eq!(pr.base_ref, "master");
    assert_eq!(pr.head_repository, Some(repo("Codertocat/Hello-World")));
    assert_eq!(pr.state, "open");
    assert!(!pr.merged);
    assert!(!pr.draft);
}

#[test]
fn a_closed_pull_request_says_whether_it_was_merged() {
    let Event::PullRequest(event) = convert("pull_request", "pull_request.closed") else {
        panic!("not a pull_request event");
    };
    assert_eq!(event.action, PullRequestAction::Closed);
    assert!(!event.pull_request.merged);

    let mut payload: serde_json::Value =
        serde_json::from_slice(&fixture("pull_request.closed")).unwrap();
    payload["pull_request"]["merged"] = serde_json::Value::Bool(true);
    let body = serde_json::to_vec(&payload).unwrap();
    let Conversion::Event(event) = from_webhook("pull_request", &body).unwrap() else {
        panic!("ignored");
    };
    let Event::PullRequest(event) = *event else {
        panic!("not a pull_request event");
    };
    assert!(event.pull_request.merged);
}

#[test]
fn a_synchronize_is_handled_and_a_label_is_ignored() {
    let event = convert("pull_request", "pull_request.synchronize");
    assert_eq!(event.name(), "pull_request");
    assert_eq!(
        event.lane(),
        Lane::Repository(repo("Codertocat/Hello-World"))
    );
    assert_eq!(event.pull_request(), Some(PullRequestNumber(2)));

    let ignored = from_webhook("pull_request", &fixture("pull_request.labeled")).unwrap();
    assert_eq!(
        ignored,
        Conversion::Ignored(Ignored::Action("labeled".into()))
    );
}

#[test]
fn a_review_carries_its_verdict_and_commit() {
    let Event::PullRequestReview(event) =
        convert("pull_request_review", "pull_request_review.submitted")
    else {
        panic!("not a review event");
    };
    assert_eq!(event.action, ReviewAction::Submitted);
    assert_eq!(event.review.id, 237895671);
    assert_eq!(event.review.state, ReviewState::Commented);
    assert_eq!(event.review.author, "Codertocat");
    assert_eq!(
        event.review.commit_id,
        Some(sha("ec26c3e57ca3a959ca5aad62de7213c562f8c821"))
    );
    assert_eq!(event.pull_request.number, PullRequestNumber(2));
}

#[test]
fn a_comment_carries_its_body_and_whether_it_is_on_a_pull_request() {
    let Event::IssueComment(event) = convert("issue_comment", "issue_comment.created") else {
        panic!("not an issue_comment event");
    };
    assert_eq!(event.action, CommentAction::Created);
    assert_eq!(event.number, PullRequestNumber(1));
    assert!(
        !event.on_pull_request,
        "the fixture comments on a plain issue"
    );
    assert_eq!(event.comment.id, CommentId(492700400));
    assert_eq!(
        event.comment.body,
        "You are totally right! I'll get this fixed right away."
    );
    assert!(!event.comment.author_is_bot);

    let mut payload: serde_json::Value =
        serde_json::from_slice(&fixture("issue_comment.created")).unwrap();
    payload["issue"]["pull_request"] = serde_json::json!({"url": "https://api.github.com/x"});
    payload["comment"]["user"]["type"] = "Bot".into();
    let Conversion::Event(event) =
        from_webhook("issue_comment", &serde_json::to_vec(&payload).unwrap()).unwrap()
    else {
        panic!("ignored");
    };
    let Event::IssueComment(event) = *event else {
        panic!("not an issue_comment event");
    };
    assert!(event.on_pull_request);
    assert!(event.comment.author_is_bot);
}

#[test]
fn a_status_carries_context_state_and_commit() {
    let Event::Status(event) = convert("status", "status") else {
        panic!("not a status event");
    };
    assert_eq!(event.sha, sha("6113728f27ae82c7b1a177c8d03f9e96e0adf246"));
    assert_eq!(event.context, "default");
    assert_eq!(event.state, StatusState::Success);
    assert_eq!(event.description, None);
    assert_eq!(event.target_url, None);
    assert_eq!(event.branches, ["master", "changes", "gh-pages"]);
    assert_eq!(event.sender, "Codertocat");
}

#[test]
fn a_check_run_button_press_names_the_button_and_the_pull_request() {
    let Event::CheckRun(event) = convert("check_run", "check_run.requested_action") else {
        panic!("not a check_run event");
    };
    assert_eq!(event.action, CheckRunAction::RequestedAction);
    assert_eq!(event.requested_action.as_deref(), Some("lgtm|26764"));
    assert_eq!(event.check_run.id, CheckRunId(1494503112));
    assert_eq!(event.check_run.name, "API Review");
    assert_eq!(event.check_run.app_id, Some(25811));
    assert_eq!(event.check_run.external_id, None);
    assert_eq!(event.installation, Some(InstallationId(690857)));
    assert_eq!(
        Event::CheckRun(event).pull_request(),
        Some(PullRequestNumber(26764))
    );
}

#[test]
fn a_completed_check_run_carries_its_conclusion() {
    let Event::CheckRun(event) = convert("check_run", "check_run.completed") else {
        panic!("not a check_run event");
    };
    assert_eq!(event.action, CheckRunAction::Completed);
    assert_eq!(event.check_run.conclusion.as_deref(), Some("failure"));
    assert_eq!(
        event.installation, None,
        "a repository webhook has no installation"
    );
}

#[test]
fn a_check_suite_request_carries_its_head() {
    let Event::CheckSuite(event) = convert("check_suite", "check_suite.requested") else {
        panic!("not a check_suite event");
    };
    assert_eq!(event.action, CheckSuiteAction::Requested);
    assert_eq!(event.check_suite.id, 118578174);
    assert_eq!(event.check_suite.head_branch.as_deref(), Some("master"));
    assert_eq!(event.check_suite.app_id, Some(29310));
    assert!(event.check_suite.pull_requests.is_empty());
}

#[test]
fn a_push_knows_its_ref_and_the_default_branch() {
    let Event::Push(event) = convert("push", "push") else {
        panic!("not a push event");
    };
    assert_eq!(event.git_ref, "refs/tags/simple-tag");
    assert!(event.deleted);
    assert_eq!(event.branch(), None);
    assert!(!event.is_to_default_branch());
    assert_eq!(event.default_branch, "master");
    assert_eq!(event.after, sha("0000000000000000000000000000000000000000"));
}

#[test]
fn installation_events_list_repositories_and_use_the_installation_lane() {
    let event = convert("installation", "installation.created");
    assert_eq!(event.lane(), Lane::Installation(InstallationId(957387)));
    let Event::Installation(event) = event else {
        panic!("not an installation event");
    };
    assert_eq!(event.action, InstallationAction::Created);
    assert_eq!(event.account, "Codertocat");
    assert_eq!(event.repositories, vec![repo("Codertocat/Hello-World")]);

    let Event::Installation(deleted) = convert("installation", "installation.deleted") else {
        panic!("not an installation event");
    };
    assert_eq!(deleted.action, InstallationAction::Deleted);

    let Event::InstallationRepositories(added) = convert(
        "installation_repositories",
        "installation_repositories.added",
    ) else {
        panic!("not an installation_repositories event");
    };
    assert_eq!(added.action, InstallationRepositoriesAction::Added);
    assert_eq!(added.added, vec![repo("Codertocat/Space")]);
    assert!(added.removed.is_empty());

    let Event::InstallationRepositories(removed) = convert(
        "installation_repositories",
        "installation_repositories.removed",
    ) else {
        panic!("not an installation_repositories event");
    };
    assert_eq!(removed.removed, vec![repo("octocat/Hello-World")]);
    assert_eq!(removed.repository_selection, "selected");
}

#[test]
fn unknown_events_are_ignored_whatever_their_body() {
    assert_eq!(
        from_webhook("ping", &fixture("ping")).unwrap(),
        Conversion::Ignored(Ignored::Event)
    );
    assert_eq!(
        from_webhook("star", b"not even json").unwrap(),
        Conversion::Ignored(Ignored::Event)
    );
}

#[test]
fn a_broken_payload_of_a_handled_event_is_malformed() {
    for (event, body) in [
        ("pull_request", &b"not json"[..]),
        ("pull_request", br#"{"action":"opened"}"#),
        ("pull_request", br#"{"number":1}"#),
        ("status", br#"{"sha":"abc"}"#),
        ("push", b"[]"),
    ] {
        let err = from_webhook(event, body).unwrap_err();
        assert_eq!(err.event, event, "{err}");
    }
}

#[test]
fn a_malformed_repository_name_or_sha_is_refused() {
    let mut payload: serde_json::Value =
        serde_json::from_slice(&fixture("pull_request.opened")).unwrap();
    payload["pull_request"]["head"]["sha"] = "not-a-sha".into();
    assert!(from_webhook("pull_request", &serde_json::to_vec(&payload).unwrap()).is_err());

    let mut payload: serde_json::Value = serde_json::from_slice(&fixture("status")).unwrap();
    payload["repository"]["full_name"] = "no-slash".into();
    assert!(from_webhook("status", &serde_json::to_vec(&payload).unwrap()).is_err());
}
