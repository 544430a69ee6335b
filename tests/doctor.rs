//! `amiroll doctor` against the simulated GitHub (and moto, for SSM), run as the binary with the
//! same environment as `amiroll serve`: a healthy repository is all ok and exits 0, and each
//! misconfiguration doctor knows is reported on its own line, with a fix and the exit code it
//! deserves (3 when a rollout would stop or the gate would gate nothing, 0 for warnings).

mod support;

use std::process::Command;

use support::github::protection::SimProtection;
use support::github::{APP_ID, SimGitHub};
use support::moto::MotoServer;
use support::world::{ATLANTIS, INSTALLATION, REPO, example_files};

const GATE: &str = "amiroll/promotion";
const AL2: &str = "/aws/service/ecs/optimized-ami/amazon-linux-2/recommended";
const CONFIG: &str = ".github/amiroll.yml";
const CLUSTERS: &str = "apps/clusters.tf";

/// What one run printed and how it exited.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    /// The line `<label> <check>: ...` and, when there is one, its `fix:` line; fails the test
    /// when there is no such line.
    #[track_caller]
    fn finding(&self, label: &str, check: &str) -> (String, Option<String>) {
        let start = format!("{label:<8} {check}: ");
        let lines: Vec<&str> = self.stdout.lines().collect();
        let index = lines
            .iter()
            .position(|line| line.starts_with(&start))
            .unwrap_or_else(|| panic!("no `{start}` line in:\n{}{}", self.stdout, self.stderr));
        let fix = lines[index + 1..]
            .iter()
            .take_while(|line| line.starts_with("         "))
            .find(|line| line.trim_start().starts_with("fix: "))
            .map(|line| line.trim().to_owned());
        (lines[index].to_owned(), fix)
    }

    /// Asserts a finding whose line contains `needle`, with a fix unless it is ok.
    #[track_caller]
    fn expect(&self, label: &str, check: &str, needle: &str) {
        let (line, fix) = self.finding(label, check);
        assert!(line.contains(needle), "`{needle}` not in `{line}`");
        if label != "ok" {
            assert!(fix.is_some(), "no fix under `{line}`:\n{}", self.stdout);
        }
    }
}

/// The example repository's files with `edit` applied to each `(path, text)`; `None` drops it.
fn files(parameter: &str, edit: impl Fn(&str, String) -> Option<String>) -> Vec<(String, Vec<u8>)> {
    example_files(parameter)
        .into_iter()
        .filter_map(|(path, bytes)| {
            let text = String::from_utf8(bytes).unwrap();
            edit(&path, text).map(|text| (path, text.into_bytes()))
        })
        .collect()
}

/// A repository set up as the README says: the App installed with app.yml's permissions, the
/// example config, `main` protected requiring the gate from this App, and a pull request that
/// Atlantis planned.
async fn healthy(files: &[(String, Vec<u8>)]) -> SimGitHub {
    let sim = without_pulls(files).await;
    let head = sim.push(REPO, "docs", &[("README.md", b"hello")], "Add a README");
    sim.open_pull(REPO, "jane", "docs", "main", "Add a README", "");
    sim.set_status(
        REPO,
        &head,
        "atlantis/plan",
        "success",
        "1/1 projects planned.",
        ATLANTIS,
    );
    sim
}

/// The same, before any pull request.
async fn without_pulls(files: &[(String, Vec<u8>)]) -> SimGitHub {
    let sim = SimGitHub::start().await;
    sim.add_installation(INSTALLATION, "CityOfBoston");
    add_repo(&sim, INSTALLATION, files);
    protect(&sim, vec![(GATE.to_owned(), Some(APP_ID))], vec![]);
    sim
}

fn add_repo(sim: &SimGitHub, installation: u64, files: &[(String, Vec<u8>)]) {
    let files: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(path, bytes)| (path.as_str(), bytes.as_slice()))
        .collect();
    sim.add_repo(installation, REPO, "main", &files);
}

fn protect(sim: &SimGitHub, checks: Vec<(String, Option<u64>)>, contexts: Vec<String>) {
    sim.set_branch_protection(REPO, "main", Some(SimProtection { contexts, checks }));
}

/// Runs `amiroll doctor --repo REPO` with the App's settings in the environment, reading SSM in
/// moto when given, else with `--skip-aws`.
async fn doctor(sim: &SimGitHub, moto: Option<&MotoServer>) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_amiroll"));
    command
        .args(["doctor", "--repo", REPO])
        .env("AMIROLL_APP_ID", APP_ID.to_string())
        .env(
            "AMIROLL_PRIVATE_KEY",
            String::from_utf8(sim.private_key_pem()).unwrap(),
        )
        .env("AMIROLL_GITHUB_API_URL", sim.api_url())
        .env_remove("AMIROLL_PRIVATE_KEY_PATH")
        .env_remove("AMIROLL_CONFIG_FILE");
    match moto {
        Some(moto) => moto.configure(&mut command, "us-east-1"),
        None => {
            command.arg("--skip-aws");
        }
    }
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .unwrap()
        .unwrap();
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_healthy_setup_is_all_ok_and_exits_0() {
    let moto = MotoServer::start();
    let sim = healthy(&example_files(AL2)).await;

    let run = doctor(&sim, Some(&moto)).await;

    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let findings: Vec<&str> = run
        .stdout
        .lines()
        .filter(|line| !line.starts_with("amiroll doctor:") && !line.contains("problem(s)"))
        .collect();
    assert!(
        findings.iter().all(|line| line.starts_with("ok ")),
        "{}",
        run.stdout
    );
    run.expect(
        "ok",
        "installation",
        "installed on CityOfBoston/digital-terraform",
    );
    run.expect("ok", "permissions", "every permission amiroll needs");
    run.expect("ok", "config", "stages staging → production");
    run.expect("ok", "target", "staging: apps/clusters.tf:24:23");
    run.expect("ok", "target", "= ami-");
    run.expect(
        "ok",
        "gate",
        "branch protection requires `amiroll/promotion` on `main`, from this App (id 4242)",
    );
    run.expect("ok", "atlantis", "carries `atlantis/plan`");
    run.expect("ok", "ssm", &format!("`{AL2}` in us-east-1 names ami-"));
    assert!(
        run.stdout
            .ends_with("0 problem(s), 0 error(s), 0 warning(s)\n")
    );
    sim.assert_no_unexpected_calls();
}

/// One misconfiguration made on a healthy scene (GitHub only, `--skip-aws`).
struct Case {
    name: &'static str,
    break_it: fn(&SimGitHub),
    label: &'static str,
    check: &'static str,
    needle: &'static str,
    code: i32,
}

#[tokio::test(flavor = "multi_thread")]
async fn each_misconfiguration_of_github_is_reported_with_a_fix() {
    let cases = [
        Case {
            name: "a permission the installation lacks",
            break_it: |sim| {
                sim.set_installation_permissions(
                    INSTALLATION,
                    &[
                        ("contents", "write"),
                        ("pull_requests", "write"),
                        ("issues", "write"),
                        ("checks", "read"),
                        ("statuses", "read"),
                        ("metadata", "read"),
                        ("administration", "read"),
                    ],
                );
            },
            label: "problem",
            check: "permissions",
            needle: "the installation lacks checks: write (has read)",
            code: 3,
        },
        Case {
            name: "no branch protection and no ruleset",
            break_it: |sim| sim.set_branch_protection(REPO, "main", None),
            label: "problem",
            check: "gate",
            needle: "`main` is not protected and no active ruleset requires `amiroll/promotion`",
            code: 3,
        },
        Case {
            name: "protection that does not require the gate",
            break_it: |sim| protect(sim, vec![("ci/test".to_owned(), None)], vec![]),
            label: "problem",
            check: "gate",
            needle: "branch protection on `main` requires `ci/test` but not `amiroll/promotion`",
            code: 3,
        },
        Case {
            name: "the gate required from another App",
            break_it: |sim| protect(sim, vec![(GATE.to_owned(), Some(99))], vec![]),
            label: "problem",
            check: "gate",
            needle: "from another App (id 99)",
            code: 3,
        },
        Case {
            name: "the gate required from any source (a legacy context)",
            break_it: |sim| protect(sim, vec![], vec![GATE.to_owned()]),
            label: "warning",
            check: "gate",
            needle: "from any source: anyone with push access can forge",
            code: 0,
        },
        Case {
            name: "a ruleset requiring the gate from this App, no classic protection",
            break_it: |sim| {
                sim.set_branch_protection(REPO, "main", None);
                sim.set_branch_rules(REPO, "main", &[(GATE, Some(APP_ID))]);
            },
            label: "ok",
            check: "gate",
            needle: "a ruleset requires `amiroll/promotion` on `main`, from this App",
            code: 0,
        },
        Case {
            name: "protection unreadable without administration: read",
            break_it: |sim| {
                sim.set_installation_permissions(
                    INSTALLATION,
                    &[
                        ("contents", "write"),
                        ("pull_requests", "write"),
                        ("issues", "write"),
                        ("checks", "write"),
                        ("statuses", "read"),
                        ("metadata", "read"),
                    ],
                );
            },
            label: "warning",
            check: "gate",
            needle: "403: the App lacks `administration: read`",
            code: 0,
        },
    ];
    for case in cases {
        let sim = healthy(&example_files(AL2)).await;
        (case.break_it)(&sim);

        let run = doctor(&sim, None).await;

        run.expect(case.label, case.check, case.needle);
        assert_eq!(
            run.code, case.code,
            "{}:\n{}{}",
            case.name, run.stdout, run.stderr
        );
        sim.assert_no_unexpected_calls();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn recent_pull_requests_without_atlantis_statuses_are_a_warning() {
    let sim = without_pulls(&example_files(AL2)).await;
    let head = sim.push(REPO, "docs", &[("README.md", b"hello")], "Add a README");
    sim.open_pull(REPO, "jane", "docs", "main", "Add a README", "");
    sim.set_status(REPO, &head, "ci/test", "success", "passed", "ci-bot");

    let run = doctor(&sim, None).await;

    run.expect(
        "warning",
        "atlantis",
        "none of the last pull requests (#1) carries an Atlantis status",
    );
    run.expect(
        "warning",
        "atlantis",
        "is Atlantis configured with --vcs-status-name atlantis?",
    );
    assert_eq!(run.code, 0, "{}", run.stdout);
    sim.assert_no_unexpected_calls();
}

#[tokio::test(flavor = "multi_thread")]
async fn an_app_not_installed_on_the_repository_is_a_problem() {
    let sim = SimGitHub::start().await;
    // The repository belongs to an installation of someone else's account, not of this App.
    add_repo(&sim, 99, &example_files(AL2));

    let run = doctor(&sim, None).await;

    run.expect(
        "problem",
        "installation",
        "the App `amiroll` is not installed on CityOfBoston/digital-terraform",
    );
    assert_eq!(run.code, 3, "{}", run.stdout);
    sim.assert_no_unexpected_calls();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_config_is_a_problem() {
    let sim = healthy(&files(AL2, |path, text| (path != CONFIG).then_some(text))).await;

    let run = doctor(&sim, None).await;

    run.expect(
        "problem",
        "config",
        ".github/amiroll.yml not found on `main`: amiroll does nothing in this repository",
    );
    assert_eq!(run.code, 3, "{}", run.stdout);
    sim.assert_no_unexpected_calls();
}

#[tokio::test(flavor = "multi_thread")]
async fn an_invalid_config_shows_its_located_problems() {
    let sim = healthy(&files(AL2, |path, text| {
        Some(if path == CONFIG {
            text.replace("check_name:", "chek_name:")
        } else {
            text
        })
    }))
    .await;

    let run = doctor(&sim, None).await;

    run.expect(
        "problem",
        "config",
        ".github/amiroll.yml on `main` is invalid:",
    );
    assert!(
        run.stdout.lines().any(
            |line| line.trim_start().starts_with(".github/amiroll.yml:10:")
                && line.contains("chek_name")
        ),
        "{}",
        run.stdout
    );
    assert_eq!(run.code, 3, "{}", run.stdout);
    sim.assert_no_unexpected_calls();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_target_that_is_not_a_literal_is_a_problem() {
    let sim = healthy(&files(AL2, |path, text| {
        Some(if path == CLUSTERS {
            text.replacen("\"ami-0bb273345f0961e90\"", "var.staging_ami", 1)
        } else {
            text
        })
    }))
    .await;

    let run = doctor(&sim, None).await;

    run.expect("problem", "target", "staging: apps/clusters.tf:24:23:");
    run.expect("problem", "target", "var.staging_ami");
    run.expect("ok", "target", "production: apps/clusters.tf:48:23");
    assert_eq!(run.code, 3, "{}", run.stdout);
    sim.assert_no_unexpected_calls();
}

#[tokio::test(flavor = "multi_thread")]
async fn an_ssm_parameter_missing_in_the_region_is_a_problem() {
    let moto = MotoServer::start();
    let sim = healthy(&example_files("/amiroll/test/no-such-parameter")).await;

    let run = doctor(&sim, Some(&moto)).await;

    run.expect(
        "problem",
        "ssm",
        "SSM parameter `/amiroll/test/no-such-parameter` was not found in us-east-1",
    );
    assert_eq!(run.code, 3, "{}", run.stdout);
    sim.assert_no_unexpected_calls();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_key_github_does_not_accept_fails_with_exit_1() {
    let sim = healthy(&example_files(AL2)).await;
    let mut command = Command::new(env!("CARGO_BIN_EXE_amiroll"));
    command
        .args(["doctor", "--repo", REPO, "--skip-aws", "--app-id", "1"])
        .env(
            "AMIROLL_PRIVATE_KEY",
            String::from_utf8(sim.private_key_pem()).unwrap(),
        )
        .env("AMIROLL_GITHUB_API_URL", sim.api_url());

    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .unwrap()
        .unwrap();

    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("cannot reach GitHub as the App 1"),
        "{stderr}"
    );
    assert!(stderr.contains("AMIROLL_APP_ID"), "{stderr}");
    sim.assert_no_unexpected_calls();
}
