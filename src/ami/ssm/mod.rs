//! The SSM public parameter is the source of truth for "the latest ECS-optimized AMI". This module
//! reads it through a small [`ParameterStore`] port, so that parsing, fallback and the poller are
//! tested without AWS, and [`AwsParameterStore`] is the one place that speaks to the AWS SDK.

mod aws;
mod error;
mod names;
mod recommended;

use std::collections::BTreeMap;
use std::time::SystemTime;

pub use aws::AwsParameterStore;
pub use error::SsmError;
pub use names::{InvalidParameterName, ParameterName, is_region};
pub use recommended::{RecommendedImage, ValueError, parse_json, parse_value};

use crate::ami::{Release, ReleaseOrigin};

/// The keys of a `.../recommended` value that are also published as their own sub-parameters
/// and that [`SsmSource`] reads when the parent cannot be read. `image_id` comes first.
pub const SUB_PARAMETER_KEYS: [&str; 6] = [
    "image_id",
    "image_name",
    "image_version",
    "ecs_agent_version",
    "ecs_runtime_version",
    "os",
];

/// One parameter's current value, as SSM returned it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParameterValue {
    /// The value, verbatim.
    pub value: String,
    /// SSM's version number of the parameter; it grows with every change.
    pub version: i64,
}

/// Reads SSM parameters in one region. The port between amiroll and the AWS SDK.
pub trait ParameterStore: Send + Sync {
    /// The region this store reads in, e.g. `us-east-1`.
    fn region(&self) -> &str;

    /// Reads one parameter.
    fn get(
        &self,
        name: &ParameterName,
    ) -> impl Future<Output = Result<ParameterValue, SsmError>> + Send;

    /// Reads several parameters at once. Names that do not exist are absent from the map, which
    /// is keyed by parameter name.
    fn get_many(
        &self,
        names: &[ParameterName],
    ) -> impl Future<Output = Result<BTreeMap<String, ParameterValue>, SsmError>> + Send;
}

/// A shared store is a store: one SDK client serves every source of its region.
impl<S: ParameterStore + ?Sized> ParameterStore for std::sync::Arc<S> {
    fn region(&self) -> &str {
        (**self).region()
    }

    fn get(
        &self,
        name: &ParameterName,
    ) -> impl Future<Output = Result<ParameterValue, SsmError>> + Send {
        (**self).get(name)
    }

    fn get_many(
        &self,
        names: &[ParameterName],
    ) -> impl Future<Output = Result<BTreeMap<String, ParameterValue>, SsmError>> + Send {
        (**self).get_many(names)
    }
}

/// One configured (parameter, region) pair: reads the recommended AMI it names.
#[derive(Clone, Debug)]
pub struct SsmSource<S> {
    store: S,
    parameter: ParameterName,
}

impl<S: ParameterStore> SsmSource<S> {
    /// A source reading `parameter` through `store` (and so in the store's region).
    pub fn new(store: S, parameter: ParameterName) -> Self {
        Self { store, parameter }
    }

    /// The parameter read.
    pub fn parameter(&self) -> &ParameterName {
        &self.parameter
    }

    /// The region read in.
    pub fn region(&self) -> &str {
        self.store.region()
    }

    /// Reads the recommended AMI now; `origin` records why.
    ///
    /// The parameter may hold a recommended-AMI JSON value (`.../recommended`) or a plain AMI id
    /// (`.../recommended/image_id`). When it does not exist, cannot be decoded or does not name an
    /// AMI, its sub-parameters (`<parameter>/image_id`, `/image_name`, ...) are read in one call
    /// instead; if they do not name an AMI either, the first error is returned.
    pub async fn read(&self, origin: ReleaseOrigin) -> Result<Release, SsmError> {
        let image = match self.store.get(&self.parameter).await {
            Ok(value) => match parse_value(&value.value) {
                Ok(image) => {
                    tracing::debug!(
                        parameter = %self.parameter,
                        region = self.region(),
                        version = value.version,
                        ami = %image.ami_id,
                        "read the recommended AMI"
                    );
                    image
                }
                Err(reason) => self.read_sub_parameters(self.invalid(reason)).await?,
            },
            Err(err) if err.allows_fallback() => self.read_sub_parameters(err).await?,
            Err(err) => return Err(err),
        };
        Ok(image.into_release(
            self.region(),
            self.parameter.as_str(),
            origin,
            SystemTime::now(),
        ))
    }

    /// Reads the sub-parameters after `primary` made the parent unusable.
    async fn read_sub_parameters(&self, primary: SsmError) -> Result<RecommendedImage, SsmError> {
        let Ok(names) = SUB_PARAMETER_KEYS
            .iter()
            .map(|key| self.parameter.child(key))
            .collect::<Result<Vec<_>, _>>()
        else {
            return Err(primary);
        };
        tracing::debug!(
            parameter = %self.parameter,
            region = self.region(),
            error = %primary,
            "falling back to the sub-parameters"
        );
        let mut values = match self.store.get_many(&names).await {
            Ok(values) => values,
            Err(err) if err.is_retryable() => return Err(err),
            Err(_) => return Err(primary),
        };
        let mut take = |name: &ParameterName| {
            values
                .remove(name.as_str())
                .map(|v| v.value.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let [id_name, name, version, agent, runtime, os] = &names[..] else {
            return Err(primary);
        };
        let Some(id) = take(id_name) else {
            return Err(primary);
        };
        let ami_id = id.parse().map_err(|err| SsmError::InvalidValue {
            parameter: id_name.to_string(),
            region: self.region().to_owned(),
            reason: ValueError::InvalidAmiId(err),
        })?;
        Ok(RecommendedImage {
            ami_id,
            image_name: take(name),
            image_version: take(version),
            ecs_agent_version: take(agent),
            ecs_runtime_version: take(runtime),
            os: take(os),
        })
    }

    fn invalid(&self, reason: ValueError) -> SsmError {
        SsmError::InvalidValue {
            parameter: self.parameter.to_string(),
            region: self.region().to_owned(),
            reason,
        }
    }
}

#[cfg(test)]
mod tests;
