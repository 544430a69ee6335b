//! An SNS HTTP(S) delivery as it arrives from the internet: parsed strictly (every field a string,
//! no duplicate keys) and turned into the exact string AWS signed, so that what is verified is what
//! is used.

use std::fmt;
use std::time::SystemTime;

use serde::Deserialize;

/// The three kinds of message SNS delivers to an HTTP(S) subscriber.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MessageType {
    /// A published message: for amiroll, a request to re-read SSM.
    Notification,
    /// SNS asks whether this endpoint wants the topic's messages.
    SubscriptionConfirmation,
    /// SNS reports that the subscription was removed.
    UnsubscribeConfirmation,
}

impl MessageType {
    /// The name used in the `Type` field and the `x-amz-sns-message-type` header.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Notification => "Notification",
            Self::SubscriptionConfirmation => "SubscriptionConfirmation",
            Self::UnsubscribeConfirmation => "UnsubscribeConfirmation",
        }
    }

    /// The type named `value`, exactly as SNS spells it.
    pub fn from_wire(value: &str) -> Option<Self> {
        [
            Self::Notification,
            Self::SubscriptionConfirmation,
            Self::UnsubscribeConfirmation,
        ]
        .into_iter()
        .find(|kind| kind.as_str() == value)
    }
}

impl fmt::Display for MessageType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A delivery that is not a well-formed SNS message (answered 400).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MessageError {
    /// The body is not a JSON object of string fields (or repeats a field).
    #[error("the body is not an SNS message in JSON: {0}")]
    NotJson(String),
    /// A field the message type requires is absent (or `null`).
    #[error("the message has no `{0}`")]
    MissingField(&'static str),
    /// `Type` names no SNS message type.
    #[error("`{0}` is not an SNS message type")]
    UnknownType(String),
    /// `Timestamp` is not an RFC 3339 UTC time.
    #[error("`{0}` is not an RFC 3339 UTC timestamp")]
    BadTimestamp(String),
}

/// A parsed SNS message. Nothing in it is trusted until [`super::verify_message`] succeeds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SnsMessage {
    /// `Type`.
    pub kind: MessageType,
    /// `MessageId`: unique per message, the key of de-duplication.
    pub message_id: String,
    /// `TopicArn`, compared with the allow-list.
    pub topic_arn: String,
    /// `Subject`, present on some notifications only.
    pub subject: Option<String>,
    /// `Message`: the published text (a notification) or SNS's explanation (confirmations).
    pub message: String,
    /// `Timestamp` exactly as signed.
    pub timestamp: String,
    /// `Timestamp` as a time, for the age limit.
    pub sent_at: SystemTime,
    /// `SignatureVersion` as received: `"1"` (SHA1) and `"2"` (SHA256) are the only ones accepted.
    pub signature_version: String,
    /// `Signature`, base64.
    pub signature: String,
    /// `SigningCertURL`, not yet checked.
    pub signing_cert_url: String,
    /// `SubscribeURL`, present on confirmations only.
    pub subscribe_url: Option<String>,
    /// `Token`, present on confirmations only.
    pub token: Option<String>,
}

/// The body as JSON. `UnsubscribeURL` is not signed by AWS, so it is deliberately not read.
#[derive(Deserialize)]
struct Wire {
    #[serde(rename = "Type")]
    kind: Option<String>,
    #[serde(rename = "MessageId")]
    message_id: Option<String>,
    #[serde(rename = "TopicArn")]
    topic_arn: Option<String>,
    #[serde(rename = "Subject")]
    subject: Option<String>,
    #[serde(rename = "Message")]
    message: Option<String>,
    #[serde(rename = "Timestamp")]
    timestamp: Option<String>,
    #[serde(rename = "SignatureVersion")]
    signature_version: Option<String>,
    #[serde(rename = "Signature")]
    signature: Option<String>,
    #[serde(rename = "SigningCertURL")]
    signing_cert_url: Option<String>,
    #[serde(rename = "SubscribeURL")]
    subscribe_url: Option<String>,
    #[serde(rename = "Token")]
    token: Option<String>,
}

fn required(value: Option<String>, name: &'static str) -> Result<String, MessageError> {
    value.ok_or(MessageError::MissingField(name))
}

/// At most 64 characters of an untrusted value, for an error message.
pub(crate) fn shorten(value: &str) -> String {
    const MAX: usize = 64;
    if value.chars().count() <= MAX {
        value.to_owned()
    } else {
        let mut shown: String = value.chars().take(MAX).collect();
        shown.push('…');
        shown
    }
}

impl SnsMessage {
    /// Parses a delivery body (JSON whatever the `Content-Type`).
    pub fn parse(body: &[u8]) -> Result<Self, MessageError> {
        let wire: Wire =
            serde_json::from_slice(body).map_err(|e| MessageError::NotJson(e.to_string()))?;
        let type_name = required(wire.kind, "Type")?;
        let kind = MessageType::from_wire(&type_name)
            .ok_or_else(|| MessageError::UnknownType(shorten(&type_name)))?;
        let (subscribe_url, token) = match kind {
            MessageType::Notification => (None, None),
            MessageType::SubscriptionConfirmation | MessageType::UnsubscribeConfirmation => (
                Some(required(wire.subscribe_url, "SubscribeURL")?),
                Some(required(wire.token, "Token")?),
            ),
        };
        let timestamp = required(wire.timestamp, "Timestamp")?;
        let sent_at = humantime::parse_rfc3339(&timestamp)
            .map_err(|_| MessageError::BadTimestamp(shorten(&timestamp)))?;
        Ok(Self {
            kind,
            message_id: required(wire.message_id, "MessageId")?,
            topic_arn: required(wire.topic_arn, "TopicArn")?,
            subject: match kind {
                MessageType::Notification => wire.subject,
                _ => None,
            },
            message: required(wire.message, "Message")?,
            timestamp,
            sent_at,
            signature_version: required(wire.signature_version, "SignatureVersion")?,
            signature: required(wire.signature, "Signature")?,
            signing_cert_url: required(wire.signing_cert_url, "SigningCertURL")?,
            subscribe_url,
            token,
        })
    }

    /// The string AWS signed: `key\nvalue\n` for each signed field present, in AWS's order.
    ///
    /// Notifications: `Message, MessageId, Subject (only if present), Timestamp, TopicArn, Type`;
    /// confirmations: `Message, MessageId, SubscribeURL, Timestamp, Token, TopicArn, Type`.
    pub fn string_to_sign(&self) -> String {
        let mut fields: Vec<(&str, &str)> =
            vec![("Message", &self.message), ("MessageId", &self.message_id)];
        match self.kind {
            MessageType::Notification => {
                if let Some(subject) = &self.subject {
                    fields.push(("Subject", subject));
                }
                fields.push(("Timestamp", &self.timestamp));
            }
            MessageType::SubscriptionConfirmation | MessageType::UnsubscribeConfirmation => {
                fields.push(("SubscribeURL", self.subscribe_url.as_deref().unwrap_or("")));
                fields.push(("Timestamp", &self.timestamp));
                fields.push(("Token", self.token.as_deref().unwrap_or("")));
            }
        }
        fields.push(("TopicArn", &self.topic_arn));
        fields.push(("Type", self.kind.as_str()));
        let mut signed =
            String::with_capacity(fields.iter().map(|(k, v)| k.len() + v.len() + 2).sum());
        for (key, value) in fields {
            signed.push_str(key);
            signed.push('\n');
            signed.push_str(value);
            signed.push('\n');
        }
        signed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn notification(subject: Option<&str>) -> serde_json::Value {
        let mut value = serde_json::json!({
            "Type": "Notification",
            "MessageId": "id-1",
            "TopicArn": "arn:aws:sns:us-east-1:123456789012:t",
            "Message": "hello",
            "Timestamp": "2022-07-28T21:23:58.317Z",
            "SignatureVersion": "2",
            "Signature": "AAAA",
            "SigningCertURL": "https://sns.us-east-1.amazonaws.com/c.pem",
            "UnsubscribeURL": "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe"
        });
        if let Some(subject) = subject {
            value["Subject"] = subject.into();
        }
        value
    }

    fn parse(value: &serde_json::Value) -> Result<SnsMessage, MessageError> {
        SnsMessage::parse(value.to_string().as_bytes())
    }

    #[test]
    fn notification_string_to_sign_includes_subject_only_when_present() {
        let without = parse(&notification(None)).unwrap();
        assert_eq!(
            without.string_to_sign(),
            "Message\nhello\nMessageId\nid-1\nTimestamp\n2022-07-28T21:23:58.317Z\n\
             TopicArn\narn:aws:sns:us-east-1:123456789012:t\nType\nNotification\n"
        );
        let with = parse(&notification(Some(""))).unwrap();
        assert!(
            with.string_to_sign()
                .contains("MessageId\nid-1\nSubject\n\nTimestamp\n")
        );
    }

    #[test]
    fn confirmation_string_to_sign_has_subscribe_url_and_token() {
        let mut value = notification(Some("ignored"));
        value["Type"] = "SubscriptionConfirmation".into();
        value["SubscribeURL"] =
            "https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription".into();
        value["Token"] = "tok".into();
        let message = parse(&value).unwrap();
        assert_eq!(
            message.string_to_sign(),
            "Message\nhello\nMessageId\nid-1\n\
             SubscribeURL\nhttps://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription\n\
             Timestamp\n2022-07-28T21:23:58.317Z\nToken\ntok\n\
             TopicArn\narn:aws:sns:us-east-1:123456789012:t\nType\nSubscriptionConfirmation\n"
        );
    }

    #[test]
    fn confirmations_need_subscribe_url_and_token() {
        let mut value = notification(None);
        value["Type"] = "UnsubscribeConfirmation".into();
        assert_eq!(
            parse(&value),
            Err(MessageError::MissingField("SubscribeURL"))
        );
        value["SubscribeURL"] = "https://sns.us-east-1.amazonaws.com/".into();
        assert_eq!(parse(&value), Err(MessageError::MissingField("Token")));
    }

    #[test]
    fn refuses_what_is_not_a_plain_message() {
        assert!(matches!(
            SnsMessage::parse(b"not json"),
            Err(MessageError::NotJson(_))
        ));
        assert!(matches!(
            SnsMessage::parse(b"[]"),
            Err(MessageError::NotJson(_))
        ));
        let duplicated = br#"{"Type":"Notification","Message":"a","Message":"b"}"#;
        assert!(matches!(
            SnsMessage::parse(duplicated),
            Err(MessageError::NotJson(_))
        ));
        let mut numeric = notification(None);
        numeric["MessageId"] = 7.into();
        assert!(matches!(parse(&numeric), Err(MessageError::NotJson(_))));
        let mut null = notification(None);
        null["Message"] = serde_json::Value::Null;
        assert_eq!(parse(&null), Err(MessageError::MissingField("Message")));
        let mut unknown = notification(None);
        unknown["Type"] = "notification".into();
        assert_eq!(
            parse(&unknown),
            Err(MessageError::UnknownType("notification".into()))
        );
        let mut late = notification(None);
        late["Timestamp"] = "yesterday".into();
        assert_eq!(
            parse(&late),
            Err(MessageError::BadTimestamp("yesterday".into()))
        );
    }
}
