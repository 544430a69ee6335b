//! The signed SNS push trigger: `POST /webhooks/sns` accepts a notification only when AWS signed it
//! for an allowed topic, recently, and once; then it asks amiroll to re-read SSM. A notification
//! never carries the truth, so even a verified one cannot choose an AMI.

mod cert;
mod clock;
mod endpoint;
mod fetch;
mod legacy;
mod message;
mod seen;
mod settings;
mod verify;

pub use cert::{
    CertError, CertStore, SigningCertUrl, SnsPublicKey, UrlRefused, is_sns_host, sns_https_url,
};
pub use clock::Clock;
pub use endpoint::SnsEndpoint;
pub use fetch::{FetchError, FetchFuture, Fetcher, MAX_FETCHED_BYTES, ReqwestFetcher};
pub use legacy::{LegacyAgent, LegacyAmiRelease, LegacyAnnouncement, LegacyRegionImage};
pub use message::{MessageError, MessageType, SnsMessage};
pub use settings::{InvalidTopicArn, SnsSettings, TopicArn};
pub use verify::{
    FreshnessError, SignatureVersion, VerifyError, check_freshness, verify_message,
    verify_signature,
};
