//! Stories about `.github/amiroll.yml`: what users write, what amiroll makes of it, and how it
//! points at the line to fix when something is wrong.

use amiroll::config::{self, ConfigError, DEFAULT_CHECK_NAME, DEFAULT_SSM_PARAMETER};

const EXAMPLE: &str = include_str!("../fixtures/example/.github/amiroll.yml");

fn problems(text: &str) -> ConfigError {
    config::parse(text).expect_err("the config should have been refused")
}

const MINIMAL: &str = "\
stages:
  - name: staging
    targets:
      - file: apps/clusters.tf
        address: module.staging_cluster.instance_image_id
";

#[test]
fn the_documented_example_describes_the_runbook() {
    let config = config::parse(EXAMPLE).unwrap();
    let names: Vec<&str> = config.stages.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["staging", "production"]);
    assert_eq!(config.ami.region, "us-east-1");
    assert_eq!(config.ami.ssm_parameter, DEFAULT_SSM_PARAMETER);
    assert_eq!(config.atlantis.users, ["cob-digital-atlantis"]);
    assert_eq!(config.gate_check_name, "amiroll/promotion");
    assert_eq!(config.pull_requests.labels, ["ami-update"]);
    let staging = &config.stages[0];
    assert_eq!(staging.atlantis_project.as_deref(), Some("apps/default"));
    assert_eq!(staging.checklist, ["Check a few URLs on staging"]);
    assert_eq!(staging.targets[0].file, "apps/clusters.tf");
    assert_eq!(
        staging.targets[0].address.to_string(),
        "module.staging_cluster.instance_image_id"
    );
}

#[test]
fn a_config_with_only_stages_gets_the_runbook_defaults() {
    let config = config::parse(MINIMAL).unwrap();
    assert_eq!(config.ami.ssm_parameter, DEFAULT_SSM_PARAMETER);
    assert_eq!(config.ami.region, "us-east-1");
    assert_eq!(config.atlantis.status_prefix, "atlantis");
    assert!(config.atlantis.users.is_empty());
    assert_eq!(config.gate_check_name, DEFAULT_CHECK_NAME);
    assert_eq!(config.base_branch, None);
}

#[test]
fn unknown_keys_are_errors_that_name_the_key_and_its_line() {
    for (text, key, line) in [
        (
            format!("gate:\n  check_nmae: x\n{MINIMAL}"),
            "check_nmae",
            2,
        ),
        (format!("{MINIMAL}extra: 1\n"), "extra", 6),
        (
            MINIMAL.replace("    targets:", "    target_list: []\n    targets:"),
            "target_list",
            3,
        ),
        (
            MINIMAL.replace("        address:", "        adress: x\n        address:"),
            "adress",
            5,
        ),
    ] {
        let err = problems(&text);
        let rendered = err.render(".github/amiroll.yml");
        assert!(rendered.contains(key), "{rendered}");
        assert_eq!(err.problems[0].line, line, "{rendered}");
        assert!(
            rendered.starts_with(&format!(".github/amiroll.yml:{line}:")),
            "{rendered}"
        );
    }
}

#[test]
fn each_bad_value_is_reported_with_its_key_and_line() {
    let cases = [
        ("ami:\n  region: mars-1\n", "ami.region", 2),
        (
            "ami:\n  ssm_parameter: aws/service/x\n",
            "ami.ssm_parameter",
            2,
        ),
        (
            "atlantis:\n  status_prefix: 'at lantis'\n",
            "atlantis.status_prefix",
            2,
        ),
        (
            "atlantis:\n  users: ['not a login']\n",
            "atlantis.users[0]",
            2,
        ),
        (
            "gate:\n  check_name: atlantis/apply-gate\n",
            "gate.check_name",
            2,
        ),
        (
            "gate:\n  check_name: Atlantis/promotion\n",
            "gate.check_name",
            2,
        ),
        ("gate:\n  check_name: ''\n", "gate.check_name", 2),
        (
            "pull_requests:\n  labels: [a, a]\n",
            "pull_requests.labels[1]",
            2,
        ),
        (
            "pull_requests:\n  reviewers: ['-x']\n",
            "pull_requests.reviewers[0]",
            2,
        ),
        ("base_branch: 'main..x'\n", "base_branch", 1),
    ];
    for (prefix, key, line) in cases {
        let err = problems(&format!("{prefix}{MINIMAL}"));
        let problem = err
            .problems
            .iter()
            .find(|p| p.key == key)
            .unwrap_or_else(|| panic!("no problem for {key}: {err}"));
        assert_eq!(problem.line, line, "{key}: {err}");
    }
}

#[test]
fn stage_and_target_mistakes_are_all_reported_at_once_in_file_order() {
    let text = "\
stages:
  - name: Staging
    targets:
      - file: /abs/clusters.tf
        address: module..x
  - name: production
    targets:
      - file: apps/../clusters.tf
        address: module.production_cluster.instance_image_id
  - name: production
    targets:
      - file: apps/clusters.tf
        address: module.production_cluster.instance_image_id
      - file: apps/clusters.tf
        address: module.production_cluster.instance_image_id
    checklist:
      - ''
";
    let err = problems(text);
    let got: Vec<(&str, u64)> = err
        .problems
        .iter()
        .map(|p| (p.key.as_str(), p.line))
        .collect();
    assert_eq!(
        got,
        [
            ("stages[0].name", 2),
            ("stages[0].targets[0].file", 4),
            ("stages[0].targets[0].address", 5),
            ("stages[1].targets[0].file", 8),
            ("stages[2].name", 10),
            ("stages[2].targets[1].address", 15),
            ("stages[2].checklist[0]", 17),
        ],
        "{err}"
    );
}

#[test]
fn a_config_without_stages_is_refused() {
    assert!(
        problems("stages: []\n")
            .to_string()
            .contains("at least one stage")
    );
    assert!(
        problems("ami:\n  region: us-east-1\n")
            .to_string()
            .contains("stages")
    );
    let no_targets = "stages:\n  - name: staging\n    targets: []\n";
    assert!(
        problems(no_targets)
            .to_string()
            .contains("at least one target")
    );
}

#[test]
fn the_gate_may_not_borrow_a_custom_atlantis_prefix() {
    let text =
        format!("atlantis:\n  status_prefix: tf\ngate:\n  check_name: tf/promotion\n{MINIMAL}");
    assert_eq!(problems(&text).problems[0].key, "gate.check_name");
    let fine = format!(
        "atlantis:\n  status_prefix: tf\ngate:\n  check_name: amiroll/promotion\n{MINIMAL}"
    );
    assert!(config::parse(&fine).is_ok());
}

#[test]
fn broken_yaml_is_refused_with_the_parser_location() {
    let err = problems("stages: [\n");
    assert_eq!(err.problems.len(), 1);
    assert!(err.problems[0].line >= 1, "{err}");
    for text in ["", "just a string", "- a list", "stages: 5", "\u{0}"] {
        let _ = problems(text);
    }
}

#[test]
fn the_published_json_schema_is_generated_from_the_parser_types() {
    let generated = serde_json::to_string_pretty(&config::json_schema()).unwrap() + "\n";
    let published = include_str!("../schema/amiroll.schema.json");
    assert_eq!(
        published, generated,
        "schema/amiroll.schema.json is stale: run `cargo run -- config-schema > schema/amiroll.schema.json`"
    );
    let schema = config::json_schema();
    assert_eq!(schema["additionalProperties"], false);
    for (name, def) in schema["$defs"].as_object().unwrap() {
        assert_eq!(
            def["additionalProperties"], false,
            "{name} accepts unknown keys"
        );
    }
    assert_eq!(schema["required"], serde_json::json!(["stages"]));
}
