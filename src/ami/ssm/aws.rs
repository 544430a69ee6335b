//! The [`ParameterStore`] adapter over `aws-sdk-ssm`: builds the client (default credential
//! chain, explicit region, optional endpoint), and turns SDK errors into [`SsmError`]s.

use std::collections::BTreeMap;
use std::error::Error as StdError;

use aws_sdk_ssm::Client;
use aws_sdk_ssm::error::{ProvideErrorMetadata, SdkError};

use crate::ami::aws_sdk::{CREDENTIAL_CODES, describe, is_credentials_failure, sdk_config};

use super::{ParameterName, ParameterStore, ParameterValue, SsmError};

/// At most this many names per `GetParameters` call (an SSM limit).
const GET_PARAMETERS_LIMIT: usize = 10;

/// Reads SSM parameters in one region through the AWS SDK.
///
/// Retries are left to the SDK's standard retry strategy (throttling, network errors, timeouts
/// and 5xx answers; 3 attempts with jittered exponential backoff capped at 5 s), and each read
/// is bounded by timeouts, so one call never hangs: callers such as the poller do not add a
/// retry loop of their own, they try again at their next tick.
#[derive(Clone, Debug)]
pub struct AwsParameterStore {
    client: Client,
    region: String,
}

impl AwsParameterStore {
    /// A store reading in `region` with the default credential chain (environment, profile,
    /// web identity, container and instance credentials).
    ///
    /// `endpoint` overrides the SSM endpoint (e.g. a moto server); without it the standard
    /// `AWS_ENDPOINT_URL_SSM` / `AWS_ENDPOINT_URL` variables and profile settings still apply.
    pub async fn new(region: &str, endpoint: Option<String>) -> Self {
        let config = sdk_config(region, endpoint).await;
        Self {
            client: Client::new(&config),
            region: region.to_owned(),
        }
    }

    /// A store over an SDK client built by the caller (tests: fixed credentials, a moto
    /// endpoint). The region is the client's.
    pub fn from_client(client: Client) -> Self {
        let region = client
            .config()
            .region()
            .map(ToString::to_string)
            .unwrap_or_default();
        Self { client, region }
    }

    /// The SDK client, e.g. to write parameters in tests.
    pub fn client(&self) -> &Client {
        &self.client
    }

    fn classify<E>(&self, parameter: &str, err: &SdkError<E>) -> SsmError
    where
        E: ProvideErrorMetadata + StdError + 'static,
    {
        let parameter = parameter.to_owned();
        let region = self.region.clone();
        let message = describe(err);
        match err {
            SdkError::ServiceError(service) => {
                let status = service.raw().status().as_u16();
                let code = service.err().code().unwrap_or_default();
                let detail = service.err().message().unwrap_or(code).to_owned();
                match code {
                    "ParameterNotFound" => SsmError::NotFound { parameter, region },
                    "AccessDeniedException" => SsmError::AccessDenied {
                        parameter,
                        region,
                        message: detail,
                    },
                    code if CREDENTIAL_CODES.contains(&code) => SsmError::NoCredentials {
                        parameter,
                        region,
                        message: detail,
                    },
                    "ThrottlingException" | "InternalServerError" | "ServiceUnavailable" => {
                        SsmError::Retryable {
                            parameter,
                            region,
                            message: detail,
                        }
                    }
                    _ if status >= 500 || status == 429 => SsmError::Retryable {
                        parameter,
                        region,
                        message,
                    },
                    // A successful status whose body the SDK could not read.
                    _ if (200..300).contains(&status) => SsmError::Undecodable {
                        parameter,
                        region,
                        message,
                    },
                    _ => SsmError::Fatal {
                        parameter,
                        region,
                        message,
                    },
                }
            }
            SdkError::ResponseError(_) => SsmError::Undecodable {
                parameter,
                region,
                message,
            },
            SdkError::TimeoutError(_) => SsmError::Retryable {
                parameter,
                region,
                message,
            },
            SdkError::DispatchFailure(failure) if failure.is_io() || failure.is_timeout() => {
                SsmError::Retryable {
                    parameter,
                    region,
                    message,
                }
            }
            _ if is_credentials_failure(err) => SsmError::NoCredentials {
                parameter,
                region,
                message,
            },
            _ => SsmError::Fatal {
                parameter,
                region,
                message,
            },
        }
    }
}

impl ParameterStore for AwsParameterStore {
    fn region(&self) -> &str {
        &self.region
    }

    async fn get(&self, name: &ParameterName) -> Result<ParameterValue, SsmError> {
        let output = self
            .client
            .get_parameter()
            .name(name.as_str())
            .send()
            .await
            .map_err(|err| self.classify(name.as_str(), &err))?;
        let parameter = output.parameter().ok_or_else(|| SsmError::Undecodable {
            parameter: name.to_string(),
            region: self.region.clone(),
            message: "the answer holds no parameter".to_owned(),
        })?;
        Ok(ParameterValue {
            value: parameter.value().unwrap_or_default().to_owned(),
            version: parameter.version(),
        })
    }

    async fn get_many(
        &self,
        names: &[ParameterName],
    ) -> Result<BTreeMap<String, ParameterValue>, SsmError> {
        let mut values = BTreeMap::new();
        for chunk in names.chunks(GET_PARAMETERS_LIMIT) {
            let label = chunk
                .iter()
                .map(ParameterName::as_str)
                .collect::<Vec<_>>()
                .join(", ");
            let output = self
                .client
                .get_parameters()
                .set_names(Some(chunk.iter().map(ToString::to_string).collect()))
                .send()
                .await
                .map_err(|err| self.classify(&label, &err))?;
            for parameter in output.parameters() {
                if let Some(name) = parameter.name() {
                    values.insert(
                        name.to_owned(),
                        ParameterValue {
                            value: parameter.value().unwrap_or_default().to_owned(),
                            version: parameter.version(),
                        },
                    );
                }
            }
        }
        Ok(values)
    }
}
