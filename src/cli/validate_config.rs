//! `amiroll validate-config` and `amiroll config-schema`: check a `.github/amiroll.yml` before
//! pushing it, and give editors its JSON Schema.

use std::path::PathBuf;

use crate::hcl;

use super::Exit;
use super::repo_files::{config_path, load_config, load_target_files};

/// Arguments of `amiroll validate-config`.
#[derive(Debug, clap::Args)]
pub struct ValidateConfigArgs {
    /// The config file. Defaults to `<repo>/.github/amiroll.yml`.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// A checkout of the Terraform repository: also check that every target resolves to a plain
    /// AMI literal in its file.
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub repo: PathBuf,
    /// Check the config file alone, without reading the target files.
    #[arg(long)]
    pub config_only: bool,
}

/// Runs `amiroll validate-config`: prints each stage's targets and current values, or every problem.
pub fn run(args: ValidateConfigArgs) -> Exit {
    let path = config_path(&args.repo, args.config.as_deref());
    let config = match load_config(&path) {
        Ok(config) => config,
        Err(refusal) => {
            eprintln!("{}", refusal.message);
            return refusal.exit;
        }
    };
    println!(
        "{}: valid, {} stage(s)",
        path.display(),
        config.stages.len()
    );
    if args.config_only {
        return Exit::Ok;
    }
    let files = match load_target_files(&args.repo, &config) {
        Ok(files) => files,
        Err(refusal) => {
            eprintln!("{}", refusal.message);
            return refusal.exit;
        }
    };
    let mut exit = Exit::Ok;
    for stage in &config.stages {
        for target in &stage.targets {
            let text = files.get(&target.file).map_or("", String::as_str);
            match hcl::get(text, &target.address) {
                Ok(found) if crate::ami::AmiId::is_valid(&found.value) => {
                    println!(
                        "  {}: {}:{} {} = {}",
                        stage.name, target.file, found.location, target.address, found.value
                    );
                }
                Ok(found) => {
                    eprintln!(
                        "{}:{}: `{}` holds `{}`, which is not an AMI id",
                        target.file, found.location, target.address, found.value
                    );
                    exit = Exit::Refused;
                }
                Err(err) => {
                    eprintln!("{}:{}: {err}", target.file, err.location());
                    exit = Exit::Refused;
                }
            }
        }
    }
    exit
}

/// Runs `amiroll config-schema`: prints the JSON Schema of `.github/amiroll.yml`.
pub fn print_schema() -> Exit {
    match serde_json::to_string_pretty(&crate::config::json_schema()) {
        Ok(schema) => {
            println!("{schema}");
            Exit::Ok
        }
        Err(err) => {
            eprintln!("error: cannot render the schema: {err}");
            Exit::Failure
        }
    }
}
