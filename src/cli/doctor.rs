//! `amiroll doctor --repo OWNER/NAME`: checks, with the App's own credentials, everything that
//! must hold for a rollout to work and for the gate to bite (installation and permissions,
//! config, targets, required gate check, Atlantis statuses, the SSM parameter), and says how to
//! fix what does not. The checks themselves live in [`crate::doctor`].

use std::path::PathBuf;

use crate::ami::ReleaseOrigin;
use crate::ami::ssm::{AwsParameterStore, ParameterName, SsmError, SsmSource};
use crate::cli::Exit;
use crate::config::AmiSource;
use crate::doctor::{ConfigFact, DEFAULT_RECENT_PULLS, SsmFact, diagnose, gather};
use crate::github::{AppCredentials, ClientSettings, OctocrabApp, RepoName};
use crate::server::Secret;
use crate::server::settings::{DEFAULT_GITHUB_API_URL, private_key_from};

/// Arguments of `amiroll doctor`.
#[derive(Debug, clap::Args)]
#[command(after_long_help = AFTER_HELP)]
pub struct DoctorArgs {
    /// The Terraform repository amiroll rolls AMIs through.
    #[arg(long, value_name = "OWNER/NAME")]
    pub repo: RepoName,
    /// The GitHub App's id (as for `amiroll serve`).
    #[arg(long, env = "AMIROLL_APP_ID", value_name = "ID")]
    pub app_id: Option<u64>,
    /// A file holding the App's private key (PEM). This or --private-key is required.
    #[arg(long, env = "AMIROLL_PRIVATE_KEY_PATH", value_name = "PATH")]
    pub private_key_path: Option<PathBuf>,
    /// The App's private key itself (PEM), instead of --private-key-path.
    #[arg(
        long,
        env = "AMIROLL_PRIVATE_KEY",
        value_name = "PEM",
        hide_env_values = true
    )]
    pub private_key: Option<Secret>,
    /// The GitHub API base URL; GitHub Enterprise Server: `https://HOST/api/v3`.
    #[arg(
        long,
        env = "AMIROLL_GITHUB_API_URL",
        value_name = "URL",
        default_value = DEFAULT_GITHUB_API_URL
    )]
    pub github_api_url: String,
    /// Do not read the SSM parameter (e.g. no AWS credentials at hand).
    #[arg(long)]
    pub skip_aws: bool,
    /// How many recent pull requests to search for Atlantis's commit statuses.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_RECENT_PULLS)]
    pub recent_pulls: usize,
}

const AFTER_HELP: &str = "\
Checks, in order:
  app           the App's id, key and API URL authenticate (GET /app)
  installation  the App is installed on the repository (GET /repos/{owner}/{repo}/installation)
  permissions   contents, pull_requests, issues, checks: write; statuses, metadata: read
                (administration: read lets doctor read classic branch protection)
  config        .github/amiroll.yml on the default branch is valid
  target        every target is a literal AMI id in its file on the base branch
  gate          branch protection or an active ruleset on the base branch requires the gate
                check from this App (from any source: warning, anyone with push access could
                forge it; from another App: problem)
  atlantis      recent pull requests carry `<status_prefix>/plan` or `.../apply` statuses
  ssm           the config's SSM parameter is readable in its region (unless --skip-aws)

Each line reads `ok`, `warning`, `problem`, `error` (could not be checked) or `skipped`,
followed by a `fix:` line when something needs doing.

AWS access:
  The SSM parameter is read with the default AWS chain of whoever runs doctor (environment,
  profile, SSO, role), in the config's region; AWS_ENDPOINT_URL (or AWS_ENDPOINT_URL_SSM)
  overrides the endpoint.

Exit status:
  0  nothing stops a rollout (warnings may remain: read them)
  1  GitHub could not be reached as the App at all (key, App id, API URL, network), or a
     check could not be completed because GitHub or AWS did not answer
  2  the arguments or the App's credentials are missing or malformed
  3  at least one problem stops rollouts or leaves the gate toothless";

/// Runs `amiroll doctor`: prints every finding and exits with their verdict.
pub async fn run(args: DoctorArgs) -> Exit {
    let credentials = match credentials(&args) {
        Ok(credentials) => credentials,
        Err(message) => {
            eprintln!("error: {message}");
            return Exit::BadInput;
        }
    };
    let api_url = args.github_api_url.trim_end_matches('/').to_owned();
    let app = match OctocrabApp::new(&credentials, ClientSettings::new(api_url.as_str()), None) {
        Ok(app) => app,
        Err(err) => {
            eprintln!("error: {err}");
            return Exit::BadInput;
        }
    };
    println!("amiroll doctor: {} (API {api_url})", args.repo);
    let mut facts = match gather(&app, &args.repo, args.recent_pulls).await {
        Ok(facts) => facts,
        Err(err) => {
            eprintln!(
                "error: cannot reach GitHub as the App {}: {err}",
                credentials.app_id()
            );
            eprintln!(
                "hint: check AMIROLL_APP_ID, the private key and AMIROLL_GITHUB_API_URL \
                 (`{api_url}`)"
            );
            return Exit::Failure;
        }
    };
    facts.ssm = match &facts.config {
        _ if args.skip_aws => SsmFact::Skipped,
        Some(ConfigFact::Valid { config, .. }) => read_ssm(&config.ami).await,
        _ => SsmFact::NotChecked,
    };
    let report = diagnose(&facts);
    print!("{}", report.render());
    report.exit()
}

/// The App's credentials from the same settings as `amiroll serve`.
fn credentials(args: &DoctorArgs) -> Result<AppCredentials, String> {
    let app_id = args
        .app_id
        .ok_or("the GitHub App id is missing (--app-id or AMIROLL_APP_ID)")?;
    let pem = private_key_from(args.private_key.as_ref(), args.private_key_path.as_deref())
        .map_err(|err| err.to_string())?
        .ok_or(
            "the App's private key is missing (--private-key-path / AMIROLL_PRIVATE_KEY_PATH, \
             or --private-key / AMIROLL_PRIVATE_KEY)",
        )?;
    AppCredentials::from_pem(app_id, pem.expose().as_bytes())
        .map_err(|err| format!("cannot use the App's private key: {err}"))
}

/// Reads the config's SSM parameter in its region.
async fn read_ssm(source: &AmiSource) -> SsmFact {
    let parameter: ParameterName = match source.ssm_parameter.parse() {
        Ok(parameter) => parameter,
        Err(err) => {
            return SsmFact::Failed(SsmError::Fatal {
                parameter: source.ssm_parameter.clone(),
                region: source.region.clone(),
                message: format!("{err}"),
            });
        }
    };
    let store = AwsParameterStore::new(&source.region, None).await;
    match SsmSource::new(store, parameter)
        .read(ReleaseOrigin::Manual)
        .await
    {
        Ok(release) => SsmFact::Read(Box::new(release)),
        Err(err) => SsmFact::Failed(err),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn help_documents_the_checks_and_the_exit_codes() {
        use clap::CommandFactory as _;

        #[derive(Debug, clap::Parser)]
        struct Wrapper {
            #[command(flatten)]
            args: DoctorArgs,
        }
        let help = Wrapper::command().render_long_help().to_string();
        for needle in [
            "--repo",
            "--skip-aws",
            "AMIROLL_APP_ID",
            "AMIROLL_PRIVATE_KEY_PATH",
            "AMIROLL_GITHUB_API_URL",
            "AWS_ENDPOINT_URL",
            "administration: read",
            "Exit status",
            "3  at least one problem",
        ] {
            assert!(help.contains(needle), "{needle} missing from:\n{help}");
        }
    }
}
