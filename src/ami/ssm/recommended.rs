//! The value of a `.../recommended` parameter, parsed by key name: AWS has changed its keys over
//! the years (values from before about 2021 lack `image_version`) and never promised their order.

use std::time::SystemTime;

use serde_json::{Map, Value};

use crate::ami::{AmiId, InvalidAmiId, Release, ReleaseOrigin};

/// What a recommended-AMI parameter says: the AMI and what Amazon published alongside it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecommendedImage {
    /// The AMI id (`image_id`).
    pub ami_id: AmiId,
    /// `image_name`, e.g. `amzn2-ami-ecs-hvm-2.0.20220304-x86_64-ebs`.
    pub image_name: Option<String>,
    /// `image_version`, e.g. `2.0.20220304`.
    pub image_version: Option<String>,
    /// `ecs_agent_version`, e.g. `1.60.0`.
    pub ecs_agent_version: Option<String>,
    /// `ecs_runtime_version`, e.g. `Docker version 20.10.7`.
    pub ecs_runtime_version: Option<String>,
    /// `os`, e.g. `Amazon Linux 2`.
    pub os: Option<String>,
}

/// Why a parameter value does not describe a recommended AMI.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValueError {
    /// The value is empty or only whitespace.
    #[error("the value is empty")]
    Empty,
    /// The value looks like JSON but does not parse.
    #[error("the value is not valid JSON ({0})")]
    InvalidJson(String),
    /// The JSON is not an object (nor a string holding one).
    #[error("the JSON value is not an object")]
    NotAnObject,
    /// The object has no `image_id` string.
    #[error("the JSON object has no `image_id` string")]
    MissingImageId,
    /// The value is neither JSON nor an AMI id.
    #[error("the value is neither a JSON object nor an AMI id: `{0}`")]
    Unrecognised(String),
    /// The `image_id` (or the plain value) is not an AMI id.
    #[error(transparent)]
    InvalidAmiId(#[from] InvalidAmiId),
}

impl RecommendedImage {
    /// An image known only by its id, as held by a `.../image_id` parameter.
    pub fn from_ami_id(ami_id: AmiId) -> Self {
        Self {
            ami_id,
            image_name: None,
            image_version: None,
            ecs_agent_version: None,
            ecs_runtime_version: None,
            os: None,
        }
    }

    /// The release this image is, as read from `parameter` in `region` at `observed_at`.
    pub fn into_release(
        self,
        region: &str,
        parameter: &str,
        origin: ReleaseOrigin,
        observed_at: SystemTime,
    ) -> Release {
        Release {
            ami_id: self.ami_id,
            image_name: self.image_name,
            image_version: self.image_version,
            ecs_agent_version: self.ecs_agent_version,
            ecs_runtime_version: self.ecs_runtime_version,
            os: self.os,
            region: region.to_owned(),
            parameter: parameter.to_owned(),
            origin,
            observed_at,
        }
    }
}

/// Parses a parameter value as AWS serves it: a string holding a JSON object (the
/// `.../recommended` shape), or a plain AMI id (the `.../recommended/image_id` shape).
///
/// Keys are read by name; unknown keys and missing optional keys are ignored, and optional keys
/// that are not strings, or are empty, count as missing. Only `image_id` is required.
pub fn parse_value(value: &str) -> Result<RecommendedImage, ValueError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(ValueError::Empty);
    }
    if value.starts_with('{') || value.starts_with('"') || value.starts_with('[') {
        let json: Value =
            serde_json::from_str(value).map_err(|err| ValueError::InvalidJson(err.to_string()))?;
        return parse_json(&json);
    }
    if value.starts_with("ami-") {
        return Ok(RecommendedImage::from_ami_id(value.parse()?));
    }
    Err(ValueError::Unrecognised(value.chars().take(64).collect()))
}

/// Parses a JSON parameter value: an object (moto serves `.../recommended` this way) or a string
/// holding an object or an AMI id (AWS's shape, once decoded). A string is unwrapped only once.
pub fn parse_json(value: &Value) -> Result<RecommendedImage, ValueError> {
    match value {
        Value::Object(object) => parse_object(object),
        Value::String(inner) => {
            let inner = inner.trim();
            if inner.starts_with('{') {
                match serde_json::from_str(inner) {
                    Ok(Value::Object(object)) => parse_object(&object),
                    Ok(_) => Err(ValueError::NotAnObject),
                    Err(err) => Err(ValueError::InvalidJson(err.to_string())),
                }
            } else if inner.starts_with('"') {
                Err(ValueError::NotAnObject)
            } else {
                parse_value(inner)
            }
        }
        _ => Err(ValueError::NotAnObject),
    }
}

fn parse_object(object: &Map<String, Value>) -> Result<RecommendedImage, ValueError> {
    let image_id = object
        .get("image_id")
        .and_then(Value::as_str)
        .ok_or(ValueError::MissingImageId)?;
    let text = |key: &str| {
        object
            .get(key)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    Ok(RecommendedImage {
        ami_id: image_id.trim().parse()?,
        image_name: text("image_name"),
        image_version: text("image_version"),
        ecs_agent_version: text("ecs_agent_version"),
        ecs_runtime_version: text("ecs_runtime_version"),
        os: text("os"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// us-east-1, March 2022, exactly as `aws ssm get-parameter` prints `Parameter.Value`.
    const AWS_2022: &str = r#"{"ecs_agent_version":"1.60.0","ecs_runtime_version":"Docker version 20.10.7","image_id":"ami-0bb273345f0961e90","image_name":"amzn2-ami-ecs-hvm-2.0.20220304-x86_64-ebs","image_version":"2.0.20220304","os":"Amazon Linux 2","schema_version":1,"source_image_name":"amzn2-ami-minimal-hvm-2.0.20220218.1-x86_64-ebs"}"#;

    fn ami(id: &str) -> AmiId {
        id.parse().unwrap()
    }

    #[test]
    fn aws_string_shape_is_read_by_key() {
        let image = parse_value(AWS_2022).unwrap();
        assert_eq!(
            image,
            RecommendedImage {
                ami_id: ami("ami-0bb273345f0961e90"),
                image_name: Some("amzn2-ami-ecs-hvm-2.0.20220304-x86_64-ebs".into()),
                image_version: Some("2.0.20220304".into()),
                ecs_agent_version: Some("1.60.0".into()),
                ecs_runtime_version: Some("Docker version 20.10.7".into()),
                os: Some("Amazon Linux 2".into()),
            }
        );
    }

    #[test]
    fn moto_object_shape_gives_the_same_image() {
        let object: Value = serde_json::from_str(AWS_2022).unwrap();
        assert_eq!(parse_json(&object).unwrap(), parse_value(AWS_2022).unwrap());
    }

    #[test]
    fn a_json_string_holding_the_object_is_unwrapped_once() {
        let wrapped = Value::String(AWS_2022.to_owned());
        assert_eq!(
            parse_json(&wrapped).unwrap(),
            parse_value(AWS_2022).unwrap()
        );
        let encoded = serde_json::to_string(AWS_2022).unwrap();
        assert_eq!(
            parse_value(&encoded).unwrap(),
            parse_value(AWS_2022).unwrap()
        );
        let twice = serde_json::to_string(&encoded).unwrap();
        assert_eq!(parse_value(&twice), Err(ValueError::NotAnObject));
    }

    #[test]
    fn pre_2021_value_without_image_version_is_accepted() {
        let old = r#"{"schema_version":1,"image_name":"amzn2-ami-ecs-hvm-2.0.20200115-x86_64-ebs","image_id":"ami-0a6be20ed8ded7ec7","os":"Amazon Linux 2","ecs_runtime_version":"Docker version 18.09.9-ce","ecs_agent_version":"1.36.0"}"#;
        let image = parse_value(old).unwrap();
        assert_eq!(image.ami_id, ami("ami-0a6be20ed8ded7ec7"));
        assert_eq!(image.image_version, None);
        assert_eq!(image.ecs_agent_version.as_deref(), Some("1.36.0"));
    }

    #[test]
    fn unknown_keys_and_odd_optional_values_are_ignored() {
        let value = r#"{"image_id":" ami-cad827b7 ","future_key":{"nested":[1,2]},"image_name":"","os":42,"ecs_agent_version":null}"#;
        assert_eq!(
            parse_value(value).unwrap(),
            RecommendedImage::from_ami_id(ami("ami-cad827b7"))
        );
    }

    #[test]
    fn a_plain_ami_id_is_an_image_known_by_id() {
        assert_eq!(
            parse_value("ami-06cc69030d77088a1\n").unwrap(),
            RecommendedImage::from_ami_id(ami("ami-06cc69030d77088a1"))
        );
        assert_eq!(
            parse_json(&Value::String("ami-cad827b7".into())).unwrap(),
            RecommendedImage::from_ami_id(ami("ami-cad827b7"))
        );
    }

    #[test]
    fn an_invalid_ami_id_is_refused_and_named() {
        let err = parse_value(r#"{"image_id":"ami-NOPE"}"#).unwrap_err();
        assert!(matches!(err, ValueError::InvalidAmiId(_)), "{err:?}");
        assert!(err.to_string().contains("ami-NOPE"), "{err}");
        assert!(matches!(
            parse_value("ami-123"),
            Err(ValueError::InvalidAmiId(_))
        ));
        assert!(matches!(
            parse_value(r#"{"image_id":12345678}"#),
            Err(ValueError::MissingImageId)
        ));
    }

    #[test]
    fn garbage_is_refused() {
        assert_eq!(parse_value("   "), Err(ValueError::Empty));
        assert_eq!(parse_value("[1,2]"), Err(ValueError::NotAnObject));
        assert_eq!(parse_value("{}"), Err(ValueError::MissingImageId));
        assert!(matches!(
            parse_value(r#"{"image_id":"#),
            Err(ValueError::InvalidJson(_))
        ));
        assert!(matches!(
            parse_value("<html>oops</html>"),
            Err(ValueError::Unrecognised(_))
        ));
        assert_eq!(parse_json(&Value::Null), Err(ValueError::NotAnObject));
        assert_eq!(
            parse_json(&serde_json::json!(["ami-cad827b7"])),
            Err(ValueError::NotAnObject)
        );
    }

    #[test]
    fn into_release_carries_where_and_why() {
        let at = SystemTime::UNIX_EPOCH;
        let release = parse_value(AWS_2022).unwrap().into_release(
            "eu-west-1",
            "/test/ecs/recommended",
            ReleaseOrigin::Manual,
            at,
        );
        assert_eq!(release.region, "eu-west-1");
        assert_eq!(release.parameter, "/test/ecs/recommended");
        assert_eq!(release.origin, ReleaseOrigin::Manual);
        assert_eq!(release.observed_at, at);
        assert_eq!(release.label(), "amzn2-ami-ecs-hvm-2.0.20220304-x86_64-ebs");
    }
}
