//! Repository configuration: `.github/amiroll.yml`, always read from the base branch so that a pull
//! request can never switch its own gate off.

mod error;
mod raw;
mod repo;
mod schema;
mod validate;

pub use error::{ConfigError, Problem};
pub use raw::{DEFAULT_CHECK_NAME, DEFAULT_REGION, DEFAULT_SSM_PARAMETER, DEFAULT_STATUS_PREFIX};
pub use repo::{AmiSource, Atlantis, PullRequests, RepoConfig, Stage, StageName, Target};
pub use schema::json_schema;
pub use validate::parse;

/// Where the config lives in a repository.
pub const CONFIG_PATH: &str = ".github/amiroll.yml";
