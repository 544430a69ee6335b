//! Where new ECS-optimized AMIs come from: the release type, the SSM source of truth, the signed SNS
//! push trigger and the poller that backs them up.

pub mod api;
mod aws_sdk;
mod check;
pub mod ecs;
mod id;
pub mod poller;
mod release;
pub mod sns;
pub mod ssm;

pub use check::{CheckDispatch, CheckRequest, request_check};
pub use id::{AmiId, InvalidAmiId};
pub use poller::{Poller, PollerConfig};
pub use release::{Release, ReleaseOrigin};
