//! The runbook, end to end: a release appears in SSM (moto), amiroll opens the staging pull request
//! with a byte-exact edit, a reviewer approves, Atlantis applies and the cluster's tasks move onto
//! new instances (moto's ECS proves it), a human ticks a box and merges;
//! amiroll opens production with the same AMI behind a green gate; it is applied and merged. Every
//! GitHub call goes over HTTP to the simulated GitHub, every event arrives as a signed webhook.

mod support;

use std::sync::Arc;

use amiroll::handlers::aws::LiveAws;

use amiroll::ami::ReleaseOrigin;
use amiroll::ami::ssm::{AwsParameterStore, SsmSource};
use amiroll::github::PullRequestNumber;
use support::moto::MotoServer;
use support::world::{ATLANTIS, REPO, REVIEWER, World, example_files};

const OLD: &str = "ami-0bb273345f0961e90";
const NEW: &str = "ami-0123456789abcdef0";
const PARAMETER: &str = "/test/ecs/recommended";

/// Amazon publishes `ami` on the test parameter; amiroll's SSM source reads it back.
async fn publish(moto: &MotoServer, ami: &str) -> amiroll::ami::Release {
    let client = moto.ssm_client("us-east-1");
    let value = format!(
        r#"{{"ecs_agent_version":"1.89.0","image_id":"{ami}","image_name":"amzn2-ami-ecs-hvm-2.0.20261120-x86_64-ebs","image_version":"2.0.20261120","os":"Amazon Linux 2","schema_version":1}}"#
    );
    client
        .clone()
        .put_parameter()
        .name(PARAMETER)
        .value(value)
        .r#type(aws_sdk_ssm::types::ParameterType::String)
        .overwrite(true)
        .send()
        .await
        .unwrap();
    let store = AwsParameterStore::from_client(client);
    SsmSource::new(store, PARAMETER.parse().unwrap())
        .read(ReleaseOrigin::Ssm)
        .await
        .unwrap()
}

/// ECS as Terraform and the drain Lambda leave it: `cluster`'s instances replaced by one on `ami`.
fn cluster_runs(moto: &MotoServer, cluster: &str, ami: &str) {
    let script = format!(
        r#"
import json, boto3
ec2 = boto3.client("ec2", region_name="us-east-1")
ecs = boto3.client("ecs", region_name="us-east-1")
ecs.create_cluster(clusterName="{cluster}")
for arn in ecs.list_container_instances(cluster="{cluster}")["containerInstanceArns"]:
    ecs.deregister_container_instance(cluster="{cluster}", containerInstance=arn, force=True)
instance = ec2.run_instances(ImageId="{ami}", MinCount=1, MaxCount=1, InstanceType="m5.large")["Instances"][0]
document = json.dumps({{"instanceId": instance["InstanceId"], "imageId": "{ami}", "region": "us-east-1",
    "availabilityZone": "us-east-1a", "instanceType": "m5.large", "accountId": "123456789012"}})
ecs.register_container_instance(cluster="{cluster}", instanceIdentityDocument=document)
"#
    );
    moto.boto3("us-east-1", &script);
}

/// Atlantis plans and applies `number`'s head for the `apps/default` project, as its statuses and
/// comment say.
fn atlantis_applies(world: &World, number: u64) {
    let head = world
        .sim
        .pull(REPO, PullRequestNumber(number))
        .head_sha
        .parse()
        .unwrap();
    let sim = &world.sim;
    sim.set_status(
        REPO,
        &head,
        "atlantis/plan: apps/default",
        "success",
        "Plan succeeded.",
        ATLANTIS,
    );
    sim.set_status(
        REPO,
        &head,
        "atlantis/plan",
        "success",
        "1/1 projects planned successfully.",
        ATLANTIS,
    );
    sim.set_status(
        REPO,
        &head,
        "atlantis/apply: apps/default",
        "success",
        "Apply succeeded.",
        ATLANTIS,
    );
    sim.set_status(
        REPO,
        &head,
        "atlantis/apply",
        "success",
        "1/1 projects applied successfully.",
        ATLANTIS,
    );
    sim.comment(
        REPO,
        PullRequestNumber(number),
        ATLANTIS,
        "Ran Apply for dir: `apps` workspace: `default`\n\n```diff\nApply complete! Resources: 2 added, 0 changed, 2 destroyed.\n```\n",
    );
}

fn checklist(world: &World, number: u64) -> String {
    let comments = world.bot_comments(number);
    let lists: Vec<_> = comments
        .iter()
        .filter(|c| c.body.starts_with("<!-- amiroll:checklist"))
        .collect();
    assert_eq!(
        lists.len(),
        1,
        "exactly one checklist on #{number}: {comments:#?}"
    );
    lists[0].body.clone()
}

fn gate(world: &World, number: u64) -> (String, Option<String>, String) {
    let gate = world.gate(number);
    (gate.status, gate.conclusion, gate.title.unwrap_or_default())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_release_rolls_through_staging_to_production() {
    let moto = MotoServer::start();
    cluster_runs(&moto, "AppsStaging", OLD);
    cluster_runs(&moto, "AppsProd", OLD);
    let aws = LiveAws::with_clients(
        "us-east-1",
        moto.ssm_client("us-east-1"),
        moto.ecs_client("us-east-1"),
    );
    let world = World::with_aws(&example_files(PARAMETER), Arc::new(aws)).await;
    let base = world.file("main", "apps/clusters.tf");
    let mut cost = Vec::new();

    // 1. Amazon releases a new AMI; the poller reads it from SSM.
    let release = publish(&moto, NEW).await;
    world.sim.reset_counts();
    world.release(&release);
    world.settle().await;
    cost.push((
        "release → staging PR, checklist, gate",
        (world.sim.total_calls(), world.sim.not_modified()),
    ));

    let pulls = world.bot_pulls();
    assert_eq!(pulls.len(), 1, "one pull request: {pulls:#?}");
    let staging = &pulls[0];
    assert_eq!(staging.head_ref, format!("amiroll/staging/{NEW}"));
    assert_eq!(staging.base_ref, "main");
    assert_eq!(
        staging.title,
        format!("Roll staging cluster to {NEW} (amzn2-ami-ecs-hvm-2.0.20261120-x86_64-ebs)")
    );
    assert_eq!(staging.labels, ["ami-update"]);
    let edited = world.file(&staging.head_ref, "apps/clusters.tf");
    assert_eq!(
        edited,
        base.replacen(OLD, NEW, 1),
        "byte-exact: only the staging value changed"
    );
    let list = checklist(&world, staging.number);
    assert!(
        list.contains(&format!("- [x] New AMI found: `{NEW}`")),
        "{list}"
    );
    assert!(list.contains("- [ ] `atlantis apply` succeeded"), "{list}");
    assert_eq!(
        gate(&world, staging.number),
        (
            "completed".into(),
            Some("success".into()),
            "No gated AMI change".into()
        )
    );

    // 2. A reviewer approves; Atlantis plans and applies.
    world.sim.reset_counts();
    world.sim.review(
        REPO,
        PullRequestNumber(staging.number),
        REVIEWER,
        "APPROVED",
    );
    cluster_runs(&moto, "AppsStaging", NEW);
    atlantis_applies(&world, staging.number);
    world.settle().await;
    cost.push((
        "approval, 4 Atlantis statuses and its apply comment (6 webhooks)",
        (world.sim.total_calls(), world.sim.not_modified()),
    ));
    let list = checklist(&world, staging.number);
    assert!(list.contains("- [x] Approved by a reviewer"), "{list}");
    assert!(list.contains("- [x] Atlantis plan ran"), "{list}");
    assert!(
        list.contains("- [x] `atlantis apply` succeeded ([proof]("),
        "{list}"
    );
    assert!(
        list.contains(
            "- [x] Running tasks moved to the new instances (every instance of `AppsStaging`"
        ),
        "{list}"
    );

    // 3. A human checks staging and ticks the box; amiroll keeps it.
    let comment = world
        .bot_comments(staging.number)
        .into_iter()
        .find(|c| c.body.starts_with("<!-- amiroll:checklist"))
        .unwrap();
    let ticked = comment.body.replace(
        "- [ ] Check a few URLs on staging",
        "- [x] Check a few URLs on staging",
    );
    world
        .sim
        .edit_comment(REPO, amiroll::github::CommentId(comment.id), &ticked);
    world.settle().await;
    assert!(checklist(&world, staging.number).contains("- [x] Check a few URLs on staging"));

    // 4. Merged: amiroll opens production with the AMI staging proved, behind a green gate.
    world.sim.reset_counts();
    world.sim.merge(REPO, PullRequestNumber(staging.number));
    world.settle().await;
    cost.push((
        "staging merge → production PR, checklists, gate",
        (world.sim.total_calls(), world.sim.not_modified()),
    ));
    let pulls = world.bot_pulls();
    assert_eq!(pulls.len(), 2, "{pulls:#?}");
    let production = &pulls[1];
    assert_eq!(production.head_ref, format!("amiroll/production/{NEW}"));
    assert!(
        production.body.contains(&format!("#{}", staging.number)),
        "{}",
        production.body
    );
    let staged = world.file("main", "apps/clusters.tf");
    assert_eq!(
        world.file(&production.head_ref, "apps/clusters.tf"),
        staged.replacen(OLD, NEW, 1)
    );
    assert_eq!(
        gate(&world, production.number).1.as_deref(),
        Some("success")
    );
    let list = checklist(&world, staging.number);
    assert!(
        list.contains(&format!(
            "- [x] Next stage (**production**) unblocked: #{}",
            production.number
        )),
        "{list}"
    );
    assert!(list.contains("- [x] Merged"), "{list}");
    assert!(list.contains("- [x] Check a few URLs on staging"), "{list}");

    // 5. Production is approved, applied and merged: both stages run the new AMI.
    world.sim.review(
        REPO,
        PullRequestNumber(production.number),
        REVIEWER,
        "APPROVED",
    );
    cluster_runs(&moto, "AppsProd", NEW);
    atlantis_applies(&world, production.number);
    world.sim.merge(REPO, PullRequestNumber(production.number));
    world.settle().await;
    assert_eq!(
        world.file("main", "apps/clusters.tf"),
        base.replace(OLD, NEW)
    );
    let list = checklist(&world, production.number);
    assert!(list.contains("- [x] Merged"), "{list}");
    assert!(
        list.contains(
            "- [x] Running tasks moved to the new instances (every instance of `AppsProd`"
        ),
        "{list}"
    );
    assert_eq!(world.bot_pulls().len(), 2, "no third pull request");

    // 6. The same release again changes nothing.
    world.sim.reset_counts();
    world.release(&release);
    world.settle().await;
    let writes: Vec<_> = world
        .sim
        .call_counts()
        .into_iter()
        .filter(|(route, _)| !route.starts_with("GET"))
        .collect();
    assert!(
        writes
            .iter()
            .all(|(route, _)| route.contains("access_tokens")),
        "a repeated release wrote: {writes:?}"
    );
    cost.push((
        "the same release again (no-op)",
        (world.sim.total_calls(), world.sim.not_modified()),
    ));

    world.sim.assert_no_unexpected_calls();
    for (step, (calls, not_modified)) in cost {
        eprintln!(
            "GitHub API calls: {calls:>4} ({not_modified:>3} answered 304 Not Modified)  {step}"
        );
    }
}
