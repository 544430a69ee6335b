//! The GitHub port: the vocabulary the rollout engine uses (pull requests, files, statuses, check
//! runs, comments), its octocrab adapter, App authentication, retries and rate limits.

pub mod auth;
pub mod error;
mod etag_cache;
pub mod ids;
pub mod octocrab_client;
pub mod port;
pub mod retry;
pub mod types;
mod wire;

pub use auth::AppCredentials;
pub use error::GitHubError;
pub use ids::{CheckRunId, CommentId, CommitSha, InstallationId, PullRequestNumber, RepoName};
pub use octocrab_client::{ClientSettings, InstallationClient, OctocrabApp};
pub use port::{GitHubApp, GitHubClient, GitHubResult};
