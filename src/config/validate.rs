//! Turns the YAML as written into a [`RepoConfig`], collecting every problem with its line so a
//! user fixes the file in one pass instead of one error per push.

use std::collections::HashSet;

use serde_saphyr::Spanned;

use crate::ami::ssm::{ParameterName, is_region};

use super::error::{ConfigError, Problem};
use super::raw::{RawConfig, RawStage};
use super::repo::{AmiSource, Atlantis, PullRequests, RepoConfig, Stage, StageName, Target};

/// Parses and validates the text of `.github/amiroll.yml`.
pub fn parse(text: &str) -> Result<RepoConfig, ConfigError> {
    let raw: RawConfig = serde_saphyr::from_str(text).map_err(|err| {
        let location = err.location().unwrap_or(serde_saphyr::Location::UNKNOWN);
        ConfigError {
            problems: vec![Problem {
                line: location.line(),
                column: location.column(),
                key: String::new(),
                message: first_line(&err.without_snippet().to_string()),
            }],
        }
    })?;
    validate(raw)
}

/// The first line of a parser message, without the location it repeats (ours is printed already).
fn first_line(message: &str) -> String {
    let line = message.lines().next().unwrap_or(message).trim();
    match line.rfind(" at line ") {
        Some(at) => line[..at].to_owned(),
        None => line.to_owned(),
    }
}

struct Collector(Vec<Problem>);

impl Collector {
    fn at<T>(&mut self, spanned: &Spanned<T>, key: impl Into<String>, message: impl Into<String>) {
        self.0.push(Problem {
            line: spanned.referenced.line(),
            column: spanned.referenced.column(),
            key: key.into(),
            message: message.into(),
        });
    }

    fn unlocated(&mut self, key: impl Into<String>, message: impl Into<String>) {
        self.0.push(Problem {
            line: 0,
            column: 0,
            key: key.into(),
            message: message.into(),
        });
    }

    /// Checks a list of plain words (labels, logins), reporting each bad entry.
    fn words(
        &mut self,
        values: &[Spanned<String>],
        key: &str,
        what: &str,
        ok: fn(&str) -> bool,
    ) -> Vec<String> {
        let mut seen = HashSet::new();
        for (i, value) in values.iter().enumerate() {
            if !ok(&value.value) {
                self.at(
                    value,
                    format!("{key}[{i}]"),
                    format!("`{}` is not a valid {what}", value.value),
                );
            } else if !seen.insert(value.value.as_str()) {
                self.at(
                    value,
                    format!("{key}[{i}]"),
                    format!("`{}` is listed twice", value.value),
                );
            }
        }
        values.iter().map(|v| v.value.clone()).collect()
    }
}

fn validate(raw: RawConfig) -> Result<RepoConfig, ConfigError> {
    let mut c = Collector(Vec::new());

    let parameter = &raw.ami.ssm_parameter;
    if parameter.value.parse::<ParameterName>().is_err() {
        c.at(parameter, "ami.ssm_parameter", format!(
            "`{}` is not an SSM parameter name (expected a path such as `/aws/service/ecs/optimized-ami/amazon-linux-2/recommended`)",
            parameter.value
        ));
    }
    let region = &raw.ami.region;
    if !is_region(&region.value) {
        c.at(
            region,
            "ami.region",
            format!(
                "`{}` is not an AWS region (expected e.g. `us-east-1`)",
                region.value
            ),
        );
    }

    let prefix = &raw.atlantis.status_prefix;
    if !is_word(&prefix.value) {
        c.at(prefix, "atlantis.status_prefix", format!(
            "`{}` is not a status prefix (expected Atlantis's --vcs-status-name, e.g. `atlantis`)",
            prefix.value
        ));
    }
    let users = c.words(
        &raw.atlantis.users,
        "atlantis.users",
        "GitHub login",
        is_login,
    );

    let check = &raw.gate.check_name;
    if let Err(message) = check_gate_name(&check.value, &prefix.value) {
        c.at(check, "gate.check_name", message);
    }

    let labels = c.words(
        &raw.pull_requests.labels,
        "pull_requests.labels",
        "label",
        is_label,
    );
    let reviewers = c.words(
        &raw.pull_requests.reviewers,
        "pull_requests.reviewers",
        "GitHub login",
        is_login,
    );
    let team_reviewers = c.words(
        &raw.pull_requests.team_reviewers,
        "pull_requests.team_reviewers",
        "team slug",
        is_slug,
    );

    if let Some(branch) = &raw.base_branch
        && !is_branch(&branch.value)
    {
        c.at(
            branch,
            "base_branch",
            format!("`{}` is not a branch name", branch.value),
        );
    }

    if raw.stages.is_empty() {
        c.unlocated(
            "stages",
            "at least one stage is needed (e.g. `staging`, then `production`)",
        );
    }
    let mut names = HashSet::new();
    let mut targets_seen = HashSet::new();
    let mut stages = Vec::with_capacity(raw.stages.len());
    for (i, stage) in raw.stages.iter().enumerate() {
        if let Some(stage) = validate_stage(&mut c, i, stage, &mut names, &mut targets_seen) {
            stages.push(stage);
        }
    }

    if !c.0.is_empty() {
        c.0.sort_by_key(|p| (p.line == 0, p.line, p.column));
        return Err(ConfigError { problems: c.0 });
    }
    Ok(RepoConfig {
        ami: AmiSource {
            ssm_parameter: raw.ami.ssm_parameter.value,
            region: raw.ami.region.value,
        },
        atlantis: Atlantis {
            status_prefix: raw.atlantis.status_prefix.value,
            users,
        },
        gate_check_name: raw.gate.check_name.value,
        pull_requests: PullRequests {
            labels,
            reviewers,
            team_reviewers,
        },
        base_branch: raw.base_branch.map(|b| b.value),
        stages,
    })
}

fn validate_stage(
    c: &mut Collector,
    i: usize,
    raw: &RawStage,
    names: &mut HashSet<String>,
    targets_seen: &mut HashSet<(String, String)>,
) -> Option<Stage> {
    let key = format!("stages[{i}]");
    let name = StageName::new(&raw.name.value);
    match &name {
        None => c.at(
            &raw.name,
            format!("{key}.name"),
            format!(
                "`{}` is not a stage name (lowercase letters, digits, `-` and `_`, at most 40)",
                raw.name.value
            ),
        ),
        Some(name) if !names.insert(name.to_string()) => {
            c.at(
                &raw.name,
                format!("{key}.name"),
                format!("stage `{name}` is defined twice"),
            );
        }
        Some(_) => {}
    }
    if let Some(project) = &raw.atlantis_project
        && (project.value.trim().is_empty() || project.value.contains(['\n', '\r']))
    {
        c.at(
            project,
            format!("{key}.atlantis_project"),
            "must be an Atlantis project id such as `apps/default`",
        );
    }
    if let Some(cluster) = &raw.ecs_cluster
        && !is_ecs_cluster(&cluster.value)
    {
        c.at(
            cluster,
            format!("{key}.ecs_cluster"),
            format!("`{}` is not an ECS cluster name", cluster.value),
        );
    }
    if raw.targets.is_empty() {
        c.at(
            &raw.name,
            format!("{key}.targets"),
            "a stage needs at least one target",
        );
    }
    let mut targets = Vec::with_capacity(raw.targets.len());
    for (j, target) in raw.targets.iter().enumerate() {
        let tkey = format!("{key}.targets[{j}]");
        let file_ok = is_repo_path(&target.file.value);
        if !file_ok {
            c.at(
                &target.file,
                format!("{tkey}.file"),
                format!(
                    "`{}` is not a path inside the repository (relative, `/`-separated, no `..`)",
                    target.file.value
                ),
            );
        }
        let address = match target.address.value.parse::<crate::hcl::Address>() {
            Ok(address) => Some(address),
            Err(err) => {
                c.at(&target.address, format!("{tkey}.address"), err.to_string());
                None
            }
        };
        if !targets_seen.insert((target.file.value.clone(), target.address.value.clone())) {
            c.at(
                &target.address,
                format!("{tkey}.address"),
                format!(
                    "`{}` in `{}` is already a target; each value belongs to one stage",
                    target.address.value, target.file.value
                ),
            );
        }
        if let (true, Some(address)) = (file_ok, address) {
            targets.push(Target {
                file: target.file.value.clone(),
                address,
            });
        }
    }
    let mut checklist = Vec::with_capacity(raw.checklist.len());
    for (j, item) in raw.checklist.iter().enumerate() {
        let text = item.value.trim();
        if text.is_empty() || text.contains(['\n', '\r']) || text.chars().count() > 300 {
            c.at(
                item,
                format!("{key}.checklist[{j}]"),
                "a checklist item is one line of 1 to 300 characters",
            );
        } else {
            checklist.push(text.to_owned());
        }
    }
    Some(Stage {
        name: name?,
        atlantis_project: raw
            .atlantis_project
            .as_ref()
            .map(|p| p.value.trim().to_owned()),
        ecs_cluster: raw.ecs_cluster.as_ref().map(|p| p.value.clone()),
        targets,
        checklist,
    })
}

/// Refuses gate names that Atlantis could ignore or that amiroll would mistake for Atlantis's own.
fn check_gate_name(name: &str, status_prefix: &str) -> Result<(), String> {
    if name.trim().is_empty() || name.len() > 100 || name.contains(['\n', '\r']) {
        return Err("must be one line of 1 to 100 characters".into());
    }
    if name.to_ascii_lowercase().starts_with("atlantis/apply") {
        return Err(format!(
            "`{name}` starts with `atlantis/apply`: Atlantis's --gh-allow-mergeable-bypass-apply ignores such checks, so the gate would not block anything"
        ));
    }
    let head = name.split('/').next().unwrap_or(name);
    if head.eq_ignore_ascii_case(status_prefix) || head.eq_ignore_ascii_case("atlantis") {
        return Err(format!(
            "`{name}` uses Atlantis's status prefix `{head}/`: Atlantis can be told to ignore those (--ignore-vcs-status-names), and amiroll would read it as Atlantis's own; use e.g. `amiroll/promotion`"
        ));
    }
    Ok(())
}

fn is_word(value: &str) -> bool {
    !value.is_empty()
        && value.len() <= 100
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b))
}

/// GitHub logins: alphanumerics and single hyphens, at most 39; bots end in `[bot]`.
fn is_login(login: &str) -> bool {
    let name = login.strip_suffix("[bot]").unwrap_or(login);
    !name.is_empty()
        && name.len() <= 39
        && !name.starts_with('-')
        && !name.ends_with('-')
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

fn is_slug(slug: &str) -> bool {
    !slug.is_empty()
        && slug.len() <= 100
        && slug
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_-".contains(&b))
}

fn is_label(label: &str) -> bool {
    !label.trim().is_empty() && label.chars().count() <= 50 && !label.contains(['\n', '\r', ','])
}

fn is_branch(branch: &str) -> bool {
    !branch.is_empty()
        && branch.len() <= 255
        && !branch.starts_with(['/', '-', '.'])
        && !branch.ends_with(['/', '.'])
        && !branch.contains("..")
        && !branch.contains("//")
        && !branch.ends_with(".lock")
        && branch
            .chars()
            .all(|ch| !ch.is_control() && !ch.is_whitespace() && !"~^:?*[\\".contains(ch))
}

fn is_ecs_cluster(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 255
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_-".contains(&b))
}

/// A repository-relative file path: no leading `/`, no `..` or `.` segments, no backslashes.
pub(crate) fn is_repo_path(path: &str) -> bool {
    !path.is_empty()
        && !path.starts_with('/')
        && !path.contains('\\')
        && !path.contains(['\n', '\r', '\0'])
        && path
            .split('/')
            .all(|seg| !seg.is_empty() && seg != "." && seg != "..")
}
