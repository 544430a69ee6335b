//! `amiroll plan`: the dry run of a whole rollout on a local checkout, so a team sees exactly what
//! amiroll would do to their repository before installing anything.

use std::fmt::Write as _;
use std::path::PathBuf;

use similar::TextDiff;

use crate::ami::ssm::{AwsParameterStore, ParameterName, SsmSource};
use crate::ami::{AmiId, Release, ReleaseOrigin};
use crate::hcl;
use crate::rollout::plan::{self, StagePlan, StageStatus};

use super::Exit;
use super::repo_files::{config_path, load_config, load_target_files};

/// Arguments of `amiroll plan`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Example:\n  amiroll plan --repo fixtures/example --ami ami-0123456789abcdef0"
)]
pub struct PlanArgs {
    /// A checkout of the Terraform repository.
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub repo: PathBuf,
    /// The new AMI. Without it, amiroll reads the config's SSM parameter (AWS credentials needed).
    #[arg(long, value_name = "AMI_ID")]
    pub ami: Option<String>,
    /// The config file. Defaults to `<repo>/.github/amiroll.yml`.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Write the next stage's edit into the checkout (atomically) instead of only printing it.
    #[arg(long)]
    pub write: bool,
}

/// Runs `amiroll plan`.
pub async fn run(args: PlanArgs) -> Exit {
    let path = config_path(&args.repo, args.config.as_deref());
    let config = match load_config(&path) {
        Ok(config) => config,
        Err(refusal) => {
            eprintln!("{}", refusal.message);
            return refusal.exit;
        }
    };
    let release = match &args.ami {
        Some(ami) => match ami.parse::<AmiId>() {
            Ok(ami) => Release::manual(ami),
            Err(err) => {
                eprintln!("error: --ami: {err}");
                return Exit::BadInput;
            }
        },
        None => match latest_release(&config.ami).await {
            Ok(release) => release,
            Err(err) => {
                eprintln!("error: {err}\nhint: pass --ami AMI_ID to plan without AWS");
                return Exit::Failure;
            }
        },
    };
    let files = match load_target_files(&args.repo, &config) {
        Ok(files) => files,
        Err(refusal) => {
            eprintln!("{}", refusal.message);
            return refusal.exit;
        }
    };
    let plans = match plan::plan(&config, &files, &release) {
        Ok(plans) => plans,
        Err(err) => {
            eprintln!("{err}");
            return Exit::Refused;
        }
    };

    let source = match &args.ami {
        Some(_) => "given with --ami".to_owned(),
        None => format!("SSM {} in {}", release.parameter, release.region),
    };
    print!(
        "{}",
        render(&args.repo.display().to_string(), &release, &source, &plans)
    );

    if args.write
        && let Some(next) = plans.iter().find(|p| p.status == StageStatus::OpensNow)
    {
        for change in &next.changes {
            let target = args.repo.join(&change.file);
            if let Err(err) = hcl::write_atomically(&target, change.after.as_bytes()) {
                eprintln!("error: cannot write {}: {err}", target.display());
                return Exit::Failure;
            }
            eprintln!("wrote {}", target.display());
        }
    }
    Exit::Ok
}

/// Reads the config's SSM parameter, as the server would.
async fn latest_release(source: &crate::config::AmiSource) -> Result<Release, String> {
    let parameter: ParameterName = source
        .ssm_parameter
        .parse()
        .map_err(|err| format!("{err}"))?;
    let store = AwsParameterStore::new(&source.region, None).await;
    SsmSource::new(store, parameter)
        .read(ReleaseOrigin::Manual)
        .await
        .map_err(|err| err.to_string())
}

/// The human-readable plan: a section per stage with its status, diff, pull request and checklist.
pub fn render(repo: &str, release: &Release, source: &str, plans: &[StagePlan]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "amiroll plan for {repo}");
    match &release.image_name {
        Some(name) => writeln!(out, "New AMI: {} ({name}; {source})", release.ami_id),
        None => writeln!(out, "New AMI: {} ({source})", release.ami_id),
    }
    .ok();
    let total = plans.len();
    for (index, stage) in plans.iter().enumerate() {
        let status = match &stage.status {
            StageStatus::AlreadyRuns => format!("already runs {}: nothing to do", release.ami_id),
            StageStatus::OpensNow => "next: amiroll opens this pull request now".to_owned(),
            StageStatus::WaitsFor(previous) => format!(
                "waits: opens after {previous} is applied by Atlantis and merged with {}",
                release.ami_id
            ),
        };
        let _ = writeln!(
            out,
            "\n==> Stage {}/{total}: {} ({status})",
            index + 1,
            stage.stage
        );
        for value in &stage.current {
            let _ = writeln!(out, "    {} {} = {}", value.file, value.address, value.from);
        }
        if stage.status == StageStatus::AlreadyRuns {
            continue;
        }
        let _ = writeln!(out, "    branch: {}", stage.branch);
        let _ = writeln!(out, "    title:  {}", stage.title);
        for change in &stage.changes {
            let diff = TextDiff::from_lines(&change.before, &change.after);
            let _ = write!(
                out,
                "\n{}",
                diff.unified_diff()
                    .context_radius(3)
                    .header(&format!("a/{}", change.file), &format!("b/{}", change.file))
            );
        }
        let _ = writeln!(
            out,
            "\n--- pull request body ---\n{}",
            stage.body.trim_end()
        );
        let _ = writeln!(
            out,
            "\n--- checklist comment ---\n{}",
            stage.checklist.trim_end()
        );
    }
    out
}
