//! The deployment example in `deploy/` is read by the same HCL parser amiroll edits Terraform
//! with, and keeps its promises: the task role may only read the ECS-optimized AMI parameters
//! (and, optionally, list the stage clusters' instances), and every setting it passes is one
//! `amiroll serve` knows.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use hcl_edit::expr::Expression;
use hcl_edit::structure::{Block, Body};

fn deploy_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy")
}

/// Every `.tf` file under `deploy/`, sorted.
fn tf_files() -> Vec<PathBuf> {
    fn walk(dir: &Path, files: &mut Vec<PathBuf>) {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, files);
            } else if path.extension().is_some_and(|ext| ext == "tf") {
                files.push(path);
            }
        }
    }
    let mut files = Vec::new();
    walk(&deploy_dir(), &mut files);
    files.sort();
    files
}

fn relative(path: &Path) -> String {
    path.strip_prefix(env!("CARGO_MANIFEST_DIR"))
        .unwrap_or(path)
        .display()
        .to_string()
}

/// Every `.tf` file parsed, as one list of top-level blocks with the file each came from.
fn all_blocks() -> Vec<(String, Block)> {
    tf_files()
        .into_iter()
        .flat_map(|path| {
            let body = hcl_edit::parser::parse_body(&fs::read_to_string(&path).unwrap())
                .unwrap_or_else(|err| panic!("{}: {err}", relative(&path)));
            let file = relative(&path);
            body.into_blocks().map(move |block| (file.clone(), block))
        })
        .collect()
}

fn labels(block: &Block) -> Vec<&str> {
    block.labels.iter().map(|label| label.as_str()).collect()
}

/// The top-level block `kind "type" "name"`, e.g. `resource "aws_iam_role" "task"`.
fn find<'a>(blocks: &'a [(String, Block)], kind: &str, labels_: &[&str]) -> &'a Block {
    blocks
        .iter()
        .map(|(_, block)| block)
        .find(|block| block.ident.as_str() == kind && labels(block) == labels_)
        .unwrap_or_else(|| panic!("no {kind} {labels_:?} in deploy/"))
}

/// The source text of an attribute's value, trimmed.
fn attribute_text(body: &Body, key: &str) -> Option<String> {
    body.get_attribute(key)
        .map(|attribute| attribute.value.to_string().trim().to_owned())
}

/// The policy statements of an `aws_iam_policy_document`, including those of `dynamic
/// "statement"` blocks, as (actions, resources as source text).
fn statements(document: &Block) -> Vec<(Vec<String>, Vec<String>)> {
    let mut found = Vec::new();
    for block in document.body.blocks() {
        let body = match block.ident.as_str() {
            "statement" => &block.body,
            "dynamic" if labels(block) == ["statement"] => {
                &block
                    .body
                    .get_blocks("content")
                    .next()
                    .expect("a dynamic statement has a content block")
                    .body
            }
            _ => continue,
        };
        assert!(
            !body.has_attribute("not_actions"),
            "a NotAction statement grants everything else"
        );
        let actions = match body.get_attribute("actions").map(|a| &a.value) {
            Some(Expression::Array(array)) => array
                .iter()
                .map(|action| match action {
                    Expression::String(action) => action.value().clone(),
                    other => panic!("an action is not a literal: {other}"),
                })
                .collect(),
            other => panic!("a statement's actions are not a literal list: {other:?}"),
        };
        let resources = match body.get_attribute("resources").map(|a| &a.value) {
            Some(Expression::Array(array)) => array.iter().map(|r| r.to_string()).collect(),
            Some(other) => vec![other.to_string()],
            None => panic!("a statement without resources applies to every resource"),
        };
        found.push((actions, resources));
    }
    found
}

#[test]
fn every_terraform_file_parses_with_amirolls_hcl_parser() {
    let files = tf_files();
    let names: BTreeSet<String> = files.iter().map(|path| relative(path)).collect();
    for expected in ["deploy/variables.tf", "deploy/iam.tf", "deploy/ecs.tf"] {
        assert!(
            names.contains(expected),
            "{expected} missing from {names:?}"
        );
    }

    let failures: Vec<String> = files
        .iter()
        .filter_map(|path| {
            let text = fs::read_to_string(path).unwrap();
            hcl_edit::parser::parse_body(&text).err().map(|err| {
                let at = err.location();
                format!(
                    "{}:{}:{}: {}\n    {}",
                    relative(path),
                    at.line(),
                    at.column(),
                    err.message(),
                    err.line()
                )
            })
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_task_role_may_only_read_the_ecs_optimized_ami_parameters() {
    let blocks = all_blocks();

    // The role amiroll's code runs with is the task definition's task role.
    let task_definition = find(&blocks, "resource", &["aws_ecs_task_definition", "amiroll"]);
    let role_ref = attribute_text(&task_definition.body, "task_role_arn").unwrap();
    let role = role_ref
        .strip_prefix("aws_iam_role.")
        .and_then(|rest| rest.strip_suffix(".arn"))
        .unwrap_or_else(|| panic!("task_role_arn is not a role of this example: {role_ref}"));
    let role_block = find(&blocks, "resource", &["aws_iam_role", role]);
    for key in ["inline_policy", "managed_policy_arns"] {
        assert!(
            !role_block.body.has_attribute(key) && !role_block.body.has_blocks(key),
            "the task role must not carry {key}"
        );
    }

    // No managed policy is attached to it; its inline policies come from policy documents.
    let role_prefix = format!("aws_iam_role.{role}.");
    let mut documents = Vec::new();
    for (file, block) in &blocks {
        let Some(role) = attribute_text(&block.body, "role") else {
            continue;
        };
        if block.ident.as_str() != "resource" || !role.starts_with(&role_prefix) {
            continue;
        }
        let kind = labels(block)[0];
        assert_eq!(
            kind, "aws_iam_role_policy",
            "{file}: {kind} on the task role"
        );
        let policy = attribute_text(&block.body, "policy").unwrap();
        let document = policy
            .strip_prefix("data.aws_iam_policy_document.")
            .and_then(|rest| rest.strip_suffix(".json"))
            .unwrap_or_else(|| panic!("{file}: the task role's policy is not a document: {policy}"))
            .to_owned();
        documents.push(document);
    }
    assert!(!documents.is_empty(), "no policy on the task role");

    let mut actions_seen = BTreeSet::new();
    for document in &documents {
        let document = find(&blocks, "data", &["aws_iam_policy_document", document]);
        for (actions, resources) in statements(document) {
            for action in &actions {
                match action.as_str() {
                    "ssm:GetParameter" | "ssm:GetParameters" => {
                        for resource in &resources {
                            assert!(
                                resource.contains("parameter/aws/service/ecs/optimized-ami/"),
                                "{action} on {resource}"
                            );
                        }
                    }
                    "ecs:ListContainerInstances" | "ecs:DescribeContainerInstances" => {}
                    other => panic!("the task role may not {other}"),
                }
                actions_seen.insert(action.clone());
            }
        }
    }
    assert!(
        actions_seen.contains("ssm:GetParameter") && actions_seen.contains("ssm:GetParameters"),
        "amiroll needs both SSM reads: {actions_seen:?}"
    );
}

#[test]
fn the_secrets_come_from_parameter_store_and_the_health_check_is_healthz() {
    let blocks = all_blocks();
    let iam = fs::read_to_string(deploy_dir().join("iam.tf")).unwrap();
    for secret in [
        "AMIROLL_PRIVATE_KEY",
        "AMIROLL_WEBHOOK_SECRET",
        "AMIROLL_API_TOKEN",
    ] {
        assert!(iam.contains(secret), "{secret} is not passed as a secret");
    }
    let ecs = fs::read_to_string(deploy_dir().join("ecs.tf")).unwrap();
    assert!(ecs.contains("valueFrom"), "secrets must use valueFrom");
    assert!(iam.contains(":ssm:") && iam.contains(":parameter/"));

    let target_group = find(&blocks, "resource", &["aws_lb_target_group", "amiroll"]);
    let health_check = target_group
        .body
        .get_blocks("health_check")
        .next()
        .expect("the target group checks health");
    assert_eq!(
        attribute_text(&health_check.body, "path").as_deref(),
        Some("\"/healthz\"")
    );
}

#[test]
fn every_amiroll_setting_the_example_passes_is_one_the_server_knows() {
    let help = Command::new(env!("CARGO_BIN_EXE_amiroll"))
        .args(["serve", "--help"])
        .output()
        .unwrap();
    assert!(help.status.success());
    let help = String::from_utf8_lossy(&help.stdout);

    let mut names = BTreeSet::new();
    for path in tf_files() {
        let text = fs::read_to_string(&path).unwrap();
        for (start, _) in text.match_indices("AMIROLL_") {
            let name: String = text[start..]
                .chars()
                .take_while(|c| c.is_ascii_uppercase() || *c == '_')
                .collect();
            names.insert(name);
        }
    }
    assert!(names.contains("AMIROLL_LISTEN"), "{names:?}");
    let unknown: Vec<&String> = names
        .iter()
        .filter(|name| !help.contains(&format!("[env: {name}")))
        .collect();
    assert!(unknown.is_empty(), "`amiroll serve` has no {unknown:?}");
}
