//! Proving "Running tasks moved to the new instances" from ECS, against a real moto server: EC2
//! instances from an old and a new AMI join a cluster (boto3 plays the autoscaling groups and
//! the drain Lambda), and amiroll reads the cluster through the real AWS SDK adapter.

mod support;

use amiroll::ami::AmiId;
use amiroll::ami::ecs::{
    AwsClusterInspector, ClusterInspector, EcsError, InstanceStatus, TasksMoved, check_tasks_moved,
};
use support::moto::MotoServer;

const REGION: &str = "us-east-1";
const CLUSTER: &str = "AppsStaging";
const OLD_AMI: &str = "ami-0aaaaaaaaaaaaaaaa";
const NEW_AMI: &str = "ami-0bbbbbbbbbbbbbbbb";

/// boto3 helpers the scripts below call: `launch` plays an autoscaling group bringing up
/// instances that register with the cluster, `run` places tasks on them.
const PRELUDE: &str = r#"
import json, boto3
ec2 = boto3.client("ec2", region_name=REGION)
ecs = boto3.client("ecs", region_name=REGION)

def launch(ami, count, cluster=CLUSTER):
    reservation = ec2.run_instances(ImageId=ami, MinCount=count, MaxCount=count, InstanceType="m5.large")
    arns = []
    for instance in reservation["Instances"]:
        document = json.dumps({
            "instanceId": instance["InstanceId"],
            "imageId": ami,
            "region": REGION,
            "availabilityZone": REGION + "a",
            "instanceType": "m5.large",
            "accountId": "123456789012",
        })
        registered = ecs.register_container_instance(cluster=cluster, instanceIdentityDocument=document)
        arns.append(registered["containerInstance"]["containerInstanceArn"])
    return arns

def run(arns, per_instance, cluster=CLUSTER):
    ecs.register_task_definition(family="web", containerDefinitions=[{"name": "web", "image": "nginx", "memory": 128}])
    tasks = []
    for arn in arns:
        for _ in range(per_instance):
            started = ecs.start_task(cluster=cluster, taskDefinition="web", containerInstances=[arn])
            tasks.extend(task["taskArn"] for task in started["tasks"])
    return tasks
"#;

/// Runs a few lines of boto3 against moto after [`PRELUDE`] and returns what they print.
fn boto3(moto: &MotoServer, script: &str) -> String {
    moto.boto3(
        REGION,
        &format!("REGION = {REGION:?}\nCLUSTER = {CLUSTER:?}\n{PRELUDE}\n{script}"),
    )
}

/// Runs a script that prints a JSON list of strings (ARNs).
fn boto3_list(moto: &MotoServer, script: &str) -> Vec<String> {
    let printed = boto3(moto, script);
    serde_json::from_str(&printed).unwrap_or_else(|err| panic!("{err}: {printed}"))
}

fn inspector(moto: &MotoServer, region: &str) -> AwsClusterInspector {
    AwsClusterInspector::from_client(moto.ecs_client(region))
}

fn ami(id: &str) -> AmiId {
    id.parse().unwrap()
}

async fn verdict(moto: &MotoServer) -> TasksMoved {
    check_tasks_moved(&inspector(moto, REGION), CLUSTER, &ami(NEW_AMI))
        .await
        .unwrap()
}

#[tokio::test]
async fn tasks_have_moved_once_the_old_instances_are_drained_and_gone() {
    let moto = MotoServer::start();

    // Before the rollout: two instances of the old AMI run two tasks each.
    let old = boto3_list(
        &moto,
        r#"
ecs.create_cluster(clusterName=CLUSTER)
old = launch("ami-0aaaaaaaaaaaaaaaa", 2)
run(old, 2)
print(json.dumps(old))
"#,
    );
    let instances = inspector(&moto, REGION).instances(CLUSTER).await.unwrap();
    assert_eq!(instances.len(), 2, "{instances:?}");
    for instance in &instances {
        assert!(old.contains(&instance.arn), "{instance:?}");
        assert_eq!(instance.status, InstanceStatus::Active);
        assert_eq!(
            instance.ami_id,
            Some(ami(OLD_AMI)),
            "copied from EC2 by ECS"
        );
        assert_eq!(instance.running_tasks, 2);
        let ec2 = instance.ec2_instance_id.as_deref().unwrap_or_default();
        assert!(ec2.starts_with("i-"), "{instance:?}");
    }
    assert_eq!(
        verdict(&moto).await,
        TasksMoved::Moving {
            on_new: 0,
            on_old: 2
        }
    );

    // Atlantis applies: the new autoscaling group's instances join while the old ones still run.
    let new = boto3_list(
        &moto,
        r#"print(json.dumps(launch("ami-0bbbbbbbbbbbbbbbb", 2)))"#,
    );
    assert_eq!(
        verdict(&moto).await,
        TasksMoved::Moving {
            on_new: 2,
            on_old: 2
        }
    );

    // The drain Lambda drains the old instances; their tasks start on the new ones. Even with no
    // task left on them, draining old instances mean the move is not over.
    boto3(
        &moto,
        &format!(
            r#"
old = {old:?}
ecs.update_container_instances_state(cluster=CLUSTER, containerInstances=old, status="DRAINING")
run({new:?}, 2)
for task in ecs.list_tasks(cluster=CLUSTER)["taskArns"]:
    described = ecs.describe_tasks(cluster=CLUSTER, tasks=[task])["tasks"][0]
    if described["containerInstanceArn"] in old:
        ecs.stop_task(cluster=CLUSTER, task=task)
"#
        ),
    );
    let instances = inspector(&moto, REGION).instances(CLUSTER).await.unwrap();
    let draining: Vec<_> = instances
        .iter()
        .filter(|i| i.status == InstanceStatus::Draining)
        .map(|i| i.arn.clone())
        .collect();
    assert_eq!(draining.len(), 2, "{instances:?}");
    assert!(draining.iter().all(|arn| old.contains(arn)));
    assert_eq!(
        verdict(&moto).await,
        TasksMoved::Moving {
            on_new: 2,
            on_old: 2
        }
    );

    // The lifecycle hook completes: the old instances terminate and leave the cluster.
    boto3(
        &moto,
        &format!(
            r#"
for arn in {old:?}:
    ecs.deregister_container_instance(cluster=CLUSTER, containerInstance=arn, force=True)
"#
        ),
    );
    let moved = verdict(&moto).await;
    assert_eq!(
        moved,
        TasksMoved::Moved {
            instances: 2,
            tasks: 4
        }
    );
    assert!(moved.is_moved());
}

#[tokio::test]
async fn one_old_instance_left_active_keeps_the_move_open() {
    let moto = MotoServer::start();
    boto3(
        &moto,
        r#"
ecs.create_cluster(clusterName=CLUSTER)
old = launch("ami-0aaaaaaaaaaaaaaaa", 2)
new = launch("ami-0bbbbbbbbbbbbbbbb", 3)
run(new, 1)
ecs.update_container_instances_state(cluster=CLUSTER, containerInstances=old[:1], status="DRAINING")
ecs.deregister_container_instance(cluster=CLUSTER, containerInstance=old[0], force=True)
"#,
    );
    assert_eq!(
        verdict(&moto).await,
        TasksMoved::Moving {
            on_new: 3,
            on_old: 1
        }
    );
    // Judged against the old AMI instead, the same cluster is the other way round.
    let against_old = check_tasks_moved(&inspector(&moto, REGION), CLUSTER, &ami(OLD_AMI))
        .await
        .unwrap();
    assert_eq!(
        against_old,
        TasksMoved::Moving {
            on_new: 1,
            on_old: 3
        }
    );
}

#[tokio::test]
async fn every_instance_of_a_large_cluster_is_read() {
    let moto = MotoServer::start();
    // More instances than one DescribeContainerInstances call may name (100).
    boto3(
        &moto,
        r#"
ecs.create_cluster(clusterName=CLUSTER)
launch("ami-0bbbbbbbbbbbbbbbb", 130)
old = launch("ami-0aaaaaaaaaaaaaaaa", 1)
ecs.update_container_instances_state(cluster=CLUSTER, containerInstances=old, status="DRAINING")
"#,
    );
    let instances = inspector(&moto, REGION).instances(CLUSTER).await.unwrap();
    assert_eq!(instances.len(), 131);
    assert_eq!(
        verdict(&moto).await,
        TasksMoved::Moving {
            on_new: 130,
            on_old: 1
        }
    );
}

#[tokio::test]
async fn a_cluster_without_instances_proves_nothing() {
    let moto = MotoServer::start();
    boto3(&moto, "ecs.create_cluster(clusterName=CLUSTER)");
    assert_eq!(verdict(&moto).await, TasksMoved::NoInstances);
}

#[tokio::test]
async fn a_missing_cluster_is_an_error_naming_the_cluster_and_the_region() {
    let moto = MotoServer::start();
    boto3(
        &moto,
        r#"
ecs.create_cluster(clusterName=CLUSTER)
launch("ami-0bbbbbbbbbbbbbbbb", 1)
ecs.create_cluster(clusterName="AppsOld")
ecs.delete_cluster(cluster="AppsOld")
"#,
    );

    // The right cluster in the wrong region.
    let err = check_tasks_moved(&inspector(&moto, "eu-west-1"), CLUSTER, &ami(NEW_AMI))
        .await
        .unwrap_err();
    assert_eq!(
        err,
        EcsError::ClusterNotFound {
            cluster: CLUSTER.to_owned(),
            region: "eu-west-1".to_owned()
        }
    );
    assert_eq!(
        err.to_string(),
        "ECS cluster `AppsStaging` was not found in eu-west-1"
    );
    assert!(!err.is_retryable());

    // A typo, and a deleted cluster, in the right region.
    for cluster in ["AppStaging", "AppsOld"] {
        let err = inspector(&moto, REGION)
            .instances(cluster)
            .await
            .unwrap_err();
        assert_eq!(
            err,
            EcsError::ClusterNotFound {
                cluster: cluster.to_owned(),
                region: REGION.to_owned()
            }
        );
    }
}

#[tokio::test]
async fn an_unreachable_endpoint_is_worth_retrying() {
    // Nothing listens on a port once its listener is dropped.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let endpoint = format!("http://127.0.0.1:{port}");
    let client = aws_sdk_ecs::Client::from_conf(
        moto_like_config(&endpoint)
            .retry_config(aws_sdk_ecs::config::retry::RetryConfig::disabled())
            .build(),
    );
    let err = AwsClusterInspector::from_client(client)
        .instances(CLUSTER)
        .await
        .unwrap_err();
    assert!(err.is_retryable(), "{err:?}");
    assert_eq!(err.cluster(), CLUSTER);
    assert_eq!(err.region(), REGION);
}

/// The configuration of [`MotoServer::ecs_client`], for an endpoint with no server behind it.
fn moto_like_config(endpoint: &str) -> aws_sdk_ecs::config::Builder {
    aws_sdk_ecs::Config::builder()
        .behavior_version(aws_sdk_ecs::config::BehaviorVersion::latest())
        .region(aws_sdk_ecs::config::Region::new(REGION))
        .endpoint_url(endpoint)
        .credentials_provider(aws_sdk_ecs::config::Credentials::new(
            support::moto::ACCESS_KEY_ID,
            support::moto::SECRET_ACCESS_KEY,
            None,
            None,
            "moto",
        ))
}
