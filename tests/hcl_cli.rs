//! `amiroll hcl get|set` as a person at a terminal uses it: what it prints, what it writes, and
//! the exit code for each outcome.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const STAGING: &str = "module.staging_cluster.instance_image_id";
const OLD: &str = "ami-0bb273345f0961e90";
const NEW: &str = "ami-0123456789abcdef0";

fn amiroll(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_amiroll"))
        .args(args)
        .output()
        .unwrap()
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/hcl")
        .join(name)
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

/// A copy of a fixture in a fresh directory, for commands that write.
fn scratch_copy(name: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    fs::copy(fixture(name), &path).unwrap();
    (dir, path)
}

fn text(path: &Path) -> &str {
    path.to_str().unwrap()
}

#[test]
fn get_prints_the_value() {
    let output = amiroll(&["hcl", "get", text(&fixture("clusters.tf")), STAGING]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(stdout(&output), format!("{OLD}\n"));
}

#[test]
fn set_prints_the_new_file_byte_for_byte_and_leaves_the_file_alone() {
    let path = fixture("crlf_tabs.tf");
    let before = fs::read(&path).unwrap();
    let output = amiroll(&["hcl", "set", text(&path), STAGING, NEW]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));

    let expected = String::from_utf8(before.clone()).unwrap().replacen(
        &format!("\"{OLD}\"\t#"),
        &format!("\"{NEW}\"\t#"),
        1,
    );
    assert_ne!(expected.as_bytes(), before.as_slice());
    assert_eq!(output.stdout, expected.as_bytes());
    assert_eq!(fs::read(&path).unwrap(), before);
}

#[test]
fn set_write_replaces_the_file_and_says_so() {
    let (_dir, path) = scratch_copy("clusters.tf");
    let before = fs::read_to_string(&path).unwrap();
    let output = amiroll(&["hcl", "set", "--write", text(&path), STAGING, NEW]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(output.stdout.is_empty());
    assert_eq!(
        stderr(&output),
        format!(
            "{}:14:23: `{STAGING}` changed from \"{OLD}\" to \"{NEW}\"\n",
            path.display()
        )
    );
    assert_eq!(
        fs::read_to_string(&path).unwrap(),
        before.replacen(&format!("\"{OLD}\""), &format!("\"{NEW}\""), 1)
    );
}

#[test]
fn setting_the_current_value_changes_nothing_and_says_so() {
    let (_dir, path) = scratch_copy("clusters.tf");
    let before = fs::read(&path).unwrap();
    let modified = fs::metadata(&path).unwrap().modified().unwrap();

    let output = amiroll(&["hcl", "set", "--write", text(&path), STAGING, OLD]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("is already"),
        "{}",
        stderr(&output)
    );
    assert_eq!(fs::read(&path).unwrap(), before);
    assert_eq!(
        fs::metadata(&path).unwrap().modified().unwrap(),
        modified,
        "the file was rewritten"
    );

    let output = amiroll(&["hcl", "set", text(&path), STAGING, OLD]);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(output.stdout, before);
}

#[test]
fn bad_input_exits_2_and_writes_nothing() {
    let (_dir, path) = scratch_copy("clusters.tf");
    let before = fs::read(&path).unwrap();
    let cases: [(&[&str], &str); 3] = [
        (
            &["set", "--write", text(&path), STAGING, "ami-NOPE"],
            "is not an AMI id",
        ),
        (
            &["set", "--write", text(&path), "module..x", NEW],
            "has an empty segment",
        ),
        (
            &["get", text(&path), "module.staging cluster.x"],
            "unexpected ' '",
        ),
    ];
    for (args, message) in cases {
        let output = amiroll(&[&["hcl"], args].concat());
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(
            stderr(&output).starts_with("error: "),
            "{}",
            stderr(&output)
        );
        assert!(stderr(&output).contains(message), "{}", stderr(&output));
        assert!(output.stdout.is_empty());
    }
    assert_eq!(fs::read(&path).unwrap(), before);
}

#[test]
fn an_unreadable_or_non_utf8_file_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.tf");
    let output = amiroll(&["hcl", "get", text(&missing), STAGING]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).starts_with(&format!("error: cannot read {}", missing.display())));

    let latin1 = dir.path().join("latin1.tf");
    fs::write(&latin1, b"# ok\nname = \"caf\xe9\"\n").unwrap();
    let output = amiroll(&["hcl", "set", "--write", text(&latin1), "name", NEW]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        stderr(&output),
        format!(
            "{}:2:12: the file is not valid UTF-8 (byte 16); amiroll edits only UTF-8 Terraform \
             files\n",
            latin1.display()
        )
    );
    assert_eq!(fs::read(&latin1).unwrap(), b"# ok\nname = \"caf\xe9\"\n");
}

#[test]
fn refusals_exit_3_with_file_line_and_column() {
    let cases = [
        (
            "not_literal.tf",
            "module.staging_cluster.reference",
            "8:19: ",
            "is a reference (`var.ami`)",
        ),
        (
            "clusters.tf",
            "module.staging_cluster.image_id",
            "6:1: ",
            "not found",
        ),
        ("ambiguous.tf", STAGING, "1:1: ", "is ambiguous"),
        (
            "invalid.tf",
            STAGING,
            "3:3: ",
            "cannot parse the file as HCL",
        ),
    ];
    for (name, address, place, message) in cases {
        let (_dir, path) = scratch_copy(name);
        let before = fs::read(&path).unwrap();
        for args in [
            vec!["hcl", "get", text(&path), address],
            vec!["hcl", "set", "--write", text(&path), address, NEW],
        ] {
            let output = amiroll(&args);
            assert_eq!(
                output.status.code(),
                Some(3),
                "{args:?}: {}",
                stderr(&output)
            );
            let stderr = stderr(&output);
            assert!(
                stderr.starts_with(&format!("{}:{place}", path.display())),
                "{stderr}"
            );
            assert!(stderr.contains(message), "{stderr}");
            assert!(output.stdout.is_empty());
        }
        assert_eq!(fs::read(&path).unwrap(), before, "{name} was modified");
    }
}

#[cfg(target_os = "linux")]
#[test]
fn a_failure_to_write_the_output_exits_1() {
    let full = fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_amiroll"))
        .args(["hcl", "set", text(&fixture("clusters.tf")), STAGING, NEW])
        .stdout(full)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(stderr(&output).starts_with("error: cannot write to standard output"));
}

#[test]
fn help_shows_an_example() {
    let output = amiroll(&["hcl", "set", "--help"]);
    assert_eq!(output.status.code(), Some(0));
    assert!(stdout(&output).contains("amiroll hcl set --write apps/clusters.tf"));
    assert!(stdout(&output).contains("Exit codes:"));
}
