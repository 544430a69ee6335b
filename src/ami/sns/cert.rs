//! Where an SNS signing certificate may come from, and the store that holds the keys: the URL rule
//! is checked before anything is fetched, because an attacker chooses `SigningCertURL`.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use url::{Host, Url};
use x509_cert::Certificate;
use x509_cert::der::DecodePem;
use x509_cert::der::oid::ObjectIdentifier;

use super::fetch::{FetchError, Fetcher};
use super::message::shorten;

/// Why a `SigningCertURL` or `SubscribeURL` is refused (nothing is fetched from it).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum UrlRefused {
    /// Not a URL at all.
    #[error("`{0}` is not a URL")]
    NotAUrl(String),
    /// Not `https`.
    #[error("`{0}` is not https")]
    NotHttps(String),
    /// Carries a user name or password.
    #[error("`{0}` carries credentials")]
    Credentials(String),
    /// Names a port other than 443.
    #[error("`{0}` names a port")]
    Port(String),
    /// The host is not `sns.<region>.amazonaws.com(.cn)`.
    #[error("`{0}` is not an SNS host")]
    NotSnsHost(String),
    /// The path does not end in `.pem`, or the URL has a query or fragment.
    #[error("`{0}` is not a certificate path")]
    NotPem(String),
}

/// Whether `host` matches `^sns\.[a-zA-Z0-9\-]{3,}\.amazonaws\.com(\.cn)?$`: SNS's own hosts, not
/// any amazonaws.com host (S3 buckets live there too).
pub fn is_sns_host(host: &str) -> bool {
    let Some(rest) = host.strip_prefix("sns.") else {
        return false;
    };
    let Some(region) = rest
        .strip_suffix(".amazonaws.com.cn")
        .or_else(|| rest.strip_suffix(".amazonaws.com"))
    else {
        return false;
    };
    region.len() >= 3
        && region
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// Parses `value` as an https URL on an SNS host, without credentials or a port.
pub fn sns_https_url(value: &str) -> Result<Url, UrlRefused> {
    let shown = || shorten(value);
    let url = Url::parse(value).map_err(|_| UrlRefused::NotAUrl(shown()))?;
    if url.scheme() != "https" {
        return Err(UrlRefused::NotHttps(shown()));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(UrlRefused::Credentials(shown()));
    }
    if url.port().is_some() {
        return Err(UrlRefused::Port(shown()));
    }
    match url.host() {
        Some(Host::Domain(host)) if is_sns_host(host) => Ok(url),
        _ => Err(UrlRefused::NotSnsHost(shown())),
    }
}

/// A `SigningCertURL` that passed the rule: https, an SNS host, a path ending in `.pem`, no
/// credentials, port, query or fragment.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SigningCertUrl(Url);

impl SigningCertUrl {
    /// Checks `value` against the rule; nothing is fetched.
    pub fn parse(value: &str) -> Result<Self, UrlRefused> {
        let url = sns_https_url(value)?;
        if !url.path().ends_with(".pem") || url.query().is_some() || url.fragment().is_some() {
            return Err(UrlRefused::NotPem(shorten(value)));
        }
        Ok(Self(url))
    }

    /// The URL.
    pub fn as_url(&self) -> &Url {
        &self.0
    }

    /// The last path segment, e.g. `SimpleNotificationService-7ff5….pem`: the certificate's file
    /// name in a trusted directory.
    pub fn file_name(&self) -> &str {
        self.0.path().rsplit('/').next().unwrap_or_default()
    }
}

impl fmt::Display for SigningCertUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Why no key could be had for a (rule-abiding) certificate URL.
#[derive(Debug, thiserror::Error)]
pub enum CertError {
    /// The URL's file name is not a plain file name, so it is not looked up in the directory.
    #[error("`{0}` is not a certificate file name")]
    BadFileName(String),
    /// The trusted directory has no readable file of that name.
    #[error("cannot read the trusted certificate {path}: {source}")]
    Read {
        /// The file looked for.
        path: PathBuf,
        /// Why it could not be read.
        source: std::io::Error,
    },
    /// Fetching the certificate failed.
    #[error("cannot fetch the certificate: {0}")]
    Fetch(#[from] FetchError),
    /// The document is not a PEM X.509 certificate.
    #[error("the certificate cannot be parsed: {0}")]
    Invalid(String),
    /// The certificate's key is not an RSA key.
    #[error("the certificate's key is not an RSA key")]
    NotRsa,
}

/// An RSA public key taken from a signing certificate: the DER `RSAPublicKey` (PKCS#1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SnsPublicKey {
    rsa_public_key: Vec<u8>,
}

const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");

impl SnsPublicKey {
    /// The key of a PEM certificate. Its validity dates are deliberately not judged: the URL rule
    /// (or the operator's trusted directory) is the trust anchor, and the message age limit is what
    /// bounds replay.
    pub fn from_pem_certificate(pem: &[u8]) -> Result<Self, CertError> {
        let cert = Certificate::from_pem(pem).map_err(|e| CertError::Invalid(e.to_string()))?;
        let spki = cert.tbs_certificate().subject_public_key_info();
        if spki.algorithm.oid != RSA_ENCRYPTION {
            return Err(CertError::NotRsa);
        }
        let key = spki
            .subject_public_key
            .as_bytes()
            .ok_or(CertError::NotRsa)?;
        Ok(Self {
            rsa_public_key: key.to_vec(),
        })
    }

    /// The DER `RSAPublicKey`.
    pub fn rsa_public_key_der(&self) -> &[u8] {
        &self.rsa_public_key
    }
}

/// Where certificates come from.
#[derive(Clone)]
enum CertSource {
    /// Files named after the URL's last path segment (air-gapped deployments, tests).
    Directory(PathBuf),
    /// HTTPS.
    Fetch(Arc<dyn Fetcher>),
}

/// At most this many keys are cached; the cache is emptied when full (SNS rotates rarely).
const MAX_CACHED_KEYS: usize = 32;

/// The signing keys, cached by certificate URL. Failures are not cached.
#[derive(Clone)]
pub struct CertStore {
    source: CertSource,
    cache: Arc<Mutex<HashMap<SigningCertUrl, Arc<SnsPublicKey>>>>,
}

impl fmt::Debug for CertStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.source {
            CertSource::Directory(dir) => write!(f, "CertStore(directory {})", dir.display()),
            CertSource::Fetch(_) => f.write_str("CertStore(https)"),
        }
    }
}

impl CertStore {
    /// Certificates read from `dir`, each named as its URL's last path segment; nothing fetched.
    pub fn directory(dir: impl AsRef<Path>) -> Self {
        Self::with_source(CertSource::Directory(dir.as_ref().to_path_buf()))
    }

    /// Certificates fetched with `fetcher`.
    pub fn fetching(fetcher: Arc<dyn Fetcher>) -> Self {
        Self::with_source(CertSource::Fetch(fetcher))
    }

    fn with_source(source: CertSource) -> Self {
        Self {
            source,
            cache: Arc::default(),
        }
    }

    /// The key of the certificate at `url`, from the cache, the directory or the network.
    pub async fn key_for(&self, url: &SigningCertUrl) -> Result<Arc<SnsPublicKey>, CertError> {
        if let Some(key) = self.lock().get(url) {
            return Ok(Arc::clone(key));
        }
        let pem = match &self.source {
            CertSource::Directory(dir) => read_trusted(dir, url.file_name()).await?,
            CertSource::Fetch(fetcher) => fetcher.get(url.as_url()).await?,
        };
        let key = Arc::new(SnsPublicKey::from_pem_certificate(&pem)?);
        let mut cache = self.lock();
        if cache.len() >= MAX_CACHED_KEYS {
            cache.clear();
        }
        cache.insert(url.clone(), Arc::clone(&key));
        Ok(key)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<SigningCertUrl, Arc<SnsPublicKey>>> {
        self.cache.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

async fn read_trusted(dir: &Path, name: &str) -> Result<Vec<u8>, CertError> {
    let plain = !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'));
    if !plain {
        return Err(CertError::BadFileName(shorten(name)));
    }
    let path = dir.join(name);
    tokio::fs::read(&path)
        .await
        .map_err(|source| CertError::Read { path, source })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sns_hosts_follow_the_aws_pattern() {
        for good in [
            "sns.us-east-1.amazonaws.com",
            "sns.cn-north-1.amazonaws.com.cn",
            "sns.abc.amazonaws.com",
        ] {
            assert!(is_sns_host(good), "{good}");
        }
        for bad in [
            "sns.ab.amazonaws.com",
            "sns..amazonaws.com",
            "sns.us_east_1.amazonaws.com",
            "sns.us-east-1.amazonaws.com.evil.example",
            "sns.a.b.amazonaws.com",
            "s3.amazonaws.com",
            "sns.us-east-1.amazonaws.co",
            "sns.us-east-1.amazonaws.com.",
            "evil-sns.us-east-1.amazonaws.com",
            "sqs.us-east-1.amazonaws.com",
        ] {
            assert!(!is_sns_host(bad), "{bad}");
        }
    }

    #[test]
    fn the_file_name_is_the_last_segment() {
        let url =
            SigningCertUrl::parse("https://sns.us-east-2.amazonaws.com/a/b/Cert-1.pem").unwrap();
        assert_eq!(url.file_name(), "Cert-1.pem");
    }

    #[tokio::test]
    async fn a_directory_is_never_escaped() {
        let dir = tempfile::tempdir().unwrap();
        let err = read_trusted(dir.path(), "..%2Fx.pem").await.unwrap_err();
        assert!(matches!(err, CertError::BadFileName(_)), "{err}");
        let err = read_trusted(dir.path(), ".pem").await.unwrap_err();
        assert!(matches!(err, CertError::BadFileName(_)), "{err}");
    }
}
