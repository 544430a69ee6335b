//! Each verdict of [`diagnose`] on hand-made facts: the healthy case, then one change at a time.

use std::collections::BTreeMap;

use super::super::facts::{
    ConfigFact, Facts, ProtectionFact, PullStatuses, SsmFact, TargetFact, TargetOutcome,
};
use super::super::report::Severity;
use super::diagnose;
use crate::ami::Release;
use crate::ami::ssm::SsmError;
use crate::cli::Exit;
use crate::github::InstallationId;
use crate::github::types::{AppInfo, CommitStatus, RepoInstallation, RequiredCheck};
use crate::hcl::Location;

const APP_ID: u64 = 4242;
const CONFIG: &str = "\
atlantis:
  users: [atlantis-bot]
stages:
  - name: staging
    targets:
      - file: apps/clusters.tf
        address: module.staging.image_id
";

fn permissions(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(scope, access)| ((*scope).to_owned(), (*access).to_owned()))
        .collect()
}

fn all_permissions() -> BTreeMap<String, String> {
    permissions(&[
        ("contents", "write"),
        ("pull_requests", "write"),
        ("issues", "write"),
        ("checks", "write"),
        ("statuses", "read"),
        ("metadata", "read"),
        ("administration", "read"),
    ])
}

fn status(context: &str, creator: &str) -> CommitStatus {
    CommitStatus {
        context: context.to_owned(),
        state: "success".to_owned(),
        description: None,
        target_url: None,
        creator: Some(creator.to_owned()),
    }
}

fn pinned(context: &str, app_id: Option<u64>) -> Vec<RequiredCheck> {
    vec![RequiredCheck {
        context: context.to_owned(),
        app_id,
    }]
}

fn healthy() -> Facts {
    Facts {
        repo: "acme/terraform".parse().unwrap(),
        app: AppInfo {
            id: APP_ID,
            slug: "amiroll".into(),
            name: "amiroll".into(),
        },
        installation: Some(RepoInstallation {
            id: InstallationId(7),
            account: "acme".into(),
            permissions: all_permissions(),
        }),
        config: Some(ConfigFact::Valid {
            branch: "main".into(),
            base_branch: "main".into(),
            config: Box::new(crate::config::parse(CONFIG).unwrap()),
        }),
        targets: vec![TargetFact {
            stage: "staging".into(),
            file: "apps/clusters.tf".into(),
            address: "module.staging.image_id".into(),
            branch: "main".into(),
            outcome: TargetOutcome::Literal {
                location: Location {
                    line: 3,
                    column: 14,
                },
                value: "ami-0bb273345f0961e90".into(),
            },
        }],
        protection: Some(ProtectionFact::Requires(pinned(
            "amiroll/promotion",
            Some(APP_ID),
        ))),
        rules: Some(Ok(Vec::new())),
        pulls: Some(Ok(vec![PullStatuses {
            number: 12,
            statuses: vec![status("atlantis/plan", "atlantis-bot")],
        }])),
        ssm: SsmFact::Read(Box::new(Release::manual(
            "ami-0bb273345f0961e90".parse().unwrap(),
        ))),
    }
}

/// The one finding of `check` (panics when there is not exactly one).
fn verdict(facts: &Facts, check: &str) -> (Severity, String) {
    let report = diagnose(facts);
    let found: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.check == check)
        .collect();
    assert_eq!(found.len(), 1, "{check} in {report:#?}");
    (found[0].severity, found[0].message.clone())
}

#[test]
fn a_healthy_setup_is_all_ok() {
    let report = diagnose(&healthy());
    assert!(
        report.findings.iter().all(|f| f.severity == Severity::Ok),
        "{}",
        report.render()
    );
    assert_eq!(report.exit(), Exit::Ok);
}

#[test]
fn without_an_installation_nothing_else_is_checked() {
    let mut facts = healthy();
    facts.installation = None;
    let report = diagnose(&facts);
    assert_eq!(verdict(&facts, "installation").0, Severity::Problem);
    assert!(report.findings.iter().all(|f| f.check != "gate"));
    assert_eq!(report.exit(), Exit::Refused);
}

#[test]
fn a_missing_or_weaker_permission_is_a_problem_and_names_what_it_has() {
    let mut facts = healthy();
    if let Some(installation) = &mut facts.installation {
        installation.permissions.remove("issues");
        installation
            .permissions
            .insert("checks".into(), "read".into());
    }
    let (severity, message) = verdict(&facts, "permissions");
    assert_eq!(severity, Severity::Problem);
    assert_eq!(
        message,
        "the installation lacks issues: write, checks: write (has read)"
    );
}

#[test]
fn admin_access_satisfies_write_and_without_administration_read_it_is_a_warning() {
    let mut facts = healthy();
    if let Some(installation) = &mut facts.installation {
        installation
            .permissions
            .insert("contents".into(), "admin".into());
        installation.permissions.remove("administration");
    }
    let (severity, message) = verdict(&facts, "permissions");
    assert_eq!(severity, Severity::Warning);
    assert!(message.contains("administration: read"), "{message}");
}

#[test]
fn config_missing_or_invalid_is_a_problem_and_skips_what_needs_it() {
    for config in [
        ConfigFact::Missing {
            branch: "main".into(),
        },
        ConfigFact::Invalid {
            branch: "main".into(),
            problems: ".github/amiroll.yml:2:3: `stages`: bad".into(),
        },
    ] {
        let mut facts = healthy();
        facts.config = Some(config);
        facts.ssm = SsmFact::NotChecked;
        let report = diagnose(&facts);
        assert_eq!(verdict(&facts, "config").0, Severity::Problem);
        assert_eq!(verdict(&facts, "ssm").0, Severity::Skipped);
        assert!(report.findings.iter().all(|f| f.check != "gate"));
        assert_eq!(report.exit(), Exit::Refused);
    }
}

#[test]
fn a_target_that_is_not_an_ami_literal_is_a_problem() {
    let outcomes = [
        TargetOutcome::Literal {
            location: Location {
                line: 3,
                column: 14,
            },
            value: "not-an-ami".into(),
        },
        TargetOutcome::Unresolved {
            location: Location {
                line: 3,
                column: 14,
            },
            message: "`module.staging.image_id` is a reference (`var.ami`)".into(),
        },
        TargetOutcome::FileMissing,
    ];
    for outcome in outcomes {
        let mut facts = healthy();
        facts.targets[0].outcome = outcome;
        assert_eq!(verdict(&facts, "target").0, Severity::Problem);
    }
}

#[test]
fn the_gate_must_be_required_and_pinned_to_this_app() {
    let gate = "amiroll/promotion";
    let cases = [
        (
            Some(ProtectionFact::Requires(pinned(gate, Some(APP_ID)))),
            Ok(vec![]),
            Severity::Ok,
        ),
        (
            Some(ProtectionFact::NotProtected),
            Ok(pinned(gate, Some(APP_ID))),
            Severity::Ok,
        ),
        (
            Some(ProtectionFact::Requires(pinned(gate, None))),
            Ok(vec![]),
            Severity::Warning,
        ),
        (
            Some(ProtectionFact::NotProtected),
            Ok(pinned(gate, None)),
            Severity::Warning,
        ),
        (
            Some(ProtectionFact::Requires(pinned(gate, Some(99)))),
            Ok(pinned(gate, Some(APP_ID))),
            Severity::Problem,
        ),
        (
            Some(ProtectionFact::Requires(pinned("ci/test", Some(APP_ID)))),
            Ok(vec![]),
            Severity::Problem,
        ),
        (
            Some(ProtectionFact::NotProtected),
            Ok(vec![]),
            Severity::Problem,
        ),
        (
            Some(ProtectionFact::Forbidden),
            Ok(vec![]),
            Severity::Warning,
        ),
        (
            Some(ProtectionFact::Forbidden),
            Ok(pinned(gate, Some(APP_ID))),
            Severity::Ok,
        ),
        (
            Some(ProtectionFact::NotProtected),
            Err("500".to_owned()),
            Severity::Warning,
        ),
    ];
    for (protection, rules, expected) in cases {
        let mut facts = healthy();
        facts.protection = protection.clone();
        facts.rules = Some(rules.clone());
        let (severity, message) = verdict(&facts, "gate");
        assert_eq!(severity, expected, "{protection:?} {rules:?}: {message}");
    }
}

#[test]
fn atlantis_statuses_are_looked_for_under_the_configured_prefix() {
    let cases = [
        (vec![], Severity::Warning, "no pull requests yet"),
        (
            vec![status("atlantis/apply: apps/default", "atlantis-bot")],
            Severity::Ok,
            "#12 carries `atlantis/apply: apps/default`",
        ),
        (
            vec![status("atlantis/plan", "mallory")],
            Severity::Warning,
            "not in `atlantis.users`",
        ),
        (
            vec![status("atlantis-prod/plan", "atlantis-bot")],
            Severity::Warning,
            "is `atlantis.status_prefix` right?",
        ),
        (
            vec![status("ci/test", "someone")],
            Severity::Warning,
            "--vcs-status-name atlantis?",
        ),
    ];
    for (statuses, expected, needle) in cases {
        let mut facts = healthy();
        facts.pulls = Some(Ok(if statuses.is_empty() {
            vec![]
        } else {
            vec![PullStatuses {
                number: 12,
                statuses,
            }]
        }));
        let (severity, message) = verdict(&facts, "atlantis");
        assert_eq!(severity, expected, "{message}");
        assert!(message.contains(needle), "{needle} not in {message}");
    }
}

#[test]
fn ssm_failures_are_problems_unless_aws_could_not_be_asked() {
    let parameter = "/aws/service/ecs/optimized-ami/amazon-linux-2/recommended".to_owned();
    let region = "us-east-1".to_owned();
    let cases = [
        (
            SsmError::NotFound {
                parameter: parameter.clone(),
                region: region.clone(),
            },
            Severity::Problem,
        ),
        (
            SsmError::Retryable {
                parameter: parameter.clone(),
                region: region.clone(),
                message: "timeout".into(),
            },
            Severity::Error,
        ),
    ];
    for (error, expected) in cases {
        let mut facts = healthy();
        facts.ssm = SsmFact::Failed(error);
        assert_eq!(verdict(&facts, "ssm").0, expected);
    }
    let mut facts = healthy();
    facts.ssm = SsmFact::Skipped;
    assert_eq!(verdict(&facts, "ssm").0, Severity::Skipped);
    assert_eq!(diagnose(&facts).exit(), Exit::Ok);
}
