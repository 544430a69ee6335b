//! How [`tasks_moved`] judges a cluster: every status against the new, an old and an unknown
//! AMI, the stages of a real rollout, and properties over arbitrary clusters.

use proptest::prelude::*;

use super::*;

const NEW: &str = "ami-0123456789abcdef0";
const OLD: &str = "ami-0fedcba9876543210";

fn new() -> AmiId {
    NEW.parse().unwrap()
}

/// Which AMI an instance reports.
#[derive(Clone, Copy, Debug)]
enum Ami {
    New,
    Old,
    Unknown,
}

fn instance(n: usize, status: InstanceStatus, ami: Ami, running_tasks: i32) -> ContainerInstance {
    ContainerInstance {
        arn: format!("arn:aws:ecs:us-east-1:123456789012:container-instance/AppsStaging/{n}"),
        ec2_instance_id: Some(format!("i-{n:017x}")),
        status,
        ami_id: match ami {
            Ami::New => Some(new()),
            Ami::Old => Some(OLD.parse().unwrap()),
            Ami::Unknown => None,
        },
        running_tasks,
    }
}

fn all_statuses() -> [InstanceStatus; 7] {
    [
        InstanceStatus::Active,
        InstanceStatus::Draining,
        InstanceStatus::Registering,
        InstanceStatus::Deregistering,
        InstanceStatus::RegistrationFailed,
        InstanceStatus::Inactive,
        InstanceStatus::Other("SOMETHING_NEW".to_owned()),
    ]
}

/// What one instance contributes to the judgement, by status and AMI.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Counts {
    AsNew,
    AsOld,
    Not,
}

fn expected(status: &InstanceStatus, ami: Ami) -> Counts {
    match (status, ami) {
        (InstanceStatus::Active, Ami::New) => Counts::AsNew,
        (InstanceStatus::Active | InstanceStatus::Draining, Ami::Old | Ami::Unknown) => {
            Counts::AsOld
        }
        _ => Counts::Not,
    }
}

#[test]
fn every_status_and_ami_counts_as_the_table_says() {
    let mut checked = 0;
    for status in all_statuses() {
        for ami in [Ami::New, Ami::Old, Ami::Unknown] {
            // Next to one ACTIVE instance on the new AMI running 3 tasks.
            let cluster = [
                instance(0, InstanceStatus::Active, Ami::New, 3),
                instance(1, status.clone(), ami, 5),
            ];
            let verdict = tasks_moved(&cluster, &new());
            let want = match expected(&status, ami) {
                Counts::AsNew => TasksMoved::Moved {
                    instances: 2,
                    tasks: 8,
                },
                Counts::AsOld => TasksMoved::Moving {
                    on_new: 1,
                    on_old: 1,
                },
                Counts::Not => TasksMoved::Moved {
                    instances: 1,
                    tasks: 3,
                },
            };
            assert_eq!(verdict, want, "{status} on {ami:?}");

            // Alone in the cluster.
            let alone = tasks_moved(&cluster[1..], &new());
            let want = match expected(&status, ami) {
                Counts::AsNew => TasksMoved::Moved {
                    instances: 1,
                    tasks: 5,
                },
                Counts::AsOld => TasksMoved::Moving {
                    on_new: 0,
                    on_old: 1,
                },
                Counts::Not => TasksMoved::NoInstances,
            };
            assert_eq!(alone, want, "{status} on {ami:?}, alone");
            checked += 1;
        }
    }
    assert_eq!(checked, 21);
}

#[test]
fn an_empty_cluster_has_no_instances() {
    assert_eq!(tasks_moved(&[], &new()), TasksMoved::NoInstances);
    assert!(!TasksMoved::NoInstances.is_moved());
}

#[test]
fn a_rollout_moves_from_old_instances_to_new_ones() {
    let ami = new();
    // Before the apply: the old autoscaling group runs everything.
    let mut cluster = vec![
        instance(0, InstanceStatus::Active, Ami::Old, 4),
        instance(1, InstanceStatus::Active, Ami::Old, 3),
    ];
    assert_eq!(
        tasks_moved(&cluster, &ami),
        TasksMoved::Moving {
            on_new: 0,
            on_old: 2
        }
    );

    // The new group's instances join, empty.
    cluster.push(instance(2, InstanceStatus::Registering, Ami::New, 0));
    cluster.push(instance(3, InstanceStatus::Active, Ami::New, 0));
    assert_eq!(
        tasks_moved(&cluster, &ami),
        TasksMoved::Moving {
            on_new: 1,
            on_old: 2
        }
    );

    // The drain Lambda drains the old instances; tasks land on the new ones.
    cluster[0] = instance(0, InstanceStatus::Draining, Ami::Old, 1);
    cluster[1] = instance(1, InstanceStatus::Draining, Ami::Old, 0);
    cluster[2] = instance(2, InstanceStatus::Active, Ami::New, 3);
    cluster[3] = instance(3, InstanceStatus::Active, Ami::New, 3);
    let verdict = tasks_moved(&cluster, &ami);
    assert_eq!(
        verdict,
        TasksMoved::Moving {
            on_new: 2,
            on_old: 2
        }
    );
    assert!(!verdict.is_moved());

    // The old instances are terminated and leave the cluster.
    cluster[0].status = InstanceStatus::Inactive;
    cluster[1].status = InstanceStatus::Deregistering;
    cluster[2].running_tasks = 4;
    let verdict = tasks_moved(&cluster, &ami);
    assert_eq!(
        verdict,
        TasksMoved::Moved {
            instances: 2,
            tasks: 7
        }
    );
    assert!(verdict.is_moved());
}

#[test]
fn a_draining_old_instance_without_tasks_is_still_moving() {
    let cluster = [
        instance(0, InstanceStatus::Active, Ami::New, 6),
        instance(1, InstanceStatus::Draining, Ami::Old, 0),
    ];
    assert_eq!(
        tasks_moved(&cluster, &new()),
        TasksMoved::Moving {
            on_new: 1,
            on_old: 1
        }
    );
}

#[test]
fn new_instances_without_tasks_are_moved_with_zero_tasks() {
    let cluster = [
        instance(0, InstanceStatus::Active, Ami::New, 0),
        instance(1, InstanceStatus::Active, Ami::New, 0),
    ];
    assert_eq!(
        tasks_moved(&cluster, &new()),
        TasksMoved::Moved {
            instances: 2,
            tasks: 0
        }
    );
}

#[test]
fn a_negative_task_count_counts_as_none() {
    let cluster = [
        instance(0, InstanceStatus::Active, Ami::New, -2),
        instance(1, InstanceStatus::Active, Ami::New, 5),
    ];
    assert_eq!(
        tasks_moved(&cluster, &new()),
        TasksMoved::Moved {
            instances: 2,
            tasks: 5
        }
    );
}

#[test]
fn the_judgement_is_relative_to_the_ami_asked_about() {
    let cluster = [instance(0, InstanceStatus::Active, Ami::New, 2)];
    let other: AmiId = OLD.parse().unwrap();
    assert_eq!(
        tasks_moved(&cluster, &other),
        TasksMoved::Moving {
            on_new: 0,
            on_old: 1
        }
    );
}

#[test]
fn statuses_read_from_ecs_round_trip() {
    for status in all_statuses() {
        assert_eq!(InstanceStatus::from(status.to_string().as_str()), status);
    }
    assert_eq!(InstanceStatus::from("ACTIVE"), InstanceStatus::Active);
    assert_eq!(
        InstanceStatus::from("active"),
        InstanceStatus::Other("active".to_owned())
    );
}

#[test]
fn verdicts_read_as_sentences() {
    assert_eq!(
        TasksMoved::Moved {
            instances: 3,
            tasks: 12
        }
        .to_string(),
        "all 3 ACTIVE container instance(s) run the new AMI, with 12 running task(s)"
    );
    assert_eq!(
        TasksMoved::Moving {
            on_new: 2,
            on_old: 1
        }
        .to_string(),
        "2 container instance(s) run the new AMI, 1 still run(s) another AMI"
    );
}

/// An inspector answering from memory, in `eu-west-1`.
struct MemoryInspector(Result<Vec<ContainerInstance>, EcsError>);

impl ClusterInspector for MemoryInspector {
    fn region(&self) -> &str {
        "eu-west-1"
    }

    async fn instances(&self, _cluster: &str) -> Result<Vec<ContainerInstance>, EcsError> {
        self.0.clone()
    }
}

#[tokio::test]
async fn checking_reads_the_cluster_and_judges_it() {
    let inspector = MemoryInspector(Ok(vec![instance(0, InstanceStatus::Active, Ami::New, 2)]));
    let verdict = check_tasks_moved(&inspector, "AppsStaging", &new()).await;
    assert_eq!(
        verdict,
        Ok(TasksMoved::Moved {
            instances: 1,
            tasks: 2
        })
    );

    let missing = EcsError::ClusterNotFound {
        cluster: "AppsStaging".to_owned(),
        region: "eu-west-1".to_owned(),
    };
    let inspector = MemoryInspector(Err(missing.clone()));
    let verdict = check_tasks_moved(&inspector, "AppsStaging", &new()).await;
    assert_eq!(verdict, Err(missing));
}

#[test]
fn errors_name_the_cluster_and_the_region() {
    let error = EcsError::AccessDenied {
        cluster: "AppsProd".to_owned(),
        region: "us-east-1".to_owned(),
        message: "not authorized".to_owned(),
    };
    let text = error.to_string();
    assert!(
        text.contains("`AppsProd`") && text.contains("us-east-1"),
        "{text}"
    );
    assert!(text.contains("ecs:ListContainerInstances"), "{text}");
    assert_eq!(error.cluster(), "AppsProd");
    assert_eq!(error.region(), "us-east-1");
    assert!(!error.is_retryable());
}

fn arb_instance() -> impl Strategy<Value = ContainerInstance> {
    (
        0..all_statuses().len(),
        prop_oneof![Just(Ami::New), Just(Ami::Old), Just(Ami::Unknown)],
        -1..20i32,
        0..1000usize,
    )
        .prop_map(|(status, ami, tasks, n)| instance(n, all_statuses()[status].clone(), ami, tasks))
}

proptest! {
    #[test]
    fn the_order_of_instances_does_not_matter(
        cluster in prop::collection::vec(arb_instance(), 0..12)
    ) {
        let mut reversed = cluster.clone();
        reversed.reverse();
        prop_assert_eq!(tasks_moved(&cluster, &new()), tasks_moved(&reversed, &new()));
    }

    #[test]
    fn an_active_instance_on_an_old_ami_always_means_moving(
        cluster in prop::collection::vec(arb_instance(), 0..12),
        at in any::<prop::sample::Index>(),
    ) {
        let mut cluster = cluster;
        let at = at.index(cluster.len() + 1);
        cluster.insert(at, instance(9999, InstanceStatus::Active, Ami::Old, 1));
        let verdict = tasks_moved(&cluster, &new());
        let moving = matches!(verdict, TasksMoved::Moving { on_old, .. } if on_old >= 1);
        prop_assert!(moving, "{:?}", verdict);
    }

    #[test]
    fn instances_that_left_the_cluster_change_nothing(
        cluster in prop::collection::vec(arb_instance(), 0..12),
        ami in prop_oneof![Just(Ami::New), Just(Ami::Old), Just(Ami::Unknown)],
    ) {
        let mut with_gone = cluster.clone();
        with_gone.push(instance(9999, InstanceStatus::Inactive, ami, 0));
        prop_assert_eq!(tasks_moved(&cluster, &new()), tasks_moved(&with_gone, &new()));
    }

    #[test]
    fn moved_counts_exactly_the_active_instances_on_the_new_ami(
        cluster in prop::collection::vec(arb_instance(), 0..12)
    ) {
        let ami = new();
        let active_new: Vec<_> = cluster
            .iter()
            .filter(|i| i.status == InstanceStatus::Active && i.ami_id.as_ref() == Some(&ami))
            .collect();
        match tasks_moved(&cluster, &ami) {
            TasksMoved::Moved { instances, tasks } => {
                prop_assert_eq!(instances, active_new.len());
                prop_assert!(instances >= 1);
                let sum: i64 = active_new.iter().map(|i| i64::from(i.running_tasks.max(0))).sum();
                prop_assert_eq!(i64::try_from(tasks).unwrap(), sum);
            }
            TasksMoved::Moving { on_new, on_old } => {
                prop_assert_eq!(on_new, active_new.len());
                prop_assert!(on_old >= 1);
            }
            TasksMoved::NoInstances => prop_assert!(active_new.is_empty()),
        }
    }
}
