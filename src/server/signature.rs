//! `X-Hub-Signature-256`: GitHub signs every delivery with HMAC-SHA256 of the raw body under the
//! webhook secret. It is checked, in constant time, before anything in the body is looked at.

use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// The header GitHub puts the SHA-256 signature in.
pub const SIGNATURE_HEADER: &str = "x-hub-signature-256";

/// Why a delivery's signature is refused (all answered 401).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// No `X-Hub-Signature-256` header (a `sha1=` `X-Hub-Signature` alone is not enough).
    #[error("missing X-Hub-Signature-256 header")]
    Missing,
    /// The header is not `sha256=<64 hex digits>`.
    #[error("malformed X-Hub-Signature-256 header")]
    Malformed,
    /// The signature does not match the body under the configured secret.
    #[error("signature does not match")]
    Mismatch,
}

/// Checks `header` (the raw `X-Hub-Signature-256` value, if any) against `body` signed with
/// `secret`. The comparison is constant-time (`hmac`'s `verify_slice`).
pub fn verify_signature(
    secret: &[u8],
    header: Option<&[u8]>,
    body: &[u8],
) -> Result<(), SignatureError> {
    let header = header.ok_or(SignatureError::Missing)?;
    let hex_digest = header
        .strip_prefix(b"sha256=")
        .ok_or(SignatureError::Malformed)?;
    let expected = hex::decode(hex_digest.trim_ascii()).map_err(|_| SignatureError::Malformed)?;
    if expected.len() != 32 {
        return Err(SignatureError::Malformed);
    }
    mac(secret, body)
        .verify_slice(&expected)
        .map_err(|_| SignatureError::Mismatch)
}

/// The `X-Hub-Signature-256` value GitHub would send for `body` under `secret` (for tests, the
/// load test and the simulated GitHub).
pub fn sign(secret: &[u8], body: &[u8]) -> String {
    format!(
        "sha256={}",
        hex::encode(mac(secret, body).finalize().into_bytes())
    )
}

fn mac(secret: &[u8], body: &[u8]) -> HmacSha256 {
    // HMAC takes keys of any length, so this cannot fail.
    let mut mac = HmacSha256::new_from_slice(secret)
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(body);
    mac
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"It's a Secret to Everybody";
    const BODY: &[u8] = b"Hello, World!";
    const SIGNATURE: &str =
        "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";

    #[test]
    fn githubs_test_vector_is_accepted() {
        assert_eq!(sign(SECRET, BODY), SIGNATURE);
        assert_eq!(
            verify_signature(SECRET, Some(SIGNATURE.as_bytes()), BODY),
            Ok(())
        );
    }

    #[test]
    fn anything_else_is_refused() {
        assert_eq!(
            verify_signature(SECRET, None, BODY),
            Err(SignatureError::Missing)
        );
        assert_eq!(
            verify_signature(SECRET, Some(SIGNATURE.as_bytes()), b"Hello, World?"),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify_signature(b"another secret", Some(SIGNATURE.as_bytes()), BODY),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify_signature(
                SECRET,
                Some(b"sha1=0123456789abcdef0123456789abcdef01234567"),
                BODY
            ),
            Err(SignatureError::Malformed)
        );
        assert_eq!(
            verify_signature(SECRET, Some(&SIGNATURE.as_bytes()[..20]), BODY),
            Err(SignatureError::Malformed)
        );
        assert_eq!(
            verify_signature(SECRET, Some(b"sha256=zz"), BODY),
            Err(SignatureError::Malformed)
        );
    }
}
