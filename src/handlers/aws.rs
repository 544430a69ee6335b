//! What the engine asks of AWS, behind one small object-safe trait: the latest release of a
//! repository's SSM parameter (so a periodic reconciliation catches a release that was missed while
//! amiroll was down), and whether a stage's ECS cluster runs the new AMI everywhere (so "running
//! tasks moved" is ticked only when ECS proves it).

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};

use anyhow::Context as _;

use crate::ami::ecs::{AwsClusterInspector, TasksMoved, check_tasks_moved};
use crate::ami::ssm::{AwsParameterStore, SsmSource};
use crate::ami::{AmiId, Release, ReleaseOrigin};
use crate::config::AmiSource;

/// A boxed, sendable future.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// AWS, as the rollout engine needs it.
pub trait AwsFacts: Send + Sync {
    /// The recommended AMI of `source` now.
    fn latest_release<'a>(
        &'a self,
        source: &'a AmiSource,
    ) -> BoxFuture<'a, anyhow::Result<Release>>;

    /// Whether every active instance of `cluster` (in `region`) runs `ami`.
    fn tasks_moved<'a>(
        &'a self,
        region: &'a str,
        cluster: &'a str,
        ami: &'a AmiId,
    ) -> BoxFuture<'a, anyhow::Result<TasksMoved>>;
}

/// The real AWS (or an emulator at `endpoint`), one SDK client per region, made on first use.
#[derive(Default)]
pub struct LiveAws {
    endpoint: Option<String>,
    ssm: Mutex<HashMap<String, Arc<AwsParameterStore>>>,
    ecs: Mutex<HashMap<String, Arc<AwsClusterInspector>>>,
}

impl LiveAws {
    /// AWS through the default credential chain; `endpoint` overrides the service endpoints.
    pub fn new(endpoint: Option<String>) -> Self {
        Self {
            endpoint,
            ..Self::default()
        }
    }

    /// AWS through ready-made clients for one region (tests against moto).
    pub fn with_clients(region: &str, ssm: aws_sdk_ssm::Client, ecs: aws_sdk_ecs::Client) -> Self {
        let live = Self::default();
        lock(&live.ssm).insert(
            region.to_owned(),
            Arc::new(AwsParameterStore::from_client(ssm)),
        );
        lock(&live.ecs).insert(
            region.to_owned(),
            Arc::new(AwsClusterInspector::from_client(ecs)),
        );
        live
    }

    async fn store(&self, region: &str) -> Arc<AwsParameterStore> {
        if let Some(store) = lock(&self.ssm).get(region) {
            return Arc::clone(store);
        }
        let store = Arc::new(AwsParameterStore::new(region, self.endpoint.clone()).await);
        Arc::clone(lock(&self.ssm).entry(region.to_owned()).or_insert(store))
    }

    async fn inspector(&self, region: &str) -> Arc<AwsClusterInspector> {
        if let Some(inspector) = lock(&self.ecs).get(region) {
            return Arc::clone(inspector);
        }
        let inspector = Arc::new(AwsClusterInspector::new(region, self.endpoint.clone()).await);
        Arc::clone(
            lock(&self.ecs)
                .entry(region.to_owned())
                .or_insert(inspector),
        )
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl AwsFacts for LiveAws {
    fn latest_release<'a>(
        &'a self,
        source: &'a AmiSource,
    ) -> BoxFuture<'a, anyhow::Result<Release>> {
        Box::pin(async move {
            let parameter = source
                .ssm_parameter
                .parse()
                .context("Cannot use the configured SSM parameter")?;
            let store = self.store(&source.region).await;
            Ok(SsmSource::new(store, parameter)
                .read(ReleaseOrigin::Ssm)
                .await?)
        })
    }

    fn tasks_moved<'a>(
        &'a self,
        region: &'a str,
        cluster: &'a str,
        ami: &'a AmiId,
    ) -> BoxFuture<'a, anyhow::Result<TasksMoved>> {
        Box::pin(async move {
            let inspector = self.inspector(region).await;
            Ok(check_tasks_moved(inspector.as_ref(), cluster, ami).await?)
        })
    }
}
