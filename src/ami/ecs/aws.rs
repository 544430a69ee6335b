//! The [`ClusterInspector`] adapter over `aws-sdk-ecs`: builds the client (default credential
//! chain, explicit region, optional endpoint), reads a cluster's container instances, and turns
//! SDK errors into [`EcsError`]s.

use std::error::Error as StdError;

use aws_sdk_ecs::Client;
use aws_sdk_ecs::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_ecs::types::Failure;

use crate::ami::aws_sdk::{CREDENTIAL_CODES, describe, is_credentials_failure, sdk_config};

use super::{AMI_ID_ATTRIBUTE, ClusterInspector, ContainerInstance, EcsError, InstanceStatus};

/// At most this many container instances per `DescribeContainerInstances` call (an ECS limit).
const DESCRIBE_LIMIT: usize = 100;

/// The failure reason ECS gives for a cluster or container instance that does not exist.
const MISSING: &str = "MISSING";

/// Reads ECS clusters in one region through the AWS SDK.
///
/// Retries are left to the SDK's standard retry strategy (throttling, network errors, timeouts
/// and 5xx answers; 3 attempts with jittered exponential backoff capped at 5 s), and each call
/// is bounded by timeouts, so one read never hangs.
#[derive(Clone, Debug)]
pub struct AwsClusterInspector {
    client: Client,
    region: String,
}

impl AwsClusterInspector {
    /// An inspector reading in `region` with the default credential chain (environment,
    /// profile, web identity, container and instance credentials).
    ///
    /// `endpoint` overrides the ECS endpoint (e.g. a moto server); without it the standard
    /// `AWS_ENDPOINT_URL_ECS` / `AWS_ENDPOINT_URL` variables and profile settings still apply.
    pub async fn new(region: &str, endpoint: Option<String>) -> Self {
        let config = sdk_config(region, endpoint).await;
        Self {
            client: Client::new(&config),
            region: region.to_owned(),
        }
    }

    /// An inspector over an SDK client built by the caller (tests: fixed credentials, a moto
    /// endpoint). The region is the client's.
    pub fn from_client(client: Client) -> Self {
        let region = client
            .config()
            .region()
            .map(ToString::to_string)
            .unwrap_or_default();
        Self { client, region }
    }

    /// The SDK client.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Fails with [`EcsError::ClusterNotFound`] unless `cluster` exists and is not deleted.
    ///
    /// AWS answers `ListContainerInstances` on a missing cluster with an error, but moto answers
    /// with an empty list; asking first makes both say the same thing.
    async fn ensure_cluster(&self, cluster: &str) -> Result<(), EcsError> {
        let output = self
            .client
            .describe_clusters()
            .clusters(cluster)
            .send()
            .await
            .map_err(|err| self.classify(cluster, &err))?;
        if let Some(failure) = output.failures().first() {
            return Err(if failure.reason() == Some(MISSING) {
                self.not_found(cluster)
            } else {
                self.fatal(
                    cluster,
                    format!("DescribeClusters {}", describe_failure(failure)),
                )
            });
        }
        match output.clusters().first().and_then(|found| found.status()) {
            Some("INACTIVE") | None => Err(self.not_found(cluster)),
            Some(_) => Ok(()),
        }
    }

    /// Every container instance ARN in the cluster, whatever its status, across pages.
    async fn list(&self, cluster: &str) -> Result<Vec<String>, EcsError> {
        let mut pages = self
            .client
            .list_container_instances()
            .cluster(cluster)
            .into_paginator()
            .items()
            .send();
        let mut arns = Vec::new();
        while let Some(arn) = pages.next().await {
            arns.push(arn.map_err(|err| self.classify(cluster, &err))?);
        }
        Ok(arns)
    }

    /// Describes `arns`, at most [`DESCRIBE_LIMIT`] per call. Instances that went away since
    /// they were listed are left out.
    async fn describe(
        &self,
        cluster: &str,
        arns: &[String],
    ) -> Result<Vec<ContainerInstance>, EcsError> {
        let mut instances = Vec::with_capacity(arns.len());
        for batch in arns.chunks(DESCRIBE_LIMIT) {
            let output = self
                .client
                .describe_container_instances()
                .cluster(cluster)
                .set_container_instances(Some(batch.to_vec()))
                .send()
                .await
                .map_err(|err| self.classify(cluster, &err))?;
            if let Some(failure) = output
                .failures()
                .iter()
                .find(|failure| failure.reason() != Some(MISSING))
            {
                return Err(self.fatal(
                    cluster,
                    format!("DescribeContainerInstances {}", describe_failure(failure)),
                ));
            }
            instances.extend(output.container_instances().iter().map(convert));
        }
        Ok(instances)
    }

    fn not_found(&self, cluster: &str) -> EcsError {
        EcsError::ClusterNotFound {
            cluster: cluster.to_owned(),
            region: self.region.clone(),
        }
    }

    fn fatal(&self, cluster: &str, message: String) -> EcsError {
        EcsError::Fatal {
            cluster: cluster.to_owned(),
            region: self.region.clone(),
            message,
        }
    }

    fn classify<E>(&self, cluster: &str, err: &SdkError<E>) -> EcsError
    where
        E: ProvideErrorMetadata + StdError + 'static,
    {
        let cluster = cluster.to_owned();
        let region = self.region.clone();
        let message = describe(err);
        match err {
            SdkError::ServiceError(service) => {
                let status = service.raw().status().as_u16();
                let code = service.err().code().unwrap_or_default();
                let detail = service.err().message().unwrap_or(code).to_owned();
                match code {
                    "ClusterNotFoundException" => EcsError::ClusterNotFound { cluster, region },
                    "AccessDeniedException" => EcsError::AccessDenied {
                        cluster,
                        region,
                        message: detail,
                    },
                    code if CREDENTIAL_CODES.contains(&code) => EcsError::NoCredentials {
                        cluster,
                        region,
                        message: detail,
                    },
                    "ThrottlingException" | "ServerException" | "ServiceUnavailable" => {
                        EcsError::Retryable {
                            cluster,
                            region,
                            message: detail,
                        }
                    }
                    _ if status >= 500 || status == 429 => EcsError::Retryable {
                        cluster,
                        region,
                        message,
                    },
                    _ => EcsError::Fatal {
                        cluster,
                        region,
                        message,
                    },
                }
            }
            SdkError::TimeoutError(_) => EcsError::Retryable {
                cluster,
                region,
                message,
            },
            SdkError::DispatchFailure(failure) if failure.is_io() || failure.is_timeout() => {
                EcsError::Retryable {
                    cluster,
                    region,
                    message,
                }
            }
            _ if is_credentials_failure(err) => EcsError::NoCredentials {
                cluster,
                region,
                message,
            },
            _ => EcsError::Fatal {
                cluster,
                region,
                message,
            },
        }
    }
}

impl ClusterInspector for AwsClusterInspector {
    fn region(&self) -> &str {
        &self.region
    }

    async fn instances(&self, cluster: &str) -> Result<Vec<ContainerInstance>, EcsError> {
        self.ensure_cluster(cluster).await?;
        let arns = self.list(cluster).await?;
        let instances = self.describe(cluster, &arns).await?;
        tracing::debug!(
            cluster,
            region = self.region,
            listed = arns.len(),
            described = instances.len(),
            "read the cluster's container instances"
        );
        Ok(instances)
    }
}

/// The parts of an SDK container instance amiroll judges by. An `ecs.ami-id` attribute that is
/// absent or not an AMI id becomes `None`.
fn convert(instance: &aws_sdk_ecs::types::ContainerInstance) -> ContainerInstance {
    let ami_id = instance
        .attributes()
        .iter()
        .find(|attribute| attribute.name() == AMI_ID_ATTRIBUTE)
        .and_then(|attribute| attribute.value())
        .and_then(|value| value.parse().ok());
    ContainerInstance {
        arn: instance
            .container_instance_arn()
            .unwrap_or_default()
            .to_owned(),
        ec2_instance_id: instance.ec2_instance_id().map(ToOwned::to_owned),
        status: InstanceStatus::from(instance.status().unwrap_or_default()),
        ami_id,
        running_tasks: instance.running_tasks_count(),
    }
}

/// `failed for <arn>: <reason> (<detail>)`, leaving out what ECS did not say.
fn describe_failure(failure: &Failure) -> String {
    let mut text = format!(
        "failed for {}: {}",
        failure.arn().unwrap_or("?"),
        failure.reason().unwrap_or("no reason given")
    );
    if let Some(detail) = failure.detail() {
        text.push_str(&format!(" ({detail})"));
    }
    text
}
