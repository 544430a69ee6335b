//! Proof, from ECS, that a rollout's "Running tasks moved to the new instances" item is done:
//! after Atlantis applies a new AMI and the drain Lambda empties the old instances, every ACTIVE
//! container instance of the stage's cluster reports `ecs.ami-id` equal to the new AMI.
//!
//! The cluster is read through a small [`ClusterInspector`] port, so that [`tasks_moved`] (the
//! judgement) is tested without AWS, and [`AwsClusterInspector`] is the one place that speaks
//! to the AWS SDK.

mod aws;
mod error;

use std::fmt;

pub use aws::AwsClusterInspector;
pub use error::EcsError;

use crate::ami::AmiId;

/// The container instance attribute in which the ECS agent reports the instance's AMI.
pub const AMI_ID_ATTRIBUTE: &str = "ecs.ami-id";

/// The lifecycle status of a container instance, as ECS reports it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum InstanceStatus {
    /// Accepts new tasks.
    Active,
    /// Being emptied (by the drain Lambda): its tasks are moving elsewhere.
    Draining,
    /// Joining the cluster.
    Registering,
    /// Leaving the cluster.
    Deregistering,
    /// Failed to join the cluster.
    RegistrationFailed,
    /// Gone from the cluster.
    Inactive,
    /// A status amiroll does not know, verbatim.
    Other(String),
}

impl From<&str> for InstanceStatus {
    fn from(status: &str) -> Self {
        match status {
            "ACTIVE" => Self::Active,
            "DRAINING" => Self::Draining,
            "REGISTERING" => Self::Registering,
            "DEREGISTERING" => Self::Deregistering,
            "REGISTRATION_FAILED" => Self::RegistrationFailed,
            "INACTIVE" => Self::Inactive,
            other => Self::Other(other.to_owned()),
        }
    }
}

impl fmt::Display for InstanceStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Active => "ACTIVE",
            Self::Draining => "DRAINING",
            Self::Registering => "REGISTERING",
            Self::Deregistering => "DEREGISTERING",
            Self::RegistrationFailed => "REGISTRATION_FAILED",
            Self::Inactive => "INACTIVE",
            Self::Other(other) => other,
        })
    }
}

/// One container instance of a cluster: what amiroll needs to judge whether tasks moved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContainerInstance {
    /// The container instance ARN.
    pub arn: String,
    /// The EC2 instance behind it, when ECS says.
    pub ec2_instance_id: Option<String>,
    /// Its lifecycle status.
    pub status: InstanceStatus,
    /// The AMI it runs (its `ecs.ami-id` attribute); `None` when the attribute is absent or is
    /// not an AMI id.
    pub ami_id: Option<AmiId>,
    /// How many tasks run on it now.
    pub running_tasks: i32,
}

/// Reads the container instances of ECS clusters in one region. The port between amiroll and
/// the AWS SDK.
pub trait ClusterInspector: Send + Sync {
    /// The region this inspector reads in, e.g. `us-east-1`.
    fn region(&self) -> &str;

    /// Every container instance registered in `cluster` (a name or an ARN), whatever its
    /// status. Fails with [`EcsError::ClusterNotFound`] when the cluster does not exist.
    fn instances(
        &self,
        cluster: &str,
    ) -> impl Future<Output = Result<Vec<ContainerInstance>, EcsError>> + Send;
}

/// Where a cluster stands in moving its tasks to the instances of a new AMI.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TasksMoved {
    /// Every ACTIVE instance runs the new AMI, at least one is ACTIVE and no instance on another
    /// AMI is still draining: the checklist item can be ticked.
    Moved {
        /// ACTIVE instances on the new AMI.
        instances: usize,
        /// Tasks running on them.
        tasks: u64,
    },
    /// Some instances on another AMI (or whose AMI is unknown) are still ACTIVE or DRAINING.
    Moving {
        /// ACTIVE instances on the new AMI.
        on_new: usize,
        /// ACTIVE or DRAINING instances on another or an unknown AMI.
        on_old: usize,
    },
    /// No instance is ACTIVE and none on another AMI is draining: nothing to prove it with.
    NoInstances,
}

impl TasksMoved {
    /// Whether the checklist item can be ticked.
    pub fn is_moved(&self) -> bool {
        matches!(self, Self::Moved { .. })
    }
}

impl fmt::Display for TasksMoved {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Moved { instances, tasks } => write!(
                f,
                "all {instances} ACTIVE container instance(s) run the new AMI, with {tasks} running task(s)"
            ),
            Self::Moving { on_new, on_old } => write!(
                f,
                "{on_new} container instance(s) run the new AMI, {on_old} still run(s) another AMI"
            ),
            Self::NoInstances => f.write_str("the cluster has no ACTIVE container instance"),
        }
    }
}

/// Judges whether the tasks of a cluster whose container instances are `instances` have moved
/// to instances running `ami`.
///
/// ACTIVE instances count for the AMI they run; one whose AMI is unknown counts as old, since it
/// proves nothing. A DRAINING instance on another AMI means the drain Lambda has not finished,
/// whether or not tasks are left on it. Other instances (a DRAINING one on the new AMI, ones
/// registering, deregistering or gone) take no part.
pub fn tasks_moved(instances: &[ContainerInstance], ami: &AmiId) -> TasksMoved {
    let mut on_new = 0;
    let mut on_old = 0;
    let mut tasks: u64 = 0;
    for instance in instances {
        let runs_new = instance.ami_id.as_ref() == Some(ami);
        match (&instance.status, runs_new) {
            (InstanceStatus::Active, true) => {
                on_new += 1;
                tasks += u64::try_from(instance.running_tasks).unwrap_or(0);
            }
            (InstanceStatus::Active | InstanceStatus::Draining, false) => on_old += 1,
            _ => {}
        }
    }
    if on_old > 0 {
        TasksMoved::Moving { on_new, on_old }
    } else if on_new == 0 {
        TasksMoved::NoInstances
    } else {
        TasksMoved::Moved {
            instances: on_new,
            tasks,
        }
    }
}

/// Reads `cluster` through `inspector` and judges whether its tasks moved to `ami`.
pub async fn check_tasks_moved<I: ClusterInspector>(
    inspector: &I,
    cluster: &str,
    ami: &AmiId,
) -> Result<TasksMoved, EcsError> {
    let instances = inspector.instances(cluster).await?;
    let verdict = tasks_moved(&instances, ami);
    tracing::debug!(
        cluster,
        region = inspector.region(),
        %ami,
        %verdict,
        "judged whether tasks moved to the new AMI"
    );
    Ok(verdict)
}

#[cfg(test)]
mod tests;
