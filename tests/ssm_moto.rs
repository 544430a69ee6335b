//! Reading the recommended ECS-optimized AMI from SSM, against a real moto server: the public
//! parameter moto bundles, custom parameters a test rewrites to simulate a release, and the
//! `amiroll latest-ami` binary.

mod support;

use std::process::Command;

use amiroll::ami::ReleaseOrigin;
use amiroll::ami::ssm::{AwsParameterStore, ParameterStore, SsmError, SsmSource};
use aws_sdk_ssm::types::ParameterType;
use support::moto::MotoServer;

const PUBLIC: &str = "/aws/service/ecs/optimized-ami/amazon-linux-2/recommended";
const CUSTOM: &str = "/test/ecs/recommended";
const CUSTOM_ID: &str = "/test/ecs/recommended/image_id";

fn store(moto: &MotoServer, region: &str) -> AwsParameterStore {
    AwsParameterStore::from_client(moto.ssm_client(region))
}

fn source(moto: &MotoServer, region: &str, parameter: &str) -> SsmSource<AwsParameterStore> {
    SsmSource::new(store(moto, region), parameter.parse().unwrap())
}

/// What Amazon does when it publishes a new AMI: overwrite the parameter.
async fn put(moto: &MotoServer, region: &str, name: &str, value: &str) {
    moto.ssm_client(region)
        .put_parameter()
        .name(name)
        .value(value)
        .r#type(ParameterType::String)
        .overwrite(true)
        .send()
        .await
        .unwrap();
}

fn recommended_json(ami: &str, version: &str) -> String {
    format!(
        r#"{{"ecs_agent_version":"1.60.0","ecs_runtime_version":"Docker version 20.10.7","image_id":"{ami}","image_name":"amzn2-ami-ecs-hvm-{version}-x86_64-ebs","image_version":"{version}","os":"Amazon Linux 2","schema_version":1}}"#
    )
}

#[tokio::test]
async fn the_public_parameter_gives_a_release_through_the_sub_parameters() {
    let moto = MotoServer::start();

    // moto serves the parent's Value as a JSON object, which the SDK cannot decode...
    let parent = store(&moto, "us-east-1")
        .get(&PUBLIC.parse().unwrap())
        .await;
    assert!(
        matches!(parent, Err(SsmError::Undecodable { .. })),
        "{parent:?}"
    );

    // ...so the source reads the sub-parameters, which moto serves as plain strings.
    let release = source(&moto, "us-east-1", PUBLIC)
        .read(ReleaseOrigin::Ssm)
        .await
        .unwrap();
    assert!(release.ami_id.as_str().starts_with("ami-"));
    let name = release.image_name.as_deref().unwrap();
    assert!(name.starts_with("amzn2-ami-ecs-hvm-"), "{name}");
    assert!(release.image_version.is_some());
    assert!(release.ecs_agent_version.is_some());
    assert_eq!(release.os.as_deref(), Some("Amazon Linux 2"));
    assert_eq!(release.region, "us-east-1");
    assert_eq!(release.parameter, PUBLIC);
    assert_eq!(release.origin, ReleaseOrigin::Ssm);
}

#[tokio::test]
async fn regions_have_their_own_amis() {
    let moto = MotoServer::start();
    let east = source(&moto, "us-east-1", PUBLIC)
        .read(ReleaseOrigin::Ssm)
        .await
        .unwrap();
    let west = source(&moto, "eu-west-1", PUBLIC)
        .read(ReleaseOrigin::Ssm)
        .await
        .unwrap();
    assert_eq!(west.region, "eu-west-1");
    assert_ne!(east.ami_id, west.ami_id);
}

#[tokio::test]
async fn a_custom_json_parameter_follows_a_simulated_release() {
    let moto = MotoServer::start();
    put(
        &moto,
        "us-east-1",
        CUSTOM,
        &recommended_json("ami-0bb273345f0961e90", "2.0.20220304"),
    )
    .await;
    let source = source(&moto, "us-east-1", CUSTOM);

    let before = source.read(ReleaseOrigin::Ssm).await.unwrap();
    assert_eq!(before.ami_id.as_str(), "ami-0bb273345f0961e90");
    assert_eq!(before.image_version.as_deref(), Some("2.0.20220304"));

    put(
        &moto,
        "us-east-1",
        CUSTOM,
        &recommended_json("ami-06cc69030d77088a1", "2.0.20260226"),
    )
    .await;

    let after = source.read(ReleaseOrigin::Ssm).await.unwrap();
    assert_eq!(after.ami_id.as_str(), "ami-06cc69030d77088a1");
    assert_eq!(after.image_version.as_deref(), Some("2.0.20260226"));
    assert_eq!(
        after.ecs_runtime_version.as_deref(),
        Some("Docker version 20.10.7")
    );
}

#[tokio::test]
async fn a_custom_parameter_holding_a_plain_id_follows_a_simulated_release() {
    let moto = MotoServer::start();
    put(&moto, "us-east-1", CUSTOM_ID, "ami-0bb273345f0961e90").await;
    let source = source(&moto, "us-east-1", CUSTOM_ID);
    assert_eq!(
        source
            .read(ReleaseOrigin::Ssm)
            .await
            .unwrap()
            .ami_id
            .as_str(),
        "ami-0bb273345f0961e90"
    );

    put(&moto, "us-east-1", CUSTOM_ID, "ami-06cc69030d77088a1").await;
    let release = source.read(ReleaseOrigin::Manual).await.unwrap();
    assert_eq!(release.ami_id.as_str(), "ami-06cc69030d77088a1");
    assert_eq!(release.image_name, None);
    assert_eq!(release.origin, ReleaseOrigin::Manual);
}

#[tokio::test]
async fn a_parent_with_only_sub_parameters_is_read_from_them() {
    let moto = MotoServer::start();
    put(&moto, "us-east-1", CUSTOM_ID, "ami-cad827b7").await;
    let release = source(&moto, "us-east-1", CUSTOM)
        .read(ReleaseOrigin::Ssm)
        .await
        .unwrap();
    assert_eq!(release.ami_id.as_str(), "ami-cad827b7");
    assert_eq!(release.parameter, CUSTOM);
}

#[tokio::test]
async fn an_invalid_ami_id_in_ssm_is_refused() {
    let moto = MotoServer::start();
    put(&moto, "us-east-1", CUSTOM_ID, "ami-NOT-AN-ID").await;
    let err = source(&moto, "us-east-1", CUSTOM_ID)
        .read(ReleaseOrigin::Ssm)
        .await
        .unwrap_err();
    assert!(matches!(err, SsmError::InvalidValue { .. }), "{err:?}");
    assert!(err.to_string().contains("ami-NOT-AN-ID"), "{err}");
}

#[tokio::test]
async fn a_missing_parameter_is_not_found_naming_parameter_and_region() {
    let moto = MotoServer::start();
    let err = source(&moto, "eu-west-3", "/test/missing/recommended")
        .read(ReleaseOrigin::Ssm)
        .await
        .unwrap_err();
    assert_eq!(
        err,
        SsmError::NotFound {
            parameter: "/test/missing/recommended".to_owned(),
            region: "eu-west-3".to_owned(),
        }
    );
    assert!(!err.is_retryable());
    let message = err.to_string();
    assert!(message.contains("/test/missing/recommended"), "{message}");
    assert!(message.contains("eu-west-3"), "{message}");
}

#[tokio::test]
async fn an_unreachable_endpoint_is_retryable() {
    let moto = MotoServer::start();
    let client = moto.ssm_client("us-east-1");
    drop(moto);
    let err = AwsParameterStore::from_client(client)
        .get(&CUSTOM.parse().unwrap())
        .await
        .unwrap_err();
    assert!(err.is_retryable(), "{err:?}");
    assert!(err.to_string().contains(CUSTOM), "{err}");
}

fn latest_ami(moto: &MotoServer, region: &str, args: &[&str]) -> std::process::Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_amiroll"));
    command.arg("latest-ami").args(args);
    moto.configure(&mut command, region);
    command.output().unwrap()
}

#[tokio::test]
async fn the_binary_prints_the_recommended_ami() {
    let moto = MotoServer::start();
    let expected = source(&moto, "us-east-1", PUBLIC)
        .read(ReleaseOrigin::Ssm)
        .await
        .unwrap();

    let output = latest_ami(&moto, "us-east-1", &[]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(stdout.lines().next(), Some(expected.ami_id.as_str()));
    assert!(
        stdout.contains(expected.image_name.as_deref().unwrap()),
        "{stdout}"
    );
}

#[tokio::test]
async fn the_binary_prints_json_for_a_custom_parameter_and_region() {
    let moto = MotoServer::start();
    put(
        &moto,
        "ap-south-1",
        CUSTOM,
        &recommended_json("ami-06cc69030d77088a1", "2.0.20260226"),
    )
    .await;

    let output = latest_ami(
        &moto,
        "us-east-1",
        &["--parameter", CUSTOM, "--region", "ap-south-1", "--json"],
    );
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["ami_id"], "ami-06cc69030d77088a1");
    assert_eq!(json["image_version"], "2.0.20260226");
    assert_eq!(json["region"], "ap-south-1");
    assert_eq!(json["parameter"], CUSTOM);
    assert_eq!(json["origin"]["kind"], "manual");
}

#[tokio::test]
async fn the_binary_names_a_missing_parameter_and_its_region() {
    let moto = MotoServer::start();
    let output = latest_ami(
        &moto,
        "eu-north-1",
        &["--parameter", "/test/missing/recommended"],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(output.stdout.is_empty());
    assert!(stderr.contains("/test/missing/recommended"), "{stderr}");
    assert!(stderr.contains("eu-north-1"), "{stderr}");
}

#[test]
fn the_binary_refuses_a_malformed_parameter_name_before_calling_aws() {
    let output = Command::new(env!("CARGO_BIN_EXE_amiroll"))
        .args([
            "latest-ami",
            "--parameter",
            "recommended",
            "--region",
            "us-east-1",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("`recommended`"), "{stderr}");
}

#[test]
fn the_binary_refuses_a_malformed_region_before_calling_aws() {
    let output = Command::new(env!("CARGO_BIN_EXE_amiroll"))
        .args(["latest-ami", "--region", "virginia"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("`virginia`"), "{stderr}");
}
