//! The `amiroll` command line: parses arguments and hands each subcommand to `amiroll::cli`.

use std::process::ExitCode;

use amiroll::cli::{self, Exit};
use clap::{Parser, Subcommand};

/// amiroll rolls new ECS-optimized AMIs through a Terraform repository driven by Atlantis,
/// staging first: it opens the staging bump PR, keeps a live checklist, and gates production
/// until staging has been applied and merged.
#[derive(Debug, Parser)]
#[command(name = "amiroll", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Read or rewrite one AMI value in a Terraform file, touching no other byte.
    #[command(subcommand)]
    Hcl(cli::hcl::HclCommand),
    /// Print the currently recommended ECS-optimized AMI from its SSM public parameter.
    LatestAmi(cli::latest_ami::LatestAmiArgs),
    /// Dry-run a rollout on a local checkout: each stage's diff, pull request and checklist.
    Plan(cli::plan::PlanArgs),
    /// Check a `.github/amiroll.yml` (and that its targets resolve in the checkout).
    ValidateConfig(cli::validate_config::ValidateConfigArgs),
    /// Print the JSON Schema of `.github/amiroll.yml`, for editors.
    ConfigSchema,
    /// Run the GitHub App server (webhooks, SNS trigger, operator API, SSM poller) until
    /// SIGTERM or SIGINT.
    Serve(Box<cli::serve::ServeArgs>),
    /// Exit 0 when a running `amiroll serve` answers `/healthz` with 2xx, else 1 (for a
    /// container HEALTHCHECK: distroless images have no shell or curl).
    Healthcheck(cli::healthcheck::HealthcheckArgs),
    /// Check, with the App's credentials, everything a rollout and the gate need on one
    /// repository, and say how to fix what is wrong (exit 3 when something is).
    Doctor(Box<cli::doctor::DoctorArgs>),
    /// Create the GitHub App from app.yml through GitHub's manifest flow and save its id,
    /// private key and webhook secret in owner-only files.
    Setup(Box<cli::setup::SetupArgs>),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let exit = match cli.command {
        Command::Hcl(command) => cli::hcl::run(command),
        Command::LatestAmi(args) => block_on(cli::latest_ami::run(args)),
        Command::Plan(args) => block_on(cli::plan::run(args)),
        Command::ValidateConfig(args) => cli::validate_config::run(args),
        Command::ConfigSchema => cli::validate_config::print_schema(),
        Command::Serve(args) => block_on(cli::serve::run(*args)),
        Command::Healthcheck(args) => cli::healthcheck::run(args),
        Command::Doctor(args) => block_on(cli::doctor::run(*args)),
        Command::Setup(args) => block_on(cli::setup::run(*args)),
    };
    exit.into()
}

/// Runs one async subcommand on a fresh multi-threaded runtime.
fn block_on<F: Future<Output = Exit>>(future: F) -> Exit {
    match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime.block_on(future),
        Err(err) => {
            eprintln!("error: cannot start the async runtime: {err}");
            Exit::Failure
        }
    }
}
