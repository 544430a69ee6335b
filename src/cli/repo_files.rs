//! Reading a local checkout for the offline commands (`plan`, `validate-config`): the config and the
//! files its targets name, as UTF-8 text, with errors that say which file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::config::{self, RepoConfig};

use super::Exit;

/// A config file that could not be used, with the exit code it deserves.
pub struct Refusal {
    /// What to print.
    pub message: String,
    /// How to exit.
    pub exit: Exit,
}

/// Where the config of the checkout at `repo` is, unless `--config` says otherwise.
pub fn config_path(repo: &Path, config: Option<&Path>) -> PathBuf {
    config.map_or_else(|| repo.join(config::CONFIG_PATH), Path::to_path_buf)
}

/// Reads and validates the config at `path`.
pub fn load_config(path: &Path) -> Result<RepoConfig, Refusal> {
    let text = read_text(path)?;
    config::parse(&text).map_err(|err| Refusal {
        message: err.render(&path.display().to_string()),
        exit: Exit::BadInput,
    })
}

/// Reads every file named by a target, keyed by its repository-relative path.
pub fn load_target_files(
    repo: &Path,
    config: &RepoConfig,
) -> Result<BTreeMap<String, String>, Refusal> {
    let mut files = BTreeMap::new();
    for stage in &config.stages {
        for target in &stage.targets {
            if files.contains_key(&target.file) {
                continue;
            }
            let path = repo.join(&target.file);
            if !path.exists() {
                return Err(Refusal {
                    message: format!(
                        "{}: no such file (named by stage `{}` in the config)",
                        path.display(),
                        stage.name
                    ),
                    exit: Exit::Refused,
                });
            }
            files.insert(target.file.clone(), read_text(&path)?);
        }
    }
    Ok(files)
}

/// Reads a file as UTF-8 without any lossy decoding.
pub fn read_text(path: &Path) -> Result<String, Refusal> {
    let bytes = std::fs::read(path).map_err(|err| Refusal {
        message: format!("{}: cannot read: {err}", path.display()),
        exit: Exit::BadInput,
    })?;
    String::from_utf8(bytes).map_err(|err| Refusal {
        message: format!(
            "{}: not UTF-8 text (invalid byte at offset {})",
            path.display(),
            err.utf8_error().valid_up_to()
        ),
        exit: Exit::BadInput,
    })
}
