//! The verdicts: from [`Facts`] to a [`Report`], one finding per check and no I/O. Each check
//! says what it found and, when something is wrong, how to fix it in one line.

use super::facts::{
    ConfigFact, Facts, ProtectionFact, PullStatuses, SsmFact, TargetFact, TargetOutcome,
};
use super::report::{Finding, Report, Severity};
use crate::ami::AmiId;
use crate::ami::ssm::SsmError;
use crate::config::{CONFIG_PATH, RepoConfig};
use crate::github::types::{AppInfo, RepoInstallation, RequiredCheck};

/// The permissions amiroll needs on every repository it rolls AMIs through, as `app.yml` asks
/// for them: `(scope, least access)`.
pub const REQUIRED_PERMISSIONS: [(&str, &str); 6] = [
    ("contents", "write"),
    ("pull_requests", "write"),
    ("issues", "write"),
    ("checks", "write"),
    ("statuses", "read"),
    ("metadata", "read"),
];

/// What doctor alone needs, to read classic branch protection.
const PROTECTION_PERMISSION: (&str, &str) = ("administration", "read");

/// Judges the facts: every check's finding, in the order a newcomer sets things up.
pub fn diagnose(facts: &Facts) -> Report {
    let app = &facts.app;
    let mut findings = vec![Finding::new(
        Severity::Ok,
        "app",
        format!("authenticated as the App `{}` (id {})", app.slug, app.id),
    )];
    let Some(installation) = &facts.installation else {
        findings.push(
            Finding::new(
                Severity::Problem,
                "installation",
                format!("the App `{}` is not installed on {}", app.slug, facts.repo),
            )
            .fix(format!(
                "install the App `{}` on {} (the App's page → Install or Configure → Repository \
                 access → add the repository)",
                app.slug, facts.repo
            )),
        );
        findings.push(Finding::new(
            Severity::Skipped,
            "everything else",
            "needs the App installed on the repository",
        ));
        return Report { findings };
    };
    findings.push(Finding::new(
        Severity::Ok,
        "installation",
        format!(
            "installed on {} (installation {}, account {})",
            facts.repo, installation.id, installation.account
        ),
    ));
    findings.push(permissions(installation, app));
    findings.push(config(facts.config.as_ref()));
    match &facts.config {
        Some(ConfigFact::Valid {
            base_branch,
            config,
            ..
        }) => {
            findings.extend(facts.targets.iter().map(target));
            findings.push(gate(
                config,
                base_branch,
                app,
                facts.protection.as_ref(),
                facts.rules.as_ref(),
            ));
            findings.push(atlantis(config, facts.pulls.as_ref()));
        }
        _ => findings.push(Finding::new(
            Severity::Skipped,
            "targets, gate, atlantis",
            "need a valid config",
        )),
    }
    findings.push(ssm(&facts.ssm));
    Report { findings }
}

fn rank(access: &str) -> u8 {
    match access {
        "read" => 1,
        "write" => 2,
        "admin" => 3,
        _ => 0,
    }
}

fn permissions(installation: &RepoInstallation, app: &AppInfo) -> Finding {
    let granted = |scope: &str| installation.permissions.get(scope).map(String::as_str);
    let lacks = |scope: &str, access: &str| rank(granted(scope).unwrap_or("")) < rank(access);
    let lacking: Vec<String> = REQUIRED_PERMISSIONS
        .iter()
        .filter(|(scope, access)| lacks(scope, access))
        .map(|(scope, access)| match granted(scope) {
            Some(has) => format!("{scope}: {access} (has {has})"),
            None => format!("{scope}: {access}"),
        })
        .collect();
    if !lacking.is_empty() {
        return Finding::new(
            Severity::Problem,
            "permissions",
            format!("the installation lacks {}", lacking.join(", ")),
        )
        .fix(format!(
            "grant them in the App's settings (Permissions & events, as app.yml asks), then have \
             {} accept the new permissions (Installed GitHub Apps → {} → review request)",
            installation.account, app.slug
        ));
    }
    let (scope, access) = PROTECTION_PERMISSION;
    if lacks(scope, access) {
        return Finding::new(
            Severity::Warning,
            "permissions",
            format!(
                "everything amiroll needs, but not `{scope}: {access}`: doctor cannot read \
                 classic branch protection"
            ),
        )
        .fix(format!(
            "grant `{scope}: {access}` (app.yml asks for it) so doctor can confirm the gate \
             is required"
        ));
    }
    Finding::new(
        Severity::Ok,
        "permissions",
        "every permission amiroll needs (contents, pull_requests, issues and checks: write; \
         statuses and metadata: read; administration: read for doctor)",
    )
}

fn config(config: Option<&ConfigFact>) -> Finding {
    const CHECK: &str = "config";
    match config {
        None => Finding::new(Severity::Skipped, CHECK, "not read"),
        Some(ConfigFact::Missing { branch }) => Finding::new(
            Severity::Problem,
            CHECK,
            format!(
                "{CONFIG_PATH} not found on `{branch}`: amiroll does nothing in this repository"
            ),
        )
        .fix(format!(
            "commit a {CONFIG_PATH} to `{branch}` (check it first with `amiroll validate-config`)"
        )),
        Some(ConfigFact::Unreadable { branch, error }) => Finding::new(
            Severity::Error,
            CHECK,
            format!("cannot read {CONFIG_PATH} on `{branch}`: {error}"),
        )
        .fix("run doctor again; if it persists, check GitHub's status and the App's permissions"),
        Some(ConfigFact::Invalid { branch, problems }) => Finding::new(
            Severity::Problem,
            CHECK,
            format!("{CONFIG_PATH} on `{branch}` is invalid:\n{problems}"),
        )
        .fix(format!(
            "correct those lines (`amiroll validate-config` shows them locally) and push to \
             `{branch}`"
        )),
        Some(ConfigFact::Valid {
            branch,
            base_branch,
            config,
        }) => {
            let stages: Vec<&str> = config.stages.iter().map(|s| s.name.as_str()).collect();
            Finding::new(
                Severity::Ok,
                CHECK,
                format!(
                    "{CONFIG_PATH} on `{branch}` is valid: stages {}, gate check `{}`, pull \
                     requests into `{base_branch}`",
                    stages.join(" → "),
                    config.gate_check_name
                ),
            )
        }
    }
}

fn target(target: &TargetFact) -> Finding {
    const CHECK: &str = "target";
    let TargetFact {
        stage,
        file,
        address,
        branch,
        outcome,
    } = target;
    match outcome {
        TargetOutcome::Literal { location, value } if AmiId::is_valid(value) => Finding::new(
            Severity::Ok,
            CHECK,
            format!("{stage}: {file}:{location} `{address}` = {value} (on `{branch}`)"),
        ),
        TargetOutcome::Literal { location, value } => Finding::new(
            Severity::Problem,
            CHECK,
            format!(
                "{stage}: {file}:{location}: `{address}` holds `{value}`, which is not an AMI id"
            ),
        )
        .fix("point the target at the literal that holds the stage's AMI id (`ami-...`)"),
        TargetOutcome::Unresolved { location, message } => Finding::new(
            Severity::Problem,
            CHECK,
            format!("{stage}: {file}:{location}: {message}"),
        )
        .fix(format!(
            "make `{address}` a plain quoted AMI id in {file} on `{branch}` (amiroll rewrites \
             only string literals), or correct the target in {CONFIG_PATH}"
        )),
        TargetOutcome::FileMissing => Finding::new(
            Severity::Problem,
            CHECK,
            format!("{stage}: {file} does not exist on `{branch}`"),
        )
        .fix(format!("correct the target's `file` in {CONFIG_PATH}")),
        TargetOutcome::Unreadable(error) => Finding::new(
            Severity::Error,
            CHECK,
            format!("{stage}: cannot read {file} on `{branch}`: {error}"),
        )
        .fix("run doctor again; if it persists, check GitHub's status"),
    }
}

fn gate(
    config: &RepoConfig,
    base: &str,
    app: &AppInfo,
    protection: Option<&ProtectionFact>,
    rules: Option<&Result<Vec<RequiredCheck>, String>>,
) -> Finding {
    const CHECK: &str = "gate";
    let name = config.gate_check_name.as_str();
    let mut requiring: Vec<(&str, &RequiredCheck)> = Vec::new();
    if let Some(ProtectionFact::Requires(checks)) = protection {
        requiring.extend(checks.iter().map(|c| ("branch protection", c)));
    }
    if let Some(Ok(checks)) = rules {
        requiring.extend(checks.iter().map(|c| ("a ruleset", c)));
    }
    requiring.retain(|(_, check)| check.context == name);
    let how_to_require = format!(
        "require the status check `{name}` from the App `{}` on `{base}` (Settings → Branches → \
         branch protection rule, or Settings → Rules → Rulesets → Require status checks to pass)",
        app.slug
    );
    if let Some((place, other)) = requiring
        .iter()
        .find(|(_, c)| c.app_id.is_some_and(|id| id != app.id))
    {
        return Finding::new(
            Severity::Problem,
            CHECK,
            format!(
                "{place} requires `{name}` on `{base}` from another App (id {}), which amiroll's \
                 check can never satisfy: every gated pull request stays blocked",
                other.app_id.unwrap_or_default()
            ),
        )
        .fix(how_to_require);
    }
    if let Some((place, _)) = requiring.iter().find(|(_, c)| c.app_id == Some(app.id)) {
        return Finding::new(
            Severity::Ok,
            CHECK,
            format!(
                "{place} requires `{name}` on `{base}`, from this App (id {})",
                app.id
            ),
        );
    }
    if let Some((place, _)) = requiring.first() {
        return Finding::new(
            Severity::Warning,
            CHECK,
            format!(
                "{place} requires `{name}` on `{base}` from any source: anyone with push access \
                 can forge a commit status of that name"
            ),
        )
        .fix(format!(
            "pin the required check `{name}` to the App `{}` (branch protection: pick it as the \
             expected source; ruleset: choose it for the check)",
            app.slug
        ));
    }
    let mut blind = Vec::new();
    match protection {
        Some(ProtectionFact::Forbidden) => blind.push(
            "branch protection is unreadable (403: the App lacks `administration: read`)"
                .to_owned(),
        ),
        Some(ProtectionFact::Unreadable(error)) => {
            blind.push(format!("branch protection is unreadable ({error})"));
        }
        _ => {}
    }
    if let Some(Err(error)) = rules {
        blind.push(format!("rulesets are unreadable ({error})"));
    }
    if !blind.is_empty() {
        return Finding::new(
            Severity::Warning,
            CHECK,
            format!(
                "cannot tell whether `{name}` is required on `{base}`: {}",
                blind.join("; ")
            ),
        )
        .fix(format!(
            "grant the App `administration: read`, or make sure by hand that: {how_to_require}"
        ));
    }
    let found = match protection {
        Some(ProtectionFact::Requires(checks)) if checks.is_empty() => {
            format!("branch protection on `{base}` requires no status check")
        }
        Some(ProtectionFact::Requires(checks)) => format!(
            "branch protection on `{base}` requires {} but not `{name}`",
            checks
                .iter()
                .map(|c| format!("`{}`", c.context))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        _ => format!("`{base}` is not protected"),
    };
    Finding::new(
        Severity::Problem,
        CHECK,
        format!(
            "{found} and no active ruleset requires `{name}`: the gate gates nothing (Atlantis \
             would apply production before staging is merged)"
        ),
    )
    .fix(how_to_require)
}

/// Whether `context` is an Atlantis plan or apply status under `prefix`.
pub(super) fn is_atlantis(context: &str, prefix: &str) -> bool {
    context
        .strip_prefix(prefix)
        .and_then(|rest| rest.strip_prefix('/'))
        .is_some_and(|rest| {
            ["plan", "apply", "policy_check"]
                .iter()
                .any(|kind| rest == *kind || rest.starts_with(&format!("{kind}:")))
        })
}

/// The prefix of a status that looks like Atlantis's under some other `--vcs-status-name`.
fn atlantis_like_prefix(context: &str) -> Option<&str> {
    let (prefix, _) = context.split_once('/')?;
    is_atlantis(context, prefix).then_some(prefix)
}

fn atlantis(config: &RepoConfig, pulls: Option<&Result<Vec<PullStatuses>, String>>) -> Finding {
    const CHECK: &str = "atlantis";
    let prefix = config.atlantis.status_prefix.as_str();
    let users = &config.atlantis.users;
    let pulls = match pulls {
        None => return Finding::new(Severity::Skipped, CHECK, "not looked at"),
        Some(Err(error)) => {
            return Finding::new(
                Severity::Error,
                CHECK,
                format!("cannot read recent pull requests: {error}"),
            )
            .fix("run doctor again; if it persists, check GitHub's status");
        }
        Some(Ok(pulls)) => pulls,
    };
    if pulls.is_empty() {
        return Finding::new(
            Severity::Warning,
            CHECK,
            format!(
                "no pull requests yet: cannot confirm that Atlantis reports `{prefix}/plan` and \
                 `{prefix}/apply`"
            ),
        )
        .fix("open a pull request that changes Terraform, let Atlantis plan it, and run doctor again");
    }
    let found = pulls.iter().find_map(|pull| {
        let ours: Vec<_> = pull
            .statuses
            .iter()
            .filter(|s| is_atlantis(&s.context, prefix))
            .collect();
        (!ours.is_empty()).then_some((pull.number, ours))
    });
    if let Some((number, statuses)) = found {
        let by_atlantis = statuses
            .iter()
            .find(|s| users.is_empty() || s.creator.as_ref().is_some_and(|c| users.contains(c)));
        return match by_atlantis {
            Some(status) => Finding::new(
                Severity::Ok,
                CHECK,
                format!(
                    "#{number} carries `{}` ({}), statuses amiroll recognises",
                    status.context, status.state
                ),
            ),
            None => {
                let status = statuses[0];
                Finding::new(
                    Severity::Warning,
                    CHECK,
                    format!(
                        "#{number} carries `{}`, written by `{}`, who is not in `atlantis.users` \
                         ({}): amiroll ignores it",
                        status.context,
                        status.creator.as_deref().unwrap_or("?"),
                        users.join(", ")
                    ),
                )
                .fix(format!(
                    "add Atlantis's login (its --gh-user, or `<app-slug>[bot]`) to \
                     `atlantis.users` in {CONFIG_PATH}"
                ))
            }
        };
    }
    let numbers: Vec<String> = pulls.iter().map(|p| format!("#{}", p.number)).collect();
    let other = pulls
        .iter()
        .flat_map(|p| &p.statuses)
        .find_map(|s| atlantis_like_prefix(&s.context).map(|prefix| (prefix, &s.context)));
    match other {
        Some((other_prefix, context)) => Finding::new(
            Severity::Warning,
            CHECK,
            format!(
                "none of the last pull requests ({}) carries a `{prefix}/...` status, but they \
                 carry `{context}`: is `atlantis.status_prefix` right?",
                numbers.join(", ")
            ),
        )
        .fix(format!(
            "set `atlantis.status_prefix: {other_prefix}` in {CONFIG_PATH}, or run Atlantis with \
             --vcs-status-name {prefix}"
        )),
        None => Finding::new(
            Severity::Warning,
            CHECK,
            format!(
                "none of the last pull requests ({}) carries an Atlantis status \
                 (`{prefix}/plan`, `{prefix}/apply`): is Atlantis configured with \
                 --vcs-status-name {prefix}?",
                numbers.join(", ")
            ),
        )
        .fix(format!(
            "check that Atlantis receives this repository's webhooks and runs with \
             --vcs-status-name {prefix} (or set `atlantis.status_prefix` to its name)"
        )),
    }
}

fn ssm(fact: &SsmFact) -> Finding {
    const CHECK: &str = "ssm";
    let error = match fact {
        SsmFact::Skipped => return Finding::new(Severity::Skipped, CHECK, "not read (--skip-aws)"),
        SsmFact::NotChecked => {
            return Finding::new(
                Severity::Skipped,
                CHECK,
                "needs a valid config to name the parameter",
            );
        }
        SsmFact::Read(release) => {
            let name = release
                .image_name
                .as_deref()
                .map(|name| format!(" ({name})"))
                .unwrap_or_default();
            return Finding::new(
                Severity::Ok,
                CHECK,
                format!(
                    "`{}` in {} names {}{name}",
                    release.parameter, release.region, release.ami_id
                ),
            );
        }
        SsmFact::Failed(error) => error,
    };
    let (severity, fix) = match error {
        SsmError::NotFound { .. } => (
            Severity::Problem,
            format!(
                "correct `ami.ssm_parameter` or `ami.region` in {CONFIG_PATH} (`aws ssm \
                 get-parameters-by-path --path /aws/service/ecs/optimized-ami/` lists the \
                 public ones)"
            ),
        ),
        SsmError::AccessDenied { .. } => (
            Severity::Problem,
            "allow ssm:GetParameter and ssm:GetParameters on the parameter (to amiroll's role, \
             and to whoever runs doctor)"
                .to_owned(),
        ),
        SsmError::NoCredentials { .. } => (
            Severity::Error,
            "give doctor AWS credentials (AWS_PROFILE, or AWS_ACCESS_KEY_ID and \
             AWS_SECRET_ACCESS_KEY), or pass --skip-aws"
                .to_owned(),
        ),
        SsmError::Retryable { .. } => (
            Severity::Error,
            "this may be temporary (throttling, network): run doctor again".to_owned(),
        ),
        SsmError::InvalidValue { .. } | SsmError::Undecodable { .. } | SsmError::Fatal { .. } => (
            Severity::Problem,
            format!(
                "point `ami.ssm_parameter` in {CONFIG_PATH} at an ECS-optimized `.../recommended` \
                 parameter (or its `/image_id`)"
            ),
        ),
    };
    Finding::new(severity, CHECK, error.to_string()).fix(fix)
}

#[cfg(test)]
mod tests;
