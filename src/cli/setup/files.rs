//! Where the new App's credentials land: one file each in a directory only the owner can enter,
//! every file created owner-only from its first byte (never written world-readable and fixed
//! afterwards), and nothing overwritten unless asked.

use std::fs::{DirBuilder, OpenOptions};
use std::io::{self, Write as _};
use std::os::unix::fs::{DirBuilderExt as _, OpenOptionsExt as _};
use std::path::{Path, PathBuf};

use super::exchange::CreatedApp;

/// The file holding the App id.
pub const APP_ID_FILE: &str = "app-id";
/// The file holding the App's private key (PEM).
pub const PRIVATE_KEY_FILE: &str = "private-key.pem";
/// The file holding the webhook secret.
pub const WEBHOOK_SECRET_FILE: &str = "webhook-secret";
/// The file holding the OAuth client secret.
pub const CLIENT_SECRET_FILE: &str = "client-secret";

/// Every file `amiroll setup` writes, in the order it writes them.
pub const CREDENTIAL_FILES: [&str; 4] = [
    APP_ID_FILE,
    PRIVATE_KEY_FILE,
    WEBHOOK_SECRET_FILE,
    CLIENT_SECRET_FILE,
];

/// The files written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CredentialFiles {
    /// The App id.
    pub app_id: PathBuf,
    /// The private key.
    pub private_key: PathBuf,
    /// The webhook secret; `None` when GitHub returned none.
    pub webhook_secret: Option<PathBuf>,
    /// The OAuth client secret.
    pub client_secret: PathBuf,
}

/// Why the credentials could not be written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// Files from an earlier run are there and overwriting was not asked for.
    #[error(
        "{} already exist{}: move {} away, or pass --force to replace {}",
        list(.0), if .0.len() == 1 { "s" } else { "" },
        if .0.len() == 1 { "it" } else { "them" }, if .0.len() == 1 { "it" } else { "them" }
    )]
    WouldOverwrite(Vec<PathBuf>),
    /// A file or the directory could not be created or written.
    #[error("cannot write {}: {source}", .path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The cause.
        source: io::Error,
    },
}

fn list(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Refuses when any credential file already exists in `dir` and `force` is false, so that a run
/// stops before GitHub creates an App whose key it could not save.
pub fn check_can_write(dir: &Path, force: bool) -> Result<(), WriteError> {
    if force {
        return Ok(());
    }
    let existing: Vec<PathBuf> = CREDENTIAL_FILES
        .iter()
        .map(|name| dir.join(name))
        .filter(|path| path.symlink_metadata().is_ok())
        .collect();
    if existing.is_empty() {
        Ok(())
    } else {
        Err(WriteError::WouldOverwrite(existing))
    }
}

/// Writes the App's id and secrets into `dir` (created `0700` if missing), each file `0600`.
/// With `force`, existing files are removed first, so a replaced file never keeps wider
/// permissions it had.
pub fn write_credentials(
    dir: &Path,
    app: &CreatedApp,
    force: bool,
) -> Result<CredentialFiles, WriteError> {
    check_can_write(dir, force)?;
    DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|source| WriteError::Io {
            path: dir.to_owned(),
            source,
        })?;
    let app_id = write_private(dir, APP_ID_FILE, format!("{}\n", app.id).as_bytes(), force)?;
    let private_key = write_private(dir, PRIVATE_KEY_FILE, app.pem.expose().as_bytes(), force)?;
    let webhook_secret = match &app.webhook_secret {
        Some(secret) => Some(write_private(
            dir,
            WEBHOOK_SECRET_FILE,
            secret.expose().as_bytes(),
            force,
        )?),
        None => None,
    };
    let client_secret = write_private(
        dir,
        CLIENT_SECRET_FILE,
        app.client_secret.expose().as_bytes(),
        force,
    )?;
    Ok(CredentialFiles {
        app_id,
        private_key,
        webhook_secret,
        client_secret,
    })
}

/// Creates `dir/name` with mode `0600` (refusing an existing file) and writes `contents`.
fn write_private(
    dir: &Path,
    name: &str,
    contents: &[u8],
    force: bool,
) -> Result<PathBuf, WriteError> {
    let path = dir.join(name);
    let failed = |source| WriteError::Io {
        path: path.clone(),
        source,
    };
    if force {
        match std::fs::remove_file(&path) {
            Err(err) if err.kind() != io::ErrorKind::NotFound => return Err(failed(err)),
            _ => {}
        }
    }
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path)
        .map_err(|err| {
            if err.kind() == io::ErrorKind::AlreadyExists {
                WriteError::WouldOverwrite(vec![path.clone()])
            } else {
                failed(err)
            }
        })?;
    file.write_all(contents).map_err(failed)?;
    file.sync_all().map_err(failed)?;
    Ok(path)
}
