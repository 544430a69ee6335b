//! The App's identity: its id and RSA private key. octocrab signs the App JWT with them (RS256,
//! `iat` 60 s in the past for clock drift, `exp` 9 minutes ahead: checked against octocrab 0.54's
//! `create_jwt`) and mints installation tokens with that JWT; this module only loads the key,
//! through octocrab's own `jsonwebtoken` so that no second major version enters the build.

use std::fmt;

use octocrab::EncodingKey;

use super::error::GitHubError;

/// A GitHub App's id and private key. Its `Debug` never shows the key.
#[derive(Clone)]
pub struct AppCredentials {
    app_id: u64,
    key: EncodingKey,
}

impl AppCredentials {
    /// Reads the App's PEM private key (PKCS#1 `RSA PRIVATE KEY` or PKCS#8 `PRIVATE KEY`, as
    /// GitHub hands it out). The error never repeats the key.
    pub fn from_pem(app_id: u64, pem: &[u8]) -> Result<Self, GitHubError> {
        let key = EncodingKey::from_rsa_pem(pem).map_err(|_| {
            GitHubError::Client("the App private key is not an RSA key in PEM form".to_owned())
        })?;
        Ok(Self { app_id, key })
    }

    /// The App's id.
    pub fn app_id(&self) -> u64 {
        self.app_id
    }

    pub(crate) fn key(&self) -> &EncodingKey {
        &self.key
    }
}

impl fmt::Debug for AppCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AppCredentials")
            .field("app_id", &self.app_id)
            .field("key", &"<redacted>")
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_that_is_not_pem_is_refused_without_being_repeated() {
        let error = AppCredentials::from_pem(1, b"not-a-key-secret-material").unwrap_err();
        assert!(!error.to_string().contains("secret-material"), "{error}");
    }
}
