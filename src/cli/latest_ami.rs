//! `amiroll latest-ami`: print the currently recommended ECS-optimized AMI, the first step of the
//! runbook ("find the latest ID for the ECS-optimized AMI"), straight from its SSM parameter.

use std::fmt::Write as _;

use crate::ami::ssm::{AwsParameterStore, ParameterName, SsmError, SsmSource, is_region};
use crate::ami::{Release, ReleaseOrigin};
use crate::cli::Exit;
use crate::config::{DEFAULT_REGION, DEFAULT_SSM_PARAMETER};

/// Arguments of `amiroll latest-ami`.
#[derive(Debug, clap::Args)]
#[command(after_long_help = AFTER_HELP)]
pub struct LatestAmiArgs {
    /// The SSM parameter to read: a `.../recommended` parameter holding Amazon's JSON value, or
    /// one holding a plain AMI id such as `.../recommended/image_id`.
    #[arg(long, value_name = "NAME", default_value = DEFAULT_SSM_PARAMETER)]
    pub parameter: String,
    /// The AWS region to read the parameter in (an empty AWS_REGION counts as unset).
    #[arg(long, value_name = "REGION", env = "AWS_REGION", default_value = DEFAULT_REGION)]
    pub region: String,
    /// Print the release as a JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

const AFTER_HELP: &str = "\
Output:
  The first line is the AMI id alone (`amiroll latest-ami | head -n1`); the following lines
  give the image name, version, ECS agent and runtime versions, OS, parameter and region.
  With --json, the release is printed as one JSON object.

AWS access:
  Credentials come from the default AWS chain (environment, profile, SSO, web identity,
  container or instance role) and need ssm:GetParameter and ssm:GetParameters on the
  parameter. The endpoint can be overridden with AWS_ENDPOINT_URL (or AWS_ENDPOINT_URL_SSM),
  e.g. to read from a moto server. Throttling and network errors are retried a few times.

  When the parameter's value cannot be read as a whole, its sub-parameters
  (<NAME>/image_id, <NAME>/image_name, ...) are read instead.

Exit status:
  0  the AMI was printed
  1  the parameter could not be read (not found, access denied, no credentials, network)
     or does not name an AMI; the error names the parameter and the region
  2  the parameter name or the region is malformed (nothing was sent to AWS)";

/// Runs `amiroll latest-ami`.
pub async fn run(args: LatestAmiArgs) -> Exit {
    let parameter: ParameterName = match args.parameter.parse() {
        Ok(parameter) => parameter,
        Err(err) => {
            eprintln!("error: {err}");
            return Exit::BadInput;
        }
    };
    let region = match args.region.as_str() {
        "" => DEFAULT_REGION,
        region => region,
    };
    if !is_region(region) {
        eprintln!("error: `{region}` is not an AWS region (expected e.g. `us-east-1`)");
        return Exit::BadInput;
    }
    let store = AwsParameterStore::new(region, None).await;
    let release = match SsmSource::new(store, parameter)
        .read(ReleaseOrigin::Manual)
        .await
    {
        Ok(release) => release,
        Err(err) => {
            eprintln!("error: {err}");
            if let Some(hint) = hint(&err) {
                eprintln!("hint: {hint}");
            }
            return Exit::Failure;
        }
    };
    let output = if args.json {
        match serde_json::to_string_pretty(&release) {
            Ok(json) => json + "\n",
            Err(err) => {
                eprintln!("error: cannot print the release as JSON: {err}");
                return Exit::Failure;
            }
        }
    } else {
        render_text(&release)
    };
    print!("{output}");
    Exit::Ok
}

/// What the operator can do about `err`, when there is something to say.
fn hint(err: &SsmError) -> Option<&'static str> {
    match err {
        SsmError::NotFound { .. } => Some(
            "check the parameter name and the region (--parameter, --region or AWS_REGION); \
             `aws ssm get-parameters-by-path --path /aws/service/ecs/optimized-ami/` lists the public ones",
        ),
        SsmError::NoCredentials { .. } => Some(
            "configure AWS credentials (e.g. AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)",
        ),
        SsmError::Retryable { .. } => Some("this may be temporary; try again in a moment"),
        _ => None,
    }
}

/// The text output: the AMI id alone on the first line, then what else is known.
fn render_text(release: &Release) -> String {
    let mut text = format!("{}\n", release.ami_id);
    let fields = [
        ("name", release.image_name.as_deref()),
        ("version", release.image_version.as_deref()),
        ("ecs agent", release.ecs_agent_version.as_deref()),
        ("runtime", release.ecs_runtime_version.as_deref()),
        ("os", release.os.as_deref()),
        ("parameter", Some(release.parameter.as_str())),
        ("region", Some(release.region.as_str())),
    ];
    for (label, value) in fields {
        if let Some(value) = value {
            let _ = writeln!(text, "{:<11}{value}", format!("{label}:"));
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_starts_with_the_bare_id_and_skips_unknown_fields() {
        let mut release = Release::manual("ami-0bb273345f0961e90".parse().unwrap());
        release.image_name = Some("amzn2-ami-ecs-hvm-2.0.20220304-x86_64-ebs".into());
        release.ecs_agent_version = Some("1.60.0".into());
        release.parameter = DEFAULT_SSM_PARAMETER.into();
        release.region = "us-east-1".into();
        assert_eq!(
            render_text(&release),
            "ami-0bb273345f0961e90\n\
             name:      amzn2-ami-ecs-hvm-2.0.20220304-x86_64-ebs\n\
             ecs agent: 1.60.0\n\
             parameter: /aws/service/ecs/optimized-ami/amazon-linux-2/recommended\n\
             region:    us-east-1\n"
        );
    }

    #[test]
    fn help_documents_the_exit_codes() {
        use clap::CommandFactory as _;

        #[derive(Debug, clap::Parser)]
        struct Wrapper {
            #[command(flatten)]
            args: LatestAmiArgs,
        }
        let help = Wrapper::command().render_long_help().to_string();
        for needle in [
            "--parameter",
            "--region",
            "--json",
            "AWS_REGION",
            "AWS_ENDPOINT_URL",
            "Exit status",
        ] {
            assert!(help.contains(needle), "{needle} missing from:\n{help}");
        }
    }
}
