//! The YAML shape of `.github/amiroll.yml`, exactly as users write it, with the source location
//! of every value that validation may need to point at. Nothing here is trusted yet.

use schemars::JsonSchema;
use serde::Deserialize;
use serde_saphyr::Spanned;

/// `.github/amiroll.yml`: how amiroll rolls a new ECS-optimized AMI through this repository.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "amiroll repository configuration")]
pub struct RawConfig {
    /// Where new AMIs are read from.
    #[serde(default)]
    pub ami: RawAmi,
    /// How amiroll recognises Atlantis on pull requests.
    #[serde(default)]
    pub atlantis: RawAtlantis,
    /// The required check that blocks later stages until the previous stage is applied and merged.
    #[serde(default)]
    pub gate: RawGate,
    /// Labels and reviewers of the pull requests amiroll opens.
    #[serde(default)]
    pub pull_requests: RawPullRequests,
    /// The branch amiroll's pull requests target; defaults to the repository's default branch.
    #[schemars(with = "Option<String>")]
    pub base_branch: Option<Spanned<String>>,
    /// The stages in rollout order (e.g. `staging`, then `production`). At least one.
    #[schemars(length(min = 1))]
    pub stages: Vec<RawStage>,
}

/// `ami:`: the SSM public parameter that names the recommended AMI.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Ami")]
pub struct RawAmi {
    /// The SSM parameter, e.g. `/aws/service/ecs/optimized-ami/amazon-linux-2/recommended`.
    #[serde(default = "default_ssm_parameter")]
    #[schemars(with = "String", default = "default_ssm_parameter_string")]
    pub ssm_parameter: Spanned<String>,
    /// The AWS region to read it in, e.g. `us-east-1`.
    #[serde(default = "default_region")]
    #[schemars(with = "String", default = "default_region_string")]
    pub region: Spanned<String>,
}

/// `atlantis:`: the conventions of the Atlantis server that plans and applies this repository.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Atlantis")]
pub struct RawAtlantis {
    /// Atlantis's `--vcs-status-name`: the prefix of its commit statuses (`atlantis/apply`).
    #[serde(default = "default_status_prefix")]
    #[schemars(with = "String", default = "default_status_prefix_string")]
    pub status_prefix: Spanned<String>,
    /// The GitHub logins whose comments and statuses count as Atlantis (its `--gh-user`, or
    /// `<app-slug>[bot]` when Atlantis runs as a GitHub App).
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub users: Vec<Spanned<String>>,
}

/// `gate:`: the check run amiroll publishes on every open pull request.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Gate")]
pub struct RawGate {
    /// The check's name; branch protection must require it. Must not start with `atlantis/apply`.
    #[serde(default = "default_check_name")]
    #[schemars(with = "String", default = "default_check_name_string")]
    pub check_name: Spanned<String>,
}

/// `pull_requests:`: what amiroll puts on the pull requests it opens.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "PullRequests")]
pub struct RawPullRequests {
    /// Labels added to every amiroll pull request.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub labels: Vec<Spanned<String>>,
    /// GitHub logins asked to review every amiroll pull request.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub reviewers: Vec<Spanned<String>>,
    /// Team slugs (without the organisation) asked to review every amiroll pull request.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub team_reviewers: Vec<Spanned<String>>,
}

/// One stage of the rollout.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Stage")]
pub struct RawStage {
    /// The stage's name, used in branch names (`amiroll/<name>/<ami>`): lowercase letters, digits,
    /// `-` and `_`.
    #[schemars(with = "String")]
    pub name: Spanned<String>,
    /// The Atlantis project whose apply proves this stage: the `<id>` of the commit status
    /// `atlantis/apply: <id>` (the project's name, else `<dir>/<workspace>`, e.g. `apps/default`).
    #[schemars(with = "Option<String>")]
    pub atlantis_project: Option<Spanned<String>>,
    /// The ECS cluster this stage runs (e.g. `AppsStaging`), to check that tasks moved to the new
    /// instances. Optional.
    #[schemars(with = "Option<String>")]
    pub ecs_cluster: Option<Spanned<String>>,
    /// The Terraform values that hold this stage's AMI. At least one.
    #[schemars(length(min = 1))]
    pub targets: Vec<RawTarget>,
    /// Extra steps for humans, added to the stage's checklist (e.g. `Check a few URLs on staging`).
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub checklist: Vec<Spanned<String>>,
}

/// One Terraform value that holds a stage's AMI.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Target")]
pub struct RawTarget {
    /// The file, relative to the repository root, e.g. `apps/clusters.tf`.
    #[schemars(with = "String")]
    pub file: Spanned<String>,
    /// The value's address, e.g. `module.staging_cluster.instance_image_id`.
    #[schemars(with = "String")]
    pub address: Spanned<String>,
}

/// The default SSM parameter: Amazon Linux 2, x86_64, the runbook's image.
pub const DEFAULT_SSM_PARAMETER: &str = "/aws/service/ecs/optimized-ami/amazon-linux-2/recommended";
/// The default region: the runbook's.
pub const DEFAULT_REGION: &str = "us-east-1";
/// Atlantis's default `--vcs-status-name`.
pub const DEFAULT_STATUS_PREFIX: &str = "atlantis";
/// The gate check's default name.
pub const DEFAULT_CHECK_NAME: &str = "amiroll/promotion";

fn unspanned(value: &str) -> Spanned<String> {
    let unknown = serde_saphyr::Location::UNKNOWN;
    Spanned::new(value.to_owned(), unknown, unknown)
}

fn default_ssm_parameter() -> Spanned<String> {
    unspanned(DEFAULT_SSM_PARAMETER)
}
fn default_region() -> Spanned<String> {
    unspanned(DEFAULT_REGION)
}
fn default_status_prefix() -> Spanned<String> {
    unspanned(DEFAULT_STATUS_PREFIX)
}
fn default_check_name() -> Spanned<String> {
    unspanned(DEFAULT_CHECK_NAME)
}
fn default_ssm_parameter_string() -> String {
    DEFAULT_SSM_PARAMETER.to_owned()
}
fn default_region_string() -> String {
    DEFAULT_REGION.to_owned()
}
fn default_status_prefix_string() -> String {
    DEFAULT_STATUS_PREFIX.to_owned()
}
fn default_check_name_string() -> String {
    DEFAULT_CHECK_NAME.to_owned()
}

impl Default for RawAmi {
    fn default() -> Self {
        Self {
            ssm_parameter: default_ssm_parameter(),
            region: default_region(),
        }
    }
}

impl Default for RawAtlantis {
    fn default() -> Self {
        Self {
            status_prefix: default_status_prefix(),
            users: Vec::new(),
        }
    }
}

impl Default for RawGate {
    fn default() -> Self {
        Self {
            check_name: default_check_name(),
        }
    }
}
