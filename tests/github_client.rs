//! Stories of amiroll's GitHub adapter (octocrab underneath) against the simulated GitHub: App
//! authentication and installation tokens, recovery from every fault GitHub is known for, GitHub
//! Enterprise Server's URL layout, byte-exact files, and the whole vocabulary the rollout uses.

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use amiroll::github::retry::RetryPolicy;
use amiroll::github::types::{
    CheckConclusion, CheckRunOutput, CheckStatus, FileChange, NewPullRequest, PullRequestState,
};
use amiroll::github::{
    ClientSettings, GitHubApp, GitHubClient, GitHubError, InstallationClient, OctocrabApp,
    PullRequestNumber, RepoName,
};
use amiroll::metrics::Metrics;
use support::github::{Fault, SimGitHub};

const REPO: &str = "acme/infra";
const INSTALLATION: u64 = 7;
const PULL_ROUTE: &str = "GET /repos/{owner}/{repo}/pulls/{pull_number}";
const REPO_ROUTE: &str = "GET /repos/{owner}/{repo}";
const TOKEN_ROUTE: &str = "POST /app/installations/{installation_id}/access_tokens";

fn settings(sim: &SimGitHub) -> ClientSettings {
    ClientSettings {
        retry: RetryPolicy::fast(),
        mutation_spacing: Duration::ZERO,
        ..ClientSettings::new(sim.api_url())
    }
}

/// A simulation with one installation and one repository holding `stacks/main.tf`.
async fn scene(prefix: &str) -> SimGitHub {
    let sim = SimGitHub::start_with_prefix(prefix).await;
    sim.add_installation(INSTALLATION, "acme");
    sim.add_repo(
        INSTALLATION,
        REPO,
        "main",
        &[("stacks/main.tf", b"ami = \"ami-0old\"\n")],
    );
    sim
}

fn client(sim: &SimGitHub, metrics: Option<Metrics>) -> (OctocrabApp, InstallationClient) {
    let app = OctocrabApp::new(&sim.credentials(), settings(sim), metrics).unwrap();
    let client = app
        .installation(amiroll::github::InstallationId(INSTALLATION))
        .unwrap();
    (app, client)
}

fn repo() -> RepoName {
    REPO.parse().unwrap()
}

#[tokio::test]
async fn the_installation_token_is_minted_once_and_reused_across_calls_and_clones() {
    let sim = scene("").await;
    let (app, client) = client(&sim, None);

    let head = client.default_branch(&repo()).await.unwrap();
    assert_eq!(head.name, "main");
    client.open_pull_requests(&repo()).await.unwrap();
    let again = app
        .installation(amiroll::github::InstallationId(INSTALLATION))
        .unwrap();
    again.file(&repo(), "stacks/main.tf", "main").await.unwrap();

    assert_eq!(sim.tokens_minted(), 1);
    assert_eq!(sim.calls(TOKEN_ROUTE), 1);
    let (iss, iat, exp) = sim.last_jwt().expect("the App authenticated with a JWT");
    assert_eq!(iss, support::github::APP_ID);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert!(
        iat + 55 <= now,
        "iat should be about 60 s in the past (clock drift)"
    );
    assert!(exp - iat <= 600, "a JWT may live at most 10 minutes");
    sim.assert_no_unexpected_calls();
}

#[tokio::test]
async fn a_token_github_no_longer_accepts_is_replaced_and_the_call_succeeds() {
    let sim = scene("").await;
    let (_app, client) = client(&sim, None);
    client.default_branch(&repo()).await.unwrap();

    sim.expire_tokens();
    let head = client.default_branch(&repo()).await.unwrap();

    assert_eq!(head.name, "main");
    assert_eq!(sim.tokens_minted(), 2);
    sim.assert_no_unexpected_calls();
}

#[tokio::test]
async fn a_token_close_to_expiry_is_renewed_before_it_is_used() {
    let sim = scene("").await;
    // Shorter than the five-minute renewal margin: every token is already "about to expire".
    sim.set_token_lifetime(Duration::from_secs(120));
    let (_app, client) = client(&sim, None);

    client.branch(&repo(), "main").await.unwrap();
    client.branch(&repo(), "main").await.unwrap();

    assert_eq!(sim.tokens_minted(), 2);
    sim.assert_no_unexpected_calls();
}

#[tokio::test]
async fn every_fault_github_is_known_for_is_recovered() {
    let sim = scene("").await;
    let metrics = Metrics::new();
    let (_app, client) = client(&sim, Some(metrics.clone()));
    client.default_branch(&repo()).await.unwrap();

    let faults = [
        Fault::ServerError(500),
        Fault::ServerError(502),
        Fault::SecondaryRateLimit {
            retry_after_secs: 1,
        },
        Fault::PrimaryRateLimit { reset_in_secs: 1 },
    ];
    for fault in faults {
        let before = sim.calls(REPO_ROUTE);
        sim.fail_next(REPO_ROUTE, 2, fault.clone());
        let head = client.default_branch(&repo()).await;
        assert_eq!(
            head.unwrap_or_else(|e| panic!("{fault:?}: {e}")).name,
            "main"
        );
        assert_eq!(
            sim.calls(REPO_ROUTE),
            before + 3,
            "{fault:?}: two failures, one success"
        );
    }

    // The minting of a token fails too, sometimes.
    sim.expire_tokens();
    sim.fail_next(TOKEN_ROUTE, 1, Fault::ServerError(502));
    client.default_branch(&repo()).await.unwrap();

    let rendered = metrics.render();
    assert!(rendered.contains("github_retries"), "{rendered}");
    assert!(rendered.contains("GET /repos/{owner}/{repo}"), "{rendered}");
    assert!(
        rendered.contains("github_rate_limit_remaining"),
        "{rendered}"
    );
    sim.assert_no_unexpected_calls();
}

#[tokio::test]
async fn it_gives_up_after_the_bound_and_says_on_what() {
    let sim = scene("").await;
    let (_app, client) = client(&sim, None);
    sim.fail_next(REPO_ROUTE, 100, Fault::ServerError(502));

    let error = client.default_branch(&repo()).await.unwrap_err();

    let attempts = RetryPolicy::fast().max_attempts;
    assert!(
        matches!(error, GitHubError::GaveUp { attempts: a, .. } if a == attempts),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(
        message.contains(REPO_ROUTE) && message.contains("502"),
        "{message}"
    );
    assert_eq!(sim.calls(REPO_ROUTE), attempts as usize);
}

#[tokio::test]
async fn a_rate_limit_longer_than_allowed_is_reported_instead_of_waited_out() {
    let sim = scene("").await;
    let (_app, client) = client(&sim, None);
    sim.fail_next(
        REPO_ROUTE,
        1,
        Fault::SecondaryRateLimit {
            retry_after_secs: 3600,
        },
    );

    let error = client.default_branch(&repo()).await.unwrap_err();

    assert!(
        matches!(error, GitHubError::RateLimited { wait, .. } if wait == Duration::from_secs(3600)),
        "{error:?}"
    );
    assert_eq!(sim.calls(REPO_ROUTE), 1);
}

#[tokio::test]
async fn github_enterprise_server_urls_work() {
    let sim = scene("/api/v3").await;
    assert!(sim.api_url().ends_with("/api/v3"));
    let (app, client) = client(&sim, None);

    let installations = app.installations().await.unwrap();
    let head = client.default_branch(&repo()).await.unwrap();
    let file = client
        .file(&repo(), "stacks/main.tf", "main")
        .await
        .unwrap();

    assert_eq!(installations.len(), 1);
    assert_eq!(head.name, "main");
    assert_eq!(file.as_deref(), Some(&b"ami = \"ami-0old\"\n"[..]));
    assert_eq!(sim.calls(REPO_ROUTE), 1);
    sim.assert_no_unexpected_calls();
}

#[tokio::test]
async fn file_contents_round_trip_byte_for_byte() {
    let sim = scene("").await;
    let (_app, client) = client(&sim, None);
    let head = client.default_branch(&repo()).await.unwrap();
    let content = "# Zürich — staging ✓\r\nami = \"ami-0new\"\r\n\r\n  tail\t \n".as_bytes();

    let commit = client
        .create_commit(
            &repo(),
            &head.sha,
            "Roll staging",
            &[
                FileChange {
                    path: "stacks/main.tf".into(),
                    content: content.to_vec(),
                },
                FileChange {
                    path: "stacks/other dir/prod.tf".into(),
                    content: b"x\r\n".to_vec(),
                },
            ],
        )
        .await
        .unwrap();
    client
        .create_branch(&repo(), "amiroll/staging/ami-0new", &commit)
        .await
        .unwrap();

    let read = client
        .file(&repo(), "stacks/main.tf", "amiroll/staging/ami-0new")
        .await
        .unwrap();
    assert_eq!(read.as_deref(), Some(content));
    let spaced = client
        .file(&repo(), "stacks/other dir/prod.tf", commit.as_str())
        .await
        .unwrap();
    assert_eq!(spaced.as_deref(), Some(&b"x\r\n"[..]));
    assert_eq!(
        sim.file(REPO, "main", "stacks/main.tf").as_deref(),
        Some(&b"ami = \"ami-0old\"\n"[..]),
        "the default branch is untouched"
    );
    let (message, parents) = sim.commit(REPO, &commit).unwrap();
    assert_eq!(message, "Roll staging");
    assert_eq!(parents, vec![head.sha.to_string()]);
    assert_eq!(
        client.file(&repo(), "missing.tf", "main").await.unwrap(),
        None
    );
    sim.assert_no_unexpected_calls();
}

#[tokio::test]
async fn a_file_that_is_not_utf8_is_refused() {
    let sim = scene("").await;
    sim.push(REPO, "main", &[("blob.bin", &[0xff, 0xfe, 0x00])], "binary");
    let (_app, client) = client(&sim, None);

    let error = client.file(&repo(), "blob.bin", "main").await.unwrap_err();

    assert!(matches!(error, GitHubError::NotUtf8 { .. }), "{error:?}");
}

#[tokio::test]
async fn a_pull_request_github_has_not_caught_up_with_is_retried() {
    let sim = scene("").await;
    sim.push(REPO, "feature", &[("a.tf", b"a\n")], "change");
    let (_app, client) = client(&sim, None);
    let opened = client
        .open_pull_request(
            &repo(),
            &NewPullRequest {
                title: "Roll".into(),
                body: "Body".into(),
                head: "feature".into(),
                base: "main".into(),
                draft: false,
            },
        )
        .await
        .unwrap();

    sim.fail_next(PULL_ROUTE, 2, Fault::NotFound);
    let read = client.pull_request(&repo(), opened.number).await.unwrap();

    assert_eq!(read.number, opened.number);
    assert_eq!(sim.calls(PULL_ROUTE), 3);
    let missing = client
        .pull_request(&repo(), PullRequestNumber(999))
        .await
        .unwrap_err();
    assert!(missing.is_not_found(), "{missing:?}");
    assert_eq!(
        sim.calls(PULL_ROUTE),
        3 + RetryPolicy::fast().fresh_not_found_attempts as usize
    );
    sim.assert_no_unexpected_calls();
}

#[tokio::test]
async fn the_rollout_vocabulary_round_trips() {
    let sim = scene("").await;
    let (app, client) = client(&sim, None);
    let repo = repo();

    // A branch with one commit, then a PR for it.
    let head = client.default_branch(&repo).await.unwrap();
    let branch = "amiroll/staging/ami-0new";
    client
        .create_branch(&repo, branch, &head.sha)
        .await
        .unwrap();
    let exists = client
        .create_branch(&repo, branch, &head.sha)
        .await
        .unwrap_err();
    assert!(
        matches!(exists, GitHubError::Unprocessable { .. }),
        "{exists:?}"
    );
    let change = [FileChange {
        path: "stacks/main.tf".into(),
        content: b"ami = \"ami-0new\"\n".to_vec(),
    }];
    let commit = client
        .create_commit(&repo, &head.sha, "Roll", &change)
        .await
        .unwrap();
    client
        .update_branch(&repo, branch, &commit, false)
        .await
        .unwrap();
    assert_eq!(
        client.branch(&repo, branch).await.unwrap(),
        Some(commit.clone())
    );
    assert_eq!(client.branch(&repo, "nope").await.unwrap(), None);
    let pull = client
        .open_pull_request(
            &repo,
            &NewPullRequest {
                title: "Roll staging".into(),
                body: "<!-- amiroll -->".into(),
                head: branch.into(),
                base: "main".into(),
                draft: false,
            },
        )
        .await
        .unwrap();
    assert_eq!(pull.head_sha, commit);
    assert_eq!(pull.author, "amiroll[bot]");
    assert_eq!(pull.mergeable_state, None, "not computed yet");

    // An in-place update: a commit on the old base, forced.
    let replacement = client
        .create_commit(&repo, &head.sha, "Roll again", &change)
        .await
        .unwrap();
    let not_ff = client
        .update_branch(&repo, branch, &replacement, false)
        .await
        .unwrap_err();
    assert!(
        matches!(not_ff, GitHubError::Unprocessable { .. }),
        "{not_ff:?}"
    );
    client
        .update_branch(&repo, branch, &replacement, true)
        .await
        .unwrap();

    // Title, labels, reviewers.
    client
        .edit_pull_request(
            &repo,
            pull.number,
            Some("Roll staging to ami-0new"),
            Some("new body"),
        )
        .await
        .unwrap();
    client
        .add_labels(&repo, pull.number, &["ami".into(), "staging".into()])
        .await
        .unwrap();
    client
        .request_reviewers(&repo, pull.number, &["alice".into()], &["platform".into()])
        .await
        .unwrap();
    sim.set_mergeable_state(REPO, pull.number, Some("blocked"));
    let read = client.pull_request(&repo, pull.number).await.unwrap();
    assert_eq!(read.title, "Roll staging to ami-0new");
    assert_eq!(read.body, "new body");
    assert_eq!(read.head_sha, replacement);
    assert_eq!(read.mergeable_state.as_deref(), Some("blocked"));
    let snapshot = sim.pull(REPO, pull.number);
    assert_eq!(snapshot.labels, ["ami", "staging"]);
    assert_eq!(snapshot.requested_reviewers, ["alice"]);
    assert_eq!(snapshot.requested_teams, ["platform"]);

    // The sticky comment: created once, then edited in place with PATCH.
    let comment = client
        .create_comment(&repo, pull.number, "- [ ] applied")
        .await
        .unwrap();
    client
        .update_comment(&repo, comment.id, "- [x] applied")
        .await
        .unwrap();
    sim.comment(
        REPO,
        pull.number,
        "atlantis-bot",
        "Ran Apply for project: `staging`",
    );
    let comments = client.issue_comments(&repo, pull.number).await.unwrap();
    assert_eq!(comments.len(), 2);
    assert_eq!(comments[0].body, "- [x] applied");
    assert_eq!(comments[0].author, "amiroll[bot]");
    assert_eq!(comments[1].author, "atlantis-bot");

    // Reviews and statuses written by others.
    sim.review(REPO, pull.number, "alice", "APPROVED");
    let reviews = client.reviews(&repo, pull.number).await.unwrap();
    assert_eq!(
        (reviews[0].author.as_str(), reviews[0].state.as_str()),
        ("alice", "APPROVED")
    );
    sim.set_status(
        REPO,
        &replacement,
        "atlantis/apply",
        "pending",
        "in progress",
        "atlantis-bot",
    );
    sim.set_status(
        REPO,
        &replacement,
        "atlantis/apply",
        "success",
        "1/1 projects applied successfully.",
        "atlantis-bot",
    );
    let combined = client.combined_status(&repo, &replacement).await.unwrap();
    assert_eq!(combined.state, "success");
    assert_eq!(combined.statuses.len(), 1);
    let all = client.statuses(&repo, &replacement).await.unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(
        all[0].description.as_deref(),
        Some("1/1 projects applied successfully.")
    );
    assert_eq!(all[0].creator.as_deref(), Some("atlantis-bot"));

    // The gate as a check run: created in progress, then concluded.
    let id = client
        .create_check_run(
            &repo,
            "amiroll/promotion",
            &replacement,
            &CheckRunOutput {
                status: CheckStatus::InProgress,
                conclusion: None,
                title: "Waiting for staging".into(),
                summary: "Staging has not applied ami-0new yet.".into(),
            },
        )
        .await
        .unwrap();
    client
        .update_check_run(
            &repo,
            id,
            &CheckRunOutput {
                status: CheckStatus::Completed,
                conclusion: Some(CheckConclusion::Success),
                title: "Staging ran ami-0new".into(),
                summary: "Applied and merged in #1.".into(),
            },
        )
        .await
        .unwrap();
    let checks = client
        .check_runs(&repo, &replacement, "amiroll/promotion")
        .await
        .unwrap();
    assert_eq!(checks.len(), 1);
    assert_eq!(checks[0].id, id);
    assert_eq!(checks[0].conclusion, Some(CheckConclusion::Success));
    assert_eq!(checks[0].title.as_deref(), Some("Staging ran ami-0new"));
    assert_eq!(checks[0].app_slug.as_deref(), Some("amiroll"));

    // Merged by a human: the PR reads as merged and closed, the base branch has the change.
    sim.merge(REPO, pull.number);
    let merged = client.pull_request(&repo, pull.number).await.unwrap();
    assert!(merged.merged);
    assert_eq!(merged.state, PullRequestState::Closed);
    assert!(merged.merge_commit_sha.is_some());
    assert!(client.open_pull_requests(&repo).await.unwrap().is_empty());
    sim.push(REPO, "unrelated", &[("b.tf", b"b\n")], "other");
    sim.open_pull(REPO, "bob", "unrelated", "main", "Other", "");
    let found = client
        .pull_requests_for_branch(&repo, branch)
        .await
        .unwrap();
    assert_eq!(
        found.len(),
        1,
        "only the rollout branch's PR, closed ones included"
    );
    assert!(found[0].merged);
    let files = client.pull_request_files(&repo, pull.number).await.unwrap();
    assert_eq!(
        files
            .iter()
            .map(|f| (f.path.as_str(), f.status.as_str()))
            .collect::<Vec<_>>(),
        [("stacks/main.tf", "modified")]
    );
    assert_eq!(
        client
            .file(&repo, "stacks/main.tf", "main")
            .await
            .unwrap()
            .as_deref(),
        Some(&b"ami = \"ami-0new\"\n"[..])
    );

    // The App's own view: itself, installations, repositories, deliveries.
    let me = app.app_info().await.unwrap();
    assert_eq!(me.id, support::github::APP_ID);
    assert_eq!(
        me.bot_login(),
        pull.author,
        "the App recognises its own PRs"
    );
    let installations = app.installations().await.unwrap();
    assert_eq!(installations[0].account, "acme");
    let repositories = client.repositories().await.unwrap();
    assert_eq!(repositories[0].name, repo);
    let failed = sim.add_delivery("guid-1", "pull_request", Some("closed"), 503);
    sim.add_delivery("guid-2", "status", None, 202);
    let deliveries = app.hook_deliveries(50).await.unwrap();
    assert_eq!(deliveries.len(), 2);
    assert_eq!(deliveries[0].guid, "guid-2", "newest first");
    assert!(!deliveries[1].succeeded());
    app.redeliver(failed).await.unwrap();
    assert_eq!(sim.redelivery_requests(), vec![failed]);

    sim.assert_no_unexpected_calls();
}

#[tokio::test]
async fn long_lists_are_read_to_the_end() {
    let sim = scene("").await;
    let number = sim.open_pull(REPO, "bob", "main", "main", "t", "b");
    for i in 0..230 {
        sim.comment(REPO, number, "bob", &format!("comment {i}"));
    }
    let (_app, client) = client(&sim, None);

    let comments = client.issue_comments(&repo(), number).await.unwrap();

    assert_eq!(comments.len(), 230);
    assert_eq!(comments[229].body, "comment 229");
    assert_eq!(
        sim.calls("GET /repos/{owner}/{repo}/issues/{issue_number}/comments"),
        3
    );
}

#[tokio::test]
async fn reading_again_what_has_not_changed_is_a_conditional_request() {
    let sim = scene("").await;
    let (_app, client) = client(&sim, None);
    sim.push(REPO, "feature", &[("a.tf", b"a\n")], "change");

    let first = client.open_pull_requests(&repo()).await.unwrap();
    let second = client.open_pull_requests(&repo()).await.unwrap();
    assert_eq!(sim.not_modified(), 1);
    assert_eq!(first, second);
    sim.open_pull(REPO, "bob", "feature", "main", "New", "");
    let third = client.open_pull_requests(&repo()).await.unwrap();

    assert_eq!(sim.not_modified(), 1, "a changed list is read in full");
    assert!(first.is_empty());
    assert_eq!(third.len(), 1);
}

#[tokio::test]
async fn the_simulation_flags_routes_it_does_not_know() {
    let sim = scene("").await;

    let answer = reqwest::Client::new()
        .delete(format!("{}/repos/acme/infra", sim.api_url()))
        .send()
        .await
        .unwrap();

    assert_eq!(answer.status().as_u16(), 501);
    assert_eq!(sim.unexpected_calls(), ["DELETE /repos/acme/infra"]);
    let caught = std::panic::catch_unwind(|| sim.assert_no_unexpected_calls());
    assert!(caught.is_err());
}

#[tokio::test]
async fn mutating_calls_of_one_installation_are_serialised_and_all_land() {
    let sim = scene("").await;
    let number = sim.open_pull(REPO, "bob", "main", "main", "t", "b");
    let (_app, client) = client(&sim, None);
    sim.set_write_latency(Duration::from_millis(20));

    let posts = (0..8).map(|i| {
        let client = client.clone();
        async move {
            client
                .create_comment(&repo(), number, &format!("note {i}"))
                .await
                .map(|c| c.id)
        }
    });
    let ids: Vec<_> = spawn_all(posts).await;

    assert!(ids.iter().all(Result::is_ok), "{ids:?}");
    assert_eq!(sim.comments(REPO, number).len(), 8);
    assert_eq!(sim.max_writes_in_flight(), 1, "one write at a time");
    assert_eq!(sim.tokens_minted(), 1, "concurrent callers share one token");
}

/// Runs futures concurrently, each on its own task, and collects their outputs in order.
async fn spawn_all<F>(futures: impl IntoIterator<Item = F>) -> Vec<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    let handles: Vec<_> = futures.into_iter().map(tokio::spawn).collect();
    let mut out = Vec::with_capacity(handles.len());
    for handle in handles {
        out.push(handle.await.unwrap());
    }
    out
}

/// What a webhook receiver saw: event, delivery GUID, signature, body.
type Received = Arc<Mutex<Vec<(String, String, String, Vec<u8>)>>>;

/// A stand-in for amiroll's webhook endpoint that records what it receives.
async fn webhook_receiver() -> (String, Received) {
    let received: Received = Arc::default();
    let store = Arc::clone(&received);
    let app = axum::Router::new().route(
        "/webhooks/github",
        axum::routing::post(
            move |headers: axum::http::HeaderMap, body: axum::body::Bytes| {
                let store = Arc::clone(&store);
                async move {
                    let header = |name: &str| {
                        headers
                            .get(name)
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or_default()
                            .to_owned()
                    };
                    store.lock().unwrap().push((
                        header("x-github-event"),
                        header("x-github-delivery"),
                        header("x-hub-signature-256"),
                        body.to_vec(),
                    ));
                    axum::http::StatusCode::ACCEPTED
                }
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/webhooks/github", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, received)
}

#[test]
fn the_simulation_signs_webhooks_as_github_does() {
    assert_eq!(
        support::github::webhooks::signature("It's a Secret to Everybody", b"Hello, World!"),
        "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
    );
}

#[tokio::test]
async fn what_happens_on_the_simulation_arrives_as_signed_webhooks_amiroll_understands() {
    let sim = scene("").await;
    let (url, inbox) = webhook_receiver().await;
    sim.send_webhooks_to(&url, "s3cret");
    let head = sim.push(REPO, "feature", &[("a.tf", b"a\n")], "change");
    let number = sim.open_pull(REPO, "bob", "feature", "main", "Change", "");
    sim.review(REPO, number, "alice", "APPROVED");
    sim.set_status(
        REPO,
        &head,
        "atlantis/apply",
        "success",
        "1/1 projects applied successfully.",
        "atlantis-bot",
    );
    sim.comment(REPO, number, "alice", "atlantis apply");
    let (app, client) = client(&sim, None);
    let gate = CheckRunOutput {
        status: CheckStatus::Completed,
        conclusion: Some(CheckConclusion::Success),
        title: "No gated change".into(),
        summary: "".into(),
    };
    client
        .create_check_run(&repo(), "amiroll/promotion", &head, &gate)
        .await
        .unwrap();
    sim.merge(REPO, number);

    let codes = sim.deliver_webhooks().await;

    assert_eq!(codes, [202; 9]);
    let received = inbox.lock().unwrap().clone();
    let events: Vec<&str> = received.iter().map(|(e, ..)| e.as_str()).collect();
    assert_eq!(
        events,
        [
            "push",
            "pull_request",
            "pull_request_review",
            "status",
            "issue_comment",
            "check_run",
            "check_run",
            "pull_request",
            "push"
        ]
    );
    for (event, _, signature, body) in &received {
        assert_eq!(
            signature,
            &support::github::webhooks::signature("s3cret", body)
        );
        let converted =
            amiroll::events::from_webhook(event, body).unwrap_or_else(|e| panic!("{event}: {e:?}"));
        assert!(
            matches!(converted, amiroll::events::Conversion::Event(_)),
            "{event} should be an event amiroll handles"
        );
    }
    let closed: serde_json::Value = serde_json::from_slice(&received[7].3).unwrap();
    assert_eq!(closed["action"], "closed");
    assert_eq!(closed["pull_request"]["merged"], true);

    // A delivery the App asks for again comes again, with the same GUID.
    let deliveries = app.hook_deliveries(10).await.unwrap();
    let status_delivery = deliveries.iter().find(|d| d.event == "status").unwrap();
    app.redeliver(status_delivery.id).await.unwrap();
    assert_eq!(sim.deliver_webhooks().await, [202]);
    let again = inbox.lock().unwrap().last().cloned().unwrap();
    assert_eq!(
        (again.0.as_str(), again.1.as_str()),
        ("status", status_delivery.guid.as_str())
    );
    sim.assert_no_unexpected_calls();
}
