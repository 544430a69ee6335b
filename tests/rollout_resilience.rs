//! What real operation throws at amiroll: the same trigger many times at once (replicas, SNS and the
//! poll together), a crash between creating the branch and opening the pull request, and a GitHub
//! that fails one call in five. Each time: exactly one pull request per stage, one checklist per
//! pull request, and the rollout still completes.

mod support;

use std::time::SystemTime;

use amiroll::events::Event;
use amiroll::github::PullRequestNumber;
use amiroll::server::{Delivery, DeliveryId, EventHandler};
use support::github::Fault;
use support::world::{ATLANTIS, REPO, REVIEWER, World, example_files, release_of};

const OLD: &str = "ami-0bb273345f0961e90";
const NEW: &str = "ami-0123456789abcdef0";
const PARAMETER: &str = "/aws/service/ecs/optimized-ami/amazon-linux-2/recommended";

fn delivery(id: &str) -> Delivery {
    Delivery {
        id: DeliveryId::internal(id),
        event: Event::Release(release_of(NEW)),
        received_at: SystemTime::now(),
    }
}

fn assert_one_pr_per_stage_and_one_checklist_each(world: &World) {
    let pulls = world.bot_pulls();
    let mut heads: Vec<&str> = pulls.iter().map(|p| p.head_ref.as_str()).collect();
    heads.sort();
    heads.dedup();
    assert_eq!(
        heads.len(),
        pulls.len(),
        "duplicate pull requests: {pulls:#?}"
    );
    for pull in &pulls {
        let lists = world
            .bot_comments(pull.number)
            .into_iter()
            .filter(|c| c.body.starts_with("<!-- amiroll:checklist"))
            .count();
        assert_eq!(lists, 1, "#{} has {lists} checklists", pull.number);
    }
}

/// Approves, applies and merges amiroll's pull request `number`.
fn ship(world: &World, number: u64) {
    world.approve_and_apply(number, "atlantis/apply: apps/default", "Apply succeeded.");
    world.sim.merge(REPO, PullRequestNumber(number));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_identical_triggers_at_once_open_one_pull_request() {
    let world = World::new(&example_files(PARAMETER)).await;
    // Ten handlers at once, as ten replicas (or SNS, the poll and an operator) would run them.
    let runs = (0..10).map(|n| {
        let engine = world.engine.clone();
        tokio::spawn(async move { engine.handle(delivery(&format!("trigger-{n}"))).await })
    });
    for run in futures_join(runs).await {
        run.unwrap().unwrap();
    }
    // And the same delivery twice through the queue.
    world.release(&release_of(NEW));
    world.release(&release_of(NEW));
    world.settle().await;

    assert_eq!(world.bot_pulls().len(), 1);
    assert_one_pr_per_stage_and_one_checklist_each(&world);
    world.sim.assert_no_unexpected_calls();
}

async fn futures_join<T>(
    handles: impl Iterator<Item = tokio::task::JoinHandle<T>>,
) -> Vec<Result<T, tokio::task::JoinError>> {
    let mut results = Vec::new();
    for handle in handles {
        results.push(handle.await);
    }
    results
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_between_branch_and_pull_request_is_finished_by_reconciliation() {
    let world = World::new(&example_files(PARAMETER)).await;
    // GitHub refuses every attempt to open the pull request: amiroll gives up after the branch exists.
    world.sim.fail_next(
        "POST /repos/{owner}/{repo}/pulls",
        5,
        Fault::ServerError(500),
    );
    assert!(world.engine.handle(delivery("release")).await.is_err());
    assert!(
        world
            .sim
            .branch(REPO, &format!("amiroll/staging/{NEW}"))
            .is_some()
    );
    assert!(world.bot_pulls().is_empty());

    // After the restart, reconciliation finishes the rollout: the branch is reused, nothing doubles.
    world
        .engine
        .handle(delivery("release-after-restart"))
        .await
        .unwrap();
    world.settle().await;
    assert_eq!(world.bot_pulls().len(), 1);
    assert_one_pr_per_stage_and_one_checklist_each(&world);
    let branches = world.sim.branches(REPO);
    assert_eq!(
        branches
            .keys()
            .filter(|b| b.starts_with("amiroll/"))
            .count(),
        1,
        "{branches:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rollout_completes_when_one_github_call_in_five_fails() {
    let world = World::new(&example_files(PARAMETER)).await;
    let base = world.file("main", "apps/clusters.tf");
    world
        .sim
        .fail_periodically(Some((5, Fault::ServerError(502))));

    world.release(&release_of(NEW));
    world.settle().await;
    let staging = world.bot_pulls()[0].number;
    ship(&world, staging);
    world.settle().await;
    let production = world.bot_pulls()[1].number;
    ship(&world, production);
    world.settle().await;

    world.sim.fail_periodically(None);
    assert_eq!(
        world.file("main", "apps/clusters.tf"),
        base.replace(OLD, NEW)
    );
    assert_eq!(world.bot_pulls().len(), 2);
    assert_one_pr_per_stage_and_one_checklist_each(&world);
    world.sim.assert_no_unexpected_calls();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deliveries_that_failed_on_amirolls_side_are_asked_for_again() {
    let world = World::new(&example_files(PARAMETER)).await;
    let sim = &world.sim;
    // amiroll was down: no answer, then a 502.
    sim.add_delivery("down", "pull_request", Some("opened"), 0);
    let down_again = sim.add_delivery("down", "pull_request", Some("opened"), 502);
    // Failed once, then delivered: nothing to do.
    sim.add_delivery("recovered", "status", None, 503);
    sim.add_delivery("recovered", "status", None, 202);
    // Refused on purpose (a bad signature): asking again would change nothing.
    sim.add_delivery("refused", "push", None, 401);
    // Failed three times already: given up.
    for _ in 0..3 {
        sim.add_delivery("hopeless", "push", None, 500);
    }

    assert_eq!(world.engine.redeliver_failed().await.unwrap(), 1);
    assert_eq!(
        sim.redelivery_requests(),
        [down_again],
        "the newest attempt of `down` only"
    );
    sim.assert_no_unexpected_calls();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_merge_seen_before_its_apply_status_still_promotes_once_the_status_arrives() {
    let world = World::new(&example_files(PARAMETER)).await;
    world.release(&release_of(NEW));
    world.settle().await;
    let staging = world.bot_pulls()[0].number;

    // Atlantis's automerge: the merge reaches amiroll before the apply status does.
    world
        .sim
        .review(REPO, PullRequestNumber(staging), REVIEWER, "APPROVED");
    world.sim.merge(REPO, PullRequestNumber(staging));
    world.settle().await;
    assert_eq!(world.bot_pulls().len(), 1, "no proof of an apply yet");

    let head = world.head(staging);
    world.sim.set_status(
        REPO,
        &head,
        "atlantis/apply: apps/default",
        "success",
        "Apply succeeded.",
        ATLANTIS,
    );
    world.settle().await;
    assert_eq!(
        world.bot_pulls().len(),
        2,
        "production opens once the apply is proven"
    );
    assert_one_pr_per_stage_and_one_checklist_each(&world);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_releases_at_once_leave_one_staging_pull_request_for_the_newest() {
    const NEWER: &str = "ami-0fedcba9876543210";
    let world = World::new(&example_files(PARAMETER)).await;
    world.release(&release_of(NEW));
    world.release(&release_of(NEWER));
    world.settle().await;

    let pulls = world.bot_pulls();
    assert_eq!(pulls.len(), 1, "{pulls:#?}");
    let marker = amiroll::rollout::marker::PrMarker::parse(&pulls[0].body).unwrap();
    assert_eq!(
        marker.ami.as_str(),
        NEWER,
        "updated in place to the newest release"
    );
    let edited = world.file(&pulls[0].head_ref, "apps/clusters.tf");
    assert_eq!(
        edited,
        world
            .file("main", "apps/clusters.tf")
            .replacen(OLD, NEWER, 1)
    );
    let checklist = world.bot_comments(pulls[0].number);
    assert!(
        checklist[0].body.contains("updated in place"),
        "{}",
        checklist[0].body
    );
    assert_one_pr_per_stage_and_one_checklist_each(&world);
}
