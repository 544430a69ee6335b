//! SNS signature verification (RSA PKCS#1 v1.5 over the canonical string) and the age limit: a
//! forged or replayed notification must never be taken for one from AWS.

use std::time::{Duration, SystemTime};

use aws_lc_rs::signature::{
    RSA_PKCS1_2048_8192_SHA1_FOR_LEGACY_USE_ONLY, RSA_PKCS1_2048_8192_SHA256, RsaParameters,
    UnparsedPublicKey,
};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::cert::{CertError, CertStore, SigningCertUrl, SnsPublicKey, UrlRefused};
use super::message::{SnsMessage, shorten};

/// The signature schemes SNS uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignatureVersion {
    /// `"1"`: RSA PKCS#1 v1.5 with SHA1.
    Sha1,
    /// `"2"`: RSA PKCS#1 v1.5 with SHA256.
    Sha256,
}

impl SignatureVersion {
    /// The version named `value`; any other than `"1"` and `"2"` is refused.
    pub fn from_wire(value: &str) -> Option<Self> {
        match value {
            "1" => Some(Self::Sha1),
            "2" => Some(Self::Sha256),
            _ => None,
        }
    }

    fn algorithm(self) -> &'static RsaParameters {
        match self {
            Self::Sha1 => &RSA_PKCS1_2048_8192_SHA1_FOR_LEGACY_USE_ONLY,
            Self::Sha256 => &RSA_PKCS1_2048_8192_SHA256,
        }
    }
}

/// Why a message is not accepted as signed by AWS (answered 403).
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// `SignatureVersion` is neither `"1"` nor `"2"`.
    #[error("signature version `{0}` is not supported")]
    UnsupportedSignatureVersion(String),
    /// `SigningCertURL` breaks the rule; nothing was fetched.
    #[error("SigningCertURL refused: {0}")]
    CertUrl(#[from] UrlRefused),
    /// `Signature` is not base64.
    #[error("the signature is not base64")]
    SignatureNotBase64,
    /// No key could be had for the certificate URL.
    #[error("no signing key: {0}")]
    Certificate(#[from] CertError),
    /// The signature does not match the message and key.
    #[error("the signature does not match")]
    SignatureMismatch,
}

/// Verifies `message`'s signature: the version, then the certificate URL rule (before any fetch),
/// then the key from `certs`, then RSA over [`SnsMessage::string_to_sign`].
pub async fn verify_message(message: &SnsMessage, certs: &CertStore) -> Result<(), VerifyError> {
    let version = SignatureVersion::from_wire(&message.signature_version).ok_or_else(|| {
        VerifyError::UnsupportedSignatureVersion(shorten(&message.signature_version))
    })?;
    let cert_url = SigningCertUrl::parse(&message.signing_cert_url)?;
    let signature = STANDARD
        .decode(&message.signature)
        .map_err(|_| VerifyError::SignatureNotBase64)?;
    let key = certs.key_for(&cert_url).await?;
    verify_signature(message, version, &signature, &key)
}

/// Checks `signature` over `message`'s string to sign with `key`.
pub fn verify_signature(
    message: &SnsMessage,
    version: SignatureVersion,
    signature: &[u8],
    key: &SnsPublicKey,
) -> Result<(), VerifyError> {
    UnparsedPublicKey::new(version.algorithm(), key.rsa_public_key_der())
        .verify(message.string_to_sign().as_bytes(), signature)
        .map_err(|_| VerifyError::SignatureMismatch)
}

/// Why a message's `Timestamp` is refused (answered 403).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FreshnessError {
    /// Sent longer ago than the age limit: possibly a replay.
    #[error("the message is {} old (limit {})", humantime::format_duration(*age), humantime::format_duration(*limit))]
    TooOld {
        /// How old it is.
        age: Duration,
        /// The limit.
        limit: Duration,
    },
    /// Sent further in the future than the allowed clock skew.
    #[error("the message is {} in the future", humantime::format_duration(*ahead))]
    FromTheFuture {
        /// How far ahead it is.
        ahead: Duration,
    },
}

/// Checks that a message sent at `sent_at` is at most `max_age` old and at most `max_skew` in the
/// future, as seen at `now`.
pub fn check_freshness(
    sent_at: SystemTime,
    now: SystemTime,
    max_age: Duration,
    max_skew: Duration,
) -> Result<(), FreshnessError> {
    match now.duration_since(sent_at) {
        Ok(age) if age > max_age => Err(FreshnessError::TooOld {
            age: Duration::from_secs(age.as_secs()),
            limit: max_age,
        }),
        Ok(_) => Ok(()),
        Err(ahead) if ahead.duration() > max_skew => Err(FreshnessError::FromTheFuture {
            ahead: Duration::from_secs(ahead.duration().as_secs()),
        }),
        Err(_) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: Duration = Duration::from_secs(60);

    #[test]
    fn freshness_bounds_both_ways() {
        let now = SystemTime::UNIX_EPOCH + 1000 * MINUTE;
        let hour = 60 * MINUTE;
        assert_eq!(check_freshness(now, now, hour, MINUTE), Ok(()));
        assert_eq!(check_freshness(now - hour, now, hour, MINUTE), Ok(()));
        assert_eq!(check_freshness(now + MINUTE, now, hour, MINUTE), Ok(()));
        assert!(matches!(
            check_freshness(now - hour - MINUTE, now, hour, MINUTE),
            Err(FreshnessError::TooOld { .. })
        ));
        assert!(matches!(
            check_freshness(now + 2 * MINUTE, now, hour, MINUTE),
            Err(FreshnessError::FromTheFuture { .. })
        ));
    }

    #[test]
    fn only_versions_one_and_two_exist() {
        assert_eq!(
            SignatureVersion::from_wire("1"),
            Some(SignatureVersion::Sha1)
        );
        assert_eq!(
            SignatureVersion::from_wire("2"),
            Some(SignatureVersion::Sha256)
        );
        for other in ["", "3", "0", " 1", "2 ", "01", "v2"] {
            assert_eq!(SignatureVersion::from_wire(other), None, "{other:?}");
        }
    }
}
