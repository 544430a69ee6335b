//! What the simulated GitHub knows about who may merge what: the permissions each installation
//! was granted, classic branch protection, and the status checks active rulesets require. This
//! is what `amiroll doctor` reads to tell whether the gate is required; routes live in
//! `routes.rs`, and the scene-setting methods below.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::SimGitHub;

/// The permissions app.yml asks for: what an installation has unless a test says otherwise.
pub const APP_YML_PERMISSIONS: [(&str, &str); 7] = [
    ("contents", "write"),
    ("pull_requests", "write"),
    ("issues", "write"),
    ("checks", "write"),
    ("statuses", "read"),
    ("metadata", "read"),
    ("administration", "read"),
];

/// A repository and one of its branches.
type BranchKey = (String, String);

/// Required checks, each with the App that must provide it (`None`: any source).
pub type Required = Vec<(String, Option<u64>)>;

/// Classic branch protection's required status checks.
#[derive(Clone, Debug, Default)]
pub struct SimProtection {
    /// The legacy list of names: required from any source.
    pub contexts: Vec<String>,
    /// Required checks with the App that must provide each (`None`: any source).
    pub checks: Required,
}

/// Permissions, protection and rulesets.
#[derive(Debug, Default)]
pub struct Protections {
    /// Installation id to its permissions, for installations a test changed.
    pub permissions: BTreeMap<u64, BTreeMap<String, String>>,
    /// `(repo, branch)` to its classic protection.
    pub branches: BTreeMap<BranchKey, SimProtection>,
    /// `(repo, branch)` to the checks its active rulesets require.
    pub rules: BTreeMap<BranchKey, Required>,
}

impl Protections {
    /// The permissions of `installation`.
    pub fn permissions_of(&self, installation: u64) -> BTreeMap<String, String> {
        self.permissions
            .get(&installation)
            .cloned()
            .unwrap_or_else(|| {
                APP_YML_PERMISSIONS
                    .iter()
                    .map(|(scope, access)| ((*scope).to_owned(), (*access).to_owned()))
                    .collect()
            })
    }

    /// Whether `installation` may read classic branch protection (`administration: read`).
    pub fn may_read_protection(&self, installation: u64) -> bool {
        self.permissions_of(installation)
            .contains_key("administration")
    }

    /// `GET .../branches/{branch}/protection`, as GitHub shapes it.
    pub fn protection_json(&self, repo: &str, branch: &str) -> Option<Value> {
        let protection = self.branches.get(&(repo.to_owned(), branch.to_owned()))?;
        let mut value = json!({
            "url": format!("https://api.github.com/repos/{repo}/branches/{branch}/protection"),
            "enforce_admins": { "enabled": true },
        });
        if !protection.contexts.is_empty() || !protection.checks.is_empty() {
            let mut contexts = protection.contexts.clone();
            contexts.extend(protection.checks.iter().map(|(name, _)| name.clone()));
            value["required_status_checks"] = json!({
                "strict": false,
                "contexts": contexts,
                "checks": protection
                    .checks
                    .iter()
                    .map(|(context, app_id)| json!({ "context": context, "app_id": app_id }))
                    .collect::<Vec<_>>(),
            });
        }
        Some(value)
    }

    /// `GET .../rules/branches/{branch}`: a `required_status_checks` rule when one is set,
    /// among a rule of another type as real rulesets have.
    pub fn rules_json(&self, repo: &str, branch: &str) -> Vec<Value> {
        let Some(checks) = self.rules.get(&(repo.to_owned(), branch.to_owned())) else {
            return Vec::new();
        };
        vec![
            json!({ "type": "deletion", "ruleset_source_type": "Repository", "ruleset_id": 1 }),
            json!({
                "type": "required_status_checks",
                "ruleset_source_type": "Repository",
                "ruleset_source": repo,
                "ruleset_id": 1,
                "parameters": {
                    "strict_required_status_checks_policy": false,
                    "required_status_checks": checks
                        .iter()
                        .map(|(context, id)| json!({ "context": context, "integration_id": id }))
                        .collect::<Vec<_>>(),
                },
            }),
        ]
    }
}

impl SimGitHub {
    /// Replaces what `installation` was granted (scope, access), e.g. without `checks`.
    pub fn set_installation_permissions(&self, installation: u64, permissions: &[(&str, &str)]) {
        self.lock().protections.permissions.insert(
            installation,
            permissions
                .iter()
                .map(|(scope, access)| ((*scope).to_owned(), (*access).to_owned()))
                .collect(),
        );
    }

    /// Protects `branch` requiring these checks (`None`: unprotected).
    pub fn set_branch_protection(
        &self,
        repo: &str,
        branch: &str,
        protection: Option<SimProtection>,
    ) {
        let key = (repo.to_owned(), branch.to_owned());
        let mut state = self.lock();
        match protection {
            Some(protection) => state.protections.branches.insert(key, protection),
            None => state.protections.branches.remove(&key),
        };
    }

    /// An active ruleset requires these checks on `branch` (`(context, integration id)`); an
    /// empty list removes it.
    pub fn set_branch_rules(&self, repo: &str, branch: &str, checks: &[(&str, Option<u64>)]) {
        let key = (repo.to_owned(), branch.to_owned());
        let mut state = self.lock();
        if checks.is_empty() {
            state.protections.rules.remove(&key);
        } else {
            state.protections.rules.insert(
                key,
                checks
                    .iter()
                    .map(|(context, id)| ((*context).to_owned(), *id))
                    .collect(),
            );
        }
    }
}
