//! The title and body of a stage's pull request: what changed, what a correct Atlantis plan shows,
//! and how the rollout proceeds, in words a reviewer acts on.

use std::fmt::Write as _;

use crate::ami::Release;
use crate::config::RepoConfig;

use super::marker::PrMarker;

/// One value a pull request changes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValueChange {
    /// Repository-relative file.
    pub file: String,
    /// The address inside it.
    pub address: String,
    /// The value before, as found on the base branch.
    pub from: String,
}

/// The pull request title for `config.stages[stage_index]` rolling to `release`.
pub fn title(config: &RepoConfig, stage_index: usize, release: &Release) -> String {
    let stage = &config.stages[stage_index];
    let what = if stage.targets.len() == 1 {
        "cluster"
    } else {
        "clusters"
    };
    match &release.image_name {
        Some(name) => format!("Roll {} {what} to {} ({name})", stage.name, release.ami_id),
        None => format!("Roll {} {what} to {}", stage.name, release.ami_id),
    }
}

/// The pull request body, starting with the hidden marker that makes it recognisable as amiroll's.
pub fn body(
    config: &RepoConfig,
    stage_index: usize,
    release: &Release,
    changes: &[ValueChange],
    predecessor: Option<(u64, &str)>,
) -> String {
    let stage = &config.stages[stage_index];
    let marker = PrMarker::new(&stage.name, &release.ami_id, predecessor.map(|(n, _)| n))
        .with_image_name(release.image_name.as_deref());
    let mut out = String::new();
    let _ = writeln!(out, "{}", marker.render());
    let _ = writeln!(
        out,
        "Rolls the **{}** stage to the ECS-optimized AMI `{}`.\n",
        stage.name, release.ami_id
    );
    if let Some((number, link)) = predecessor {
        let previous = &config.stages[stage_index.saturating_sub(1)].name;
        let _ = writeln!(
            out,
            "This AMI was applied and merged on **{previous}** in #{number} ({link}).\n"
        );
    }

    let _ = writeln!(out, "| | |\n|---|---|");
    let _ = writeln!(out, "| AMI | `{}` |", release.ami_id);
    for (label, value) in [
        ("Name", &release.image_name),
        ("Image version", &release.image_version),
        ("ECS agent", &release.ecs_agent_version),
        ("Container runtime", &release.ecs_runtime_version),
        ("OS", &release.os),
    ] {
        if let Some(value) = value {
            let _ = writeln!(out, "| {label} | `{value}` |");
        }
    }
    if !release.parameter.is_empty() {
        let _ = writeln!(
            out,
            "| Source | SSM `{}` in `{}` |",
            release.parameter, release.region
        );
    }

    let _ = writeln!(out, "\n### What changes\n");
    for change in changes {
        let _ = writeln!(
            out,
            "- `{}`: `{}` from `{}` to `{}`",
            change.file, change.address, change.from, release.ami_id
        );
    }

    let _ = writeln!(out, "\n### What a correct Atlantis plan shows\n");
    let _ = writeln!(
        out,
        "A new launch configuration (or launch template version) using `{}` and a new autoscaling group \
         for the {} cluster, replacing the old ones. Anything else in the plan (other resources changed or \
         destroyed) deserves a close look before applying.",
        release.ami_id, stage.name
    );

    let _ = writeln!(out, "\n### How the rollout proceeds\n");
    let _ = writeln!(
        out,
        "1. Review Atlantis's plan and approve this pull request."
    );
    let _ = writeln!(
        out,
        "2. Comment `atlantis apply`. Terraform replaces the autoscaling group; the instance-drain Lambda \
         moves running tasks onto the new instances before the old ones terminate."
    );
    let _ = writeln!(
        out,
        "3. Work through the checklist amiroll keeps in the comments, then merge."
    );
    match config.stages.get(stage_index + 1) {
        Some(next) => {
            let _ = writeln!(
                out,
                "4. amiroll then opens the **{}** pull request with this same AMI. Its `{}` check stays red until \
                 this pull request is applied and merged, so Atlantis refuses to apply {} first.",
                next.name, config.gate_check_name, next.name
            );
        }
        None => {
            let _ = writeln!(
                out,
                "4. This is the last stage: once merged, the rollout of `{}` is complete.",
                release.ami_id
            );
        }
    }
    let _ = writeln!(
        out,
        "\n<sub>Opened by amiroll. amiroll never applies anything: people approve and comment, Atlantis applies.</sub>"
    );
    out
}
