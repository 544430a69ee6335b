//! Why reading SSM failed, sorted by what the caller can do about it: wait and retry, fix the
//! configuration or credentials, or give up on this parameter.

use super::ValueError;

/// A failed read of an SSM parameter. Every variant names the parameter and the region.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SsmError {
    /// The parameter does not exist in that region (a typo, or the wrong region).
    #[error("SSM parameter `{parameter}` was not found in {region}")]
    NotFound {
        /// The parameter that was read.
        parameter: String,
        /// The region it was read in.
        region: String,
    },
    /// No AWS credentials could be found, or AWS rejected them.
    #[error(
        "cannot read SSM parameter `{parameter}` in {region}: no usable AWS credentials ({message})"
    )]
    NoCredentials {
        /// The parameter that was read.
        parameter: String,
        /// The region it was read in.
        region: String,
        /// What the credential chain or AWS said.
        message: String,
    },
    /// The credentials are valid but may not read the parameter.
    #[error(
        "access to SSM parameter `{parameter}` in {region} was denied; amiroll needs ssm:GetParameter and ssm:GetParameters on it ({message})"
    )]
    AccessDenied {
        /// The parameter that was read.
        parameter: String,
        /// The region it was read in.
        region: String,
        /// What AWS said.
        message: String,
    },
    /// Throttling, a network failure, a timeout or a server error, still failing after the AWS
    /// SDK's own retries. Trying again later may succeed.
    #[error("cannot read SSM parameter `{parameter}` in {region} for now: {message}")]
    Retryable {
        /// The parameter that was read.
        parameter: String,
        /// The region it was read in.
        region: String,
        /// What went wrong.
        message: String,
    },
    /// SSM answered, but the answer cannot be decoded (moto serves `.../recommended` as a JSON
    /// object where the SDK expects a string). The sub-parameters may still be readable.
    #[error("the answer for SSM parameter `{parameter}` in {region} cannot be decoded: {message}")]
    Undecodable {
        /// The parameter that was read.
        parameter: String,
        /// The region it was read in.
        region: String,
        /// What the decoder said.
        message: String,
    },
    /// The parameter exists but its value does not describe a recommended AMI.
    #[error("SSM parameter `{parameter}` in {region} does not name an AMI: {reason}")]
    InvalidValue {
        /// The parameter that was read.
        parameter: String,
        /// The region it was read in.
        region: String,
        /// What is wrong with the value.
        reason: ValueError,
    },
    /// Any other failure (a malformed request, an unexpected AWS error).
    #[error("cannot read SSM parameter `{parameter}` in {region}: {message}")]
    Fatal {
        /// The parameter that was read.
        parameter: String,
        /// The region it was read in.
        region: String,
        /// What went wrong.
        message: String,
    },
}

impl SsmError {
    /// Whether reading again later may succeed without anyone changing anything.
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Retryable { .. })
    }

    /// Whether the value might still be read from the sub-parameters (`.../image_id`, ...).
    pub(super) fn allows_fallback(&self) -> bool {
        matches!(
            self,
            Self::NotFound { .. } | Self::Undecodable { .. } | Self::InvalidValue { .. }
        )
    }

    /// The parameter the failed read was for.
    pub fn parameter(&self) -> &str {
        match self {
            Self::NotFound { parameter, .. }
            | Self::NoCredentials { parameter, .. }
            | Self::AccessDenied { parameter, .. }
            | Self::Retryable { parameter, .. }
            | Self::Undecodable { parameter, .. }
            | Self::InvalidValue { parameter, .. }
            | Self::Fatal { parameter, .. } => parameter,
        }
    }

    /// The region the failed read was in.
    pub fn region(&self) -> &str {
        match self {
            Self::NotFound { region, .. }
            | Self::NoCredentials { region, .. }
            | Self::AccessDenied { region, .. }
            | Self::Retryable { region, .. }
            | Self::Undecodable { region, .. }
            | Self::InvalidValue { region, .. }
            | Self::Fatal { region, .. } => region,
        }
    }
}
