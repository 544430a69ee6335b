//! Deterministic branch names: the same stage and AMI always map to the same branch, which is what
//! makes opening a pull request idempotent across redeliveries, restarts and replicas.

use crate::ami::AmiId;
use crate::config::StageName;

/// The prefix of every branch amiroll creates.
pub const BRANCH_PREFIX: &str = "amiroll/";

/// The branch of `stage`'s pull request for `ami`: `amiroll/<stage>/<ami-id>`.
pub fn branch_name(stage: &StageName, ami: &AmiId) -> String {
    format!("{BRANCH_PREFIX}{stage}/{ami}")
}

/// Reads a branch name back into its stage and AMI; `None` for branches amiroll did not name.
pub fn parse_branch_name(branch: &str) -> Option<(StageName, AmiId)> {
    let rest = branch.strip_prefix(BRANCH_PREFIX)?;
    let (stage, ami) = rest.split_once('/')?;
    Some((StageName::new(stage)?, ami.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        let stage = StageName::new("staging").unwrap();
        let ami: AmiId = "ami-0123456789abcdef0".parse().unwrap();
        let branch = branch_name(&stage, &ami);
        assert_eq!(branch, "amiroll/staging/ami-0123456789abcdef0");
        assert_eq!(parse_branch_name(&branch), Some((stage, ami)));
    }

    #[test]
    fn foreign_branches_are_not_ours() {
        for branch in [
            "main",
            "amiroll/staging",
            "amiroll/Staging/ami-0123456789abcdef0",
            "amiroll/staging/ami-xyz",
            "amiroll/staging/ami-0123456789abcdef0/extra",
            "feature/amiroll/staging/ami-0123456789abcdef0",
        ] {
            assert_eq!(parse_branch_name(branch), None, "{branch}");
        }
    }
}
