//! amiroll: rolls new ECS-optimized AMIs through a Terraform repository driven by Atlantis,
//! staging first. The library holds everything; `src/main.rs` is only the command line.

pub mod ami;
pub mod cli;
pub mod config;
pub mod doctor;
pub mod events;
pub mod github;
pub mod handlers;
pub mod hcl;
pub mod metrics;
pub mod rollout;
pub mod server;
