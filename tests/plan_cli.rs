//! `amiroll plan` and `amiroll validate-config` on the example repository: the README's first
//! command, run the way a user runs it.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const NEW_AMI: &str = "ami-0123456789abcdef0";
const OLD_AMI: &str = "ami-0bb273345f0961e90";

fn amiroll(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_amiroll"))
        .args(args)
        .env_remove("AWS_REGION")
        .output()
        .expect("amiroll runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/example")
}

/// A scratch copy of the example repository that a test may change.
fn copy_of_example() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&example(), dir.path());
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[test]
fn plan_on_the_example_shows_staging_now_and_production_after() {
    let out = amiroll(&[
        "plan",
        "--repo",
        example().to_str().unwrap(),
        "--ami",
        NEW_AMI,
    ]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));

    let staging = stdout.find("==> Stage 1/2: staging (next: amiroll opens this pull request now)");
    let production =
        stdout.find("==> Stage 2/2: production (waits: opens after staging is applied");
    assert!(staging.is_some() && production.is_some(), "{stdout}");
    assert!(staging < production);

    assert!(stdout.contains(&format!("branch: amiroll/staging/{NEW_AMI}")));
    assert!(stdout.contains(&format!("title:  Roll staging cluster to {NEW_AMI}")));
    assert!(stdout.contains(&format!(
        "-  instance_image_id = \"{OLD_AMI}\" # amzn2-ami-ecs-hvm-2.0.20220304-x86_64-ebs\n\
         +  instance_image_id = \"{NEW_AMI}\" # amzn2-ami-ecs-hvm-2.0.20220304-x86_64-ebs"
    )));
    assert!(stdout.contains("<!-- amiroll:pr {\"version\":1,\"stage\":\"staging\""));
    assert!(stdout.contains("- [ ] Check a few URLs on staging _(you tick this)_"));
    // Only one changed line per stage: the heredoc that mentions instance_image_id is untouched.
    assert_eq!(
        stdout.matches("\n+  instance_image_id").count(),
        2,
        "{stdout}"
    );
}

#[test]
fn plan_writes_nothing_unless_asked() {
    let repo = copy_of_example();
    let file = repo.path().join("apps/clusters.tf");
    let before = fs::read(&file).unwrap();
    let out = amiroll(&[
        "plan",
        "--repo",
        repo.path().to_str().unwrap(),
        "--ami",
        NEW_AMI,
    ]);
    assert!(out.status.success());
    assert_eq!(fs::read(&file).unwrap(), before);
}

#[test]
fn plan_write_edits_only_the_staging_value_byte_for_byte() {
    let repo = copy_of_example();
    let file = repo.path().join("apps/clusters.tf");
    let before = fs::read_to_string(&file).unwrap();
    let out = amiroll(&[
        "plan",
        "--repo",
        repo.path().to_str().unwrap(),
        "--ami",
        NEW_AMI,
        "--write",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let after = fs::read_to_string(&file).unwrap();

    let at = before.find(OLD_AMI).unwrap();
    let expected = format!(
        "{}{NEW_AMI}{}",
        &before[..at],
        &before[at + OLD_AMI.len()..]
    );
    assert_eq!(after, expected);

    // Once staging runs the AMI, production is next.
    let out = amiroll(&[
        "plan",
        "--repo",
        repo.path().to_str().unwrap(),
        "--ami",
        NEW_AMI,
    ]);
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains(&format!(
            "Stage 1/2: staging (already runs {NEW_AMI}: nothing to do)"
        )),
        "{stdout}"
    );
    assert!(
        stdout.contains("Stage 2/2: production (next: amiroll opens this pull request now)"),
        "{stdout}"
    );
}

#[test]
fn plan_refuses_a_bad_ami_as_bad_input() {
    let out = amiroll(&[
        "plan",
        "--repo",
        example().to_str().unwrap(),
        "--ami",
        "ami-NOPE",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("`ami-NOPE` is not an AMI id"));
}

#[test]
fn plan_refuses_a_target_that_is_not_a_literal_and_says_where() {
    let repo = copy_of_example();
    let file = repo.path().join("apps/clusters.tf");
    let source = fs::read_to_string(&file).unwrap();
    let first = source.find(&format!("\"{OLD_AMI}\"")).unwrap();
    let changed = format!(
        "{}var.staging_ami{}",
        &source[..first],
        &source[first + OLD_AMI.len() + 2..]
    );
    fs::write(&file, &changed).unwrap();

    let out = amiroll(&[
        "plan",
        "--repo",
        repo.path().to_str().unwrap(),
        "--ami",
        NEW_AMI,
    ]);
    assert_eq!(out.status.code(), Some(3));
    let stderr = text(&out.stderr);
    let line = changed[..first].lines().count();
    assert!(
        stderr.starts_with(&format!("apps/clusters.tf:{line}:")),
        "{stderr}"
    );
    assert!(stderr.contains("var.staging_ami"), "{stderr}");
}

#[test]
fn plan_refuses_an_invalid_config_naming_file_and_line() {
    let repo = copy_of_example();
    let config = repo.path().join(".github/amiroll.yml");
    let text_before = fs::read_to_string(&config).unwrap();
    fs::write(
        &config,
        text_before.replace(
            "check_name: amiroll/promotion",
            "check_name: atlantis/apply",
        ),
    )
    .unwrap();
    let out = amiroll(&[
        "plan",
        "--repo",
        repo.path().to_str().unwrap(),
        "--ami",
        NEW_AMI,
    ]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(stderr.contains(".github/amiroll.yml:10:15:"), "{stderr}");
    assert!(stderr.contains("gate.check_name"), "{stderr}");
}

#[test]
fn validate_config_checks_every_target_in_the_checkout() {
    let out = amiroll(&["validate-config", "--repo", example().to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains(&format!(
            "staging: apps/clusters.tf:24:23 module.staging_cluster.instance_image_id = {OLD_AMI}"
        )),
        "{stdout}"
    );

    let repo = copy_of_example();
    fs::remove_file(repo.path().join("apps/clusters.tf")).unwrap();
    let out = amiroll(&["validate-config", "--repo", repo.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(3));
    assert!(text(&out.stderr).contains("no such file"));

    let out = amiroll(&[
        "validate-config",
        "--repo",
        repo.path().to_str().unwrap(),
        "--config-only",
    ]);
    assert!(out.status.success());
}
