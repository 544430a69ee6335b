//! Why reading a cluster's container instances failed, sorted by what the caller can do about
//! it: wait and retry, fix the configuration or credentials, or give up.

/// A failed read of an ECS cluster's container instances. Every variant names the cluster and
/// the region.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EcsError {
    /// The cluster does not exist in that region, or has been deleted (a typo, or the wrong
    /// region).
    #[error("ECS cluster `{cluster}` was not found in {region}")]
    ClusterNotFound {
        /// The cluster that was read.
        cluster: String,
        /// The region it was read in.
        region: String,
    },
    /// No AWS credentials could be found, or AWS rejected them.
    #[error(
        "cannot read ECS cluster `{cluster}` in {region}: no usable AWS credentials ({message})"
    )]
    NoCredentials {
        /// The cluster that was read.
        cluster: String,
        /// The region it was read in.
        region: String,
        /// What the credential chain or AWS said.
        message: String,
    },
    /// The credentials are valid but may not read the cluster.
    #[error(
        "access to ECS cluster `{cluster}` in {region} was denied; amiroll needs ecs:DescribeClusters, ecs:ListContainerInstances and ecs:DescribeContainerInstances on it ({message})"
    )]
    AccessDenied {
        /// The cluster that was read.
        cluster: String,
        /// The region it was read in.
        region: String,
        /// What AWS said.
        message: String,
    },
    /// Throttling, a network failure, a timeout or a server error, still failing after the AWS
    /// SDK's own retries. Trying again later may succeed.
    #[error("cannot read ECS cluster `{cluster}` in {region} for now: {message}")]
    Retryable {
        /// The cluster that was read.
        cluster: String,
        /// The region it was read in.
        region: String,
        /// What went wrong.
        message: String,
    },
    /// Any other failure (a malformed request, an answer that cannot be decoded, an unexpected
    /// AWS error).
    #[error("cannot read ECS cluster `{cluster}` in {region}: {message}")]
    Fatal {
        /// The cluster that was read.
        cluster: String,
        /// The region it was read in.
        region: String,
        /// What went wrong.
        message: String,
    },
}

impl EcsError {
    /// Whether reading again later may succeed without anyone changing anything.
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Retryable { .. })
    }

    /// The cluster the failed read was for.
    pub fn cluster(&self) -> &str {
        match self {
            Self::ClusterNotFound { cluster, .. }
            | Self::NoCredentials { cluster, .. }
            | Self::AccessDenied { cluster, .. }
            | Self::Retryable { cluster, .. }
            | Self::Fatal { cluster, .. } => cluster,
        }
    }

    /// The region the failed read was in.
    pub fn region(&self) -> &str {
        match self {
            Self::ClusterNotFound { region, .. }
            | Self::NoCredentials { region, .. }
            | Self::AccessDenied { region, .. }
            | Self::Retryable { region, .. }
            | Self::Fatal { region, .. } => region,
        }
    }
}
