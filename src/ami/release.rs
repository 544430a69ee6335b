//! A release of the ECS-optimized AMI: the one type every discovery path (SSM, SNS, manual) produces.

use std::time::SystemTime;

use serde::Serialize;

use super::AmiId;

/// What made amiroll look at SSM. SSM is always the truth; this only records why it was read.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ReleaseOrigin {
    /// A scheduled or start-up read of the SSM parameter.
    Ssm,
    /// A verified SNS notification asked for a check.
    Sns {
        /// The SNS `MessageId` that triggered the check.
        message_id: String,
    },
    /// An operator asked for a check (`POST /api/check`, `amiroll latest-ami`, `amiroll plan`).
    Manual,
}

/// The recommended ECS-optimized AMI of one SSM parameter in one region, as observed at one moment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Release {
    /// The AMI id, e.g. `ami-0bb273345f0961e90`.
    pub ami_id: AmiId,
    /// The AMI name, e.g. `amzn2-ami-ecs-hvm-2.0.20220304-x86_64-ebs`.
    pub image_name: Option<String>,
    /// The image version, e.g. `2.0.20220304` (absent from values published before about 2021).
    pub image_version: Option<String>,
    /// The ECS agent version shipped in the image, e.g. `1.60.0`.
    pub ecs_agent_version: Option<String>,
    /// The container runtime shipped in the image, e.g. `Docker version 20.10.7`.
    pub ecs_runtime_version: Option<String>,
    /// The operating system, e.g. `Amazon Linux 2`.
    pub os: Option<String>,
    /// The AWS region the parameter was read in.
    pub region: String,
    /// The SSM parameter the release was read from.
    pub parameter: String,
    /// Why SSM was read.
    pub origin: ReleaseOrigin,
    /// When amiroll read it.
    #[serde(with = "humantime_serde_compat")]
    pub observed_at: SystemTime,
}

impl Release {
    /// A release known only by its id, as given on the command line (`amiroll plan --ami`).
    pub fn manual(ami_id: AmiId) -> Self {
        Self {
            ami_id,
            image_name: None,
            image_version: None,
            ecs_agent_version: None,
            ecs_runtime_version: None,
            os: None,
            region: String::new(),
            parameter: String::new(),
            origin: ReleaseOrigin::Manual,
            observed_at: SystemTime::now(),
        }
    }

    /// A short human label: the image name when known, else the AMI id.
    pub fn label(&self) -> &str {
        self.image_name.as_deref().unwrap_or(self.ami_id.as_str())
    }
}

/// Serialises a `SystemTime` as an RFC 3339 timestamp.
mod humantime_serde_compat {
    use std::time::SystemTime;

    pub fn serialize<S: serde::Serializer>(time: &SystemTime, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&humantime::format_rfc3339_seconds(*time))
    }
}
