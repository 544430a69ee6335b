//! The gate and its edges, end to end through the simulated GitHub: a hand-written production pull
//! request is red before staging, in progress during, green after; a refused `atlantis apply` is
//! explained once; `0/0 projects applied` proves nothing; a pull request cannot switch its own gate
//! off by editing the config on its head.

mod support;

use amiroll::github::PullRequestNumber;
use support::world::{REPO, REVIEWER, World, example_files, release_of};

const OLD: &str = "ami-0bb273345f0961e90";
const NEW: &str = "ami-0123456789abcdef0";
const PARAMETER: &str = "/aws/service/ecs/optimized-ami/amazon-linux-2/recommended";

/// A human opens a pull request setting production to `ami`.
fn hand_written_production_pr(world: &World, ami: &str) -> u64 {
    let base = world.file("main", "apps/clusters.tf");
    let second = base.rfind(OLD).unwrap();
    let edited = format!("{}{ami}{}", &base[..second], &base[second + OLD.len()..]);
    world.sim.push(
        REPO,
        "prod-bump",
        &[("apps/clusters.tf", edited.as_bytes())],
        "Bump production",
    );
    world
        .sim
        .open_pull(
            REPO,
            "bob",
            "prod-bump",
            "main",
            "Bump production AMI",
            "by hand",
        )
        .0
}

fn gate(world: &World, number: u64) -> (Option<String>, String) {
    let gate = world.gate(number);
    (gate.conclusion, gate.summary.unwrap_or_default())
}

fn apply_staging(world: &World, number: u64, description: &str) {
    world.approve_and_apply(number, "atlantis/apply", description);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hand_written_production_pr_is_red_then_in_progress_then_green() {
    let world = World::new(&example_files(PARAMETER)).await;
    let production = hand_written_production_pr(&world, NEW);
    world.settle().await;
    let (conclusion, summary) = gate(&world, production);
    assert_eq!(conclusion.as_deref(), Some("failure"), "{summary}");
    assert!(summary.contains("never ran on **staging**"), "{summary}");

    world.release(&release_of(NEW));
    world.settle().await;
    let staging = world.bot_pulls()[0].number;
    let (conclusion, summary) = gate(&world, production);
    assert_eq!(
        conclusion, None,
        "in progress while staging rolls: {summary}"
    );
    assert!(summary.contains(&format!("#{staging}")), "{summary}");

    apply_staging(&world, staging, "1/1 projects applied successfully.");
    world.sim.merge(REPO, PullRequestNumber(staging));
    world.settle().await;
    let (conclusion, summary) = gate(&world, production);
    assert_eq!(conclusion.as_deref(), Some("success"), "{summary}");
    world.sim.assert_no_unexpected_calls();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_apply_on_a_gated_pr_gets_exactly_one_explanation() {
    let world = World::new(&example_files(PARAMETER)).await;
    let production = hand_written_production_pr(&world, NEW);
    world.settle().await;

    let request = world
        .sim
        .comment(REPO, PullRequestNumber(production), "bob", "atlantis apply");
    world.settle().await;
    // The same delivery again (GitHub's redelivery) and a later unrelated event change nothing.
    world
        .sim
        .review(REPO, PullRequestNumber(production), REVIEWER, "COMMENTED");
    world.settle().await;

    let replies = world.bot_comments(production);
    assert_eq!(replies.len(), 1, "{replies:#?}");
    let reply = &replies[0].body;
    assert!(
        reply.starts_with(&format!("<!-- amiroll:refusal request={} -->", request.0)),
        "{reply}"
    );
    assert!(reply.contains("Atlantis will refuse"), "{reply}");
    assert!(amiroll::rollout::comment_safety::is_safe_comment(reply));

    // A second `atlantis apply` gets its own single answer.
    world.sim.comment(
        REPO,
        PullRequestNumber(production),
        "bob",
        "atlantis apply -p apps",
    );
    world.settle().await;
    assert_eq!(world.bot_comments(production).len(), 2);
    world.sim.assert_no_unexpected_calls();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zero_of_zero_projects_applied_is_not_an_apply() {
    let world = World::new(&example_files(PARAMETER)).await;
    world.release(&release_of(NEW));
    world.settle().await;
    let staging = world.bot_pulls()[0].number;

    apply_staging(&world, staging, "0/0 projects applied successfully.");
    world.sim.merge(REPO, PullRequestNumber(staging));
    world.settle().await;

    assert_eq!(
        world.bot_pulls().len(),
        1,
        "production must not open without a real apply"
    );
    let production = hand_written_production_pr(&world, NEW);
    world.settle().await;
    let (conclusion, summary) = gate(&world, production);
    assert_eq!(conclusion.as_deref(), Some("failure"), "{summary}");
    assert!(
        summary.contains("without a recorded Atlantis apply"),
        "{summary}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pr_cannot_switch_its_own_gate_off() {
    let world = World::new(&example_files(PARAMETER)).await;
    let base = world.file("main", "apps/clusters.tf");
    let second = base.rfind(OLD).unwrap();
    let edited = format!("{}{NEW}{}", &base[..second], &base[second + OLD.len()..]);
    // The head's config has no production stage at all, and another gate name.
    let config = world.file("main", ".github/amiroll.yml");
    let stripped = config[..config.find("  - name: production").unwrap()]
        .replace("amiroll/promotion", "amiroll/other");
    world.sim.push(
        REPO,
        "sneaky",
        &[
            ("apps/clusters.tf", edited.as_bytes()),
            (".github/amiroll.yml", stripped.as_bytes()),
        ],
        "Bump production and relax the gate",
    );
    let number = world
        .sim
        .open_pull(REPO, "mallory", "sneaky", "main", "Bump", "")
        .0;
    world.settle().await;
    let (conclusion, summary) = gate(&world, number);
    assert_eq!(conclusion.as_deref(), Some("failure"), "{summary}");
}
