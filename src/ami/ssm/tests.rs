//! How [`SsmSource`] reads a parameter and falls back to its sub-parameters, against an
//! in-memory store.

use std::collections::BTreeMap;
use std::sync::Mutex;

use super::*;

/// An in-memory region of SSM. `get` answers from `values` unless `get_error` is set; `get_many`
/// answers from `values` unless `get_many_error` is set.
#[derive(Default)]
struct MemoryStore {
    values: BTreeMap<String, String>,
    get_error: Option<fn(&str) -> SsmError>,
    get_many_error: Option<fn(&str) -> SsmError>,
    calls: Mutex<Vec<String>>,
}

const REGION: &str = "eu-west-1";

impl MemoryStore {
    fn with(mut self, name: &str, value: &str) -> Self {
        self.values.insert(name.to_owned(), value.to_owned());
        self
    }

    fn calls(&self) -> Vec<String> {
        self.calls.lock().unwrap().clone()
    }
}

impl ParameterStore for MemoryStore {
    fn region(&self) -> &str {
        REGION
    }

    async fn get(&self, name: &ParameterName) -> Result<ParameterValue, SsmError> {
        self.calls.lock().unwrap().push(format!("get {name}"));
        if let Some(error) = self.get_error {
            return Err(error(name.as_str()));
        }
        match self.values.get(name.as_str()) {
            Some(value) => Ok(ParameterValue {
                value: value.clone(),
                version: 7,
            }),
            None => Err(not_found(name.as_str())),
        }
    }

    async fn get_many(
        &self,
        names: &[ParameterName],
    ) -> Result<BTreeMap<String, ParameterValue>, SsmError> {
        self.calls
            .lock()
            .unwrap()
            .push(format!("get_many {}", names.len()));
        if let Some(error) = self.get_many_error {
            return Err(error(names[0].as_str()));
        }
        Ok(names
            .iter()
            .filter_map(|name| {
                let value = self.values.get(name.as_str())?;
                Some((
                    name.to_string(),
                    ParameterValue {
                        value: value.clone(),
                        version: 1,
                    },
                ))
            })
            .collect())
    }
}

fn not_found(parameter: &str) -> SsmError {
    SsmError::NotFound {
        parameter: parameter.to_owned(),
        region: REGION.to_owned(),
    }
}

fn undecodable(parameter: &str) -> SsmError {
    SsmError::Undecodable {
        parameter: parameter.to_owned(),
        region: REGION.to_owned(),
        message: "expected a string, found an object".to_owned(),
    }
}

fn throttled(parameter: &str) -> SsmError {
    SsmError::Retryable {
        parameter: parameter.to_owned(),
        region: REGION.to_owned(),
        message: "ThrottlingException".to_owned(),
    }
}

fn denied(parameter: &str) -> SsmError {
    SsmError::AccessDenied {
        parameter: parameter.to_owned(),
        region: REGION.to_owned(),
        message: "not authorized".to_owned(),
    }
}

const PARENT: &str = "/test/ecs/recommended";
const VALUE: &str = r#"{"image_id":"ami-0bb273345f0961e90","image_name":"amzn2-ami-ecs-hvm-2.0.20220304-x86_64-ebs","image_version":"2.0.20220304","ecs_agent_version":"1.60.0","os":"Amazon Linux 2"}"#;

fn source(store: MemoryStore) -> SsmSource<MemoryStore> {
    SsmSource::new(store, PARENT.parse().unwrap())
}

fn with_sub_parameters(store: MemoryStore) -> MemoryStore {
    store
        .with(&format!("{PARENT}/image_id"), "ami-06cc69030d77088a1")
        .with(
            &format!("{PARENT}/image_name"),
            "amzn2-ami-ecs-hvm-2.0.20260226-x86_64-ebs",
        )
        .with(&format!("{PARENT}/ecs_agent_version"), "1.102.0")
}

#[tokio::test]
async fn the_parent_value_makes_the_release() {
    let source = source(MemoryStore::default().with(PARENT, VALUE));
    let release = source.read(ReleaseOrigin::Ssm).await.unwrap();
    assert_eq!(release.ami_id.as_str(), "ami-0bb273345f0961e90");
    assert_eq!(release.image_version.as_deref(), Some("2.0.20220304"));
    assert_eq!(release.ecs_runtime_version, None);
    assert_eq!(release.region, REGION);
    assert_eq!(release.parameter, PARENT);
    assert_eq!(release.origin, ReleaseOrigin::Ssm);
    assert_eq!(source.store.calls(), [format!("get {PARENT}")]);
}

#[tokio::test]
async fn an_undecodable_parent_falls_back_to_the_sub_parameters() {
    let store = with_sub_parameters(MemoryStore {
        get_error: Some(undecodable),
        ..MemoryStore::default()
    });
    let release = source(store).read(ReleaseOrigin::Manual).await.unwrap();
    assert_eq!(release.ami_id.as_str(), "ami-06cc69030d77088a1");
    assert_eq!(
        release.image_name.as_deref(),
        Some("amzn2-ami-ecs-hvm-2.0.20260226-x86_64-ebs")
    );
    assert_eq!(release.ecs_agent_version.as_deref(), Some("1.102.0"));
    assert_eq!(release.image_version, None);
    assert_eq!(
        release.parameter, PARENT,
        "the release names the configured parameter"
    );
    assert_eq!(release.origin, ReleaseOrigin::Manual);
}

#[tokio::test]
async fn a_missing_or_garbage_parent_also_falls_back() {
    let missing = with_sub_parameters(MemoryStore::default());
    let release = source(missing).read(ReleaseOrigin::Ssm).await.unwrap();
    assert_eq!(release.ami_id.as_str(), "ami-06cc69030d77088a1");

    let garbage = with_sub_parameters(MemoryStore::default().with(PARENT, "<html>"));
    let release = source(garbage).read(ReleaseOrigin::Ssm).await.unwrap();
    assert_eq!(release.ami_id.as_str(), "ami-06cc69030d77088a1");
}

#[tokio::test]
async fn when_nothing_names_an_ami_the_first_error_is_returned() {
    let missing = source(MemoryStore::default());
    assert_eq!(
        missing.read(ReleaseOrigin::Ssm).await.unwrap_err(),
        not_found(PARENT)
    );

    let garbage = source(MemoryStore::default().with(PARENT, "<html>"));
    let err = garbage.read(ReleaseOrigin::Ssm).await.unwrap_err();
    assert!(
        matches!(&err, SsmError::InvalidValue { parameter, reason: ValueError::Unrecognised(_), .. } if parameter == PARENT),
        "{err:?}"
    );
}

#[tokio::test]
async fn an_invalid_sub_parameter_id_is_named() {
    let store = MemoryStore {
        get_error: Some(undecodable),
        ..MemoryStore::default()
    }
    .with(&format!("{PARENT}/image_id"), "ami-XYZ");
    let err = source(store).read(ReleaseOrigin::Ssm).await.unwrap_err();
    assert!(
        matches!(&err, SsmError::InvalidValue { parameter, .. } if parameter == &format!("{PARENT}/image_id")),
        "{err:?}"
    );
}

#[tokio::test]
async fn denied_access_does_not_fall_back() {
    let store = with_sub_parameters(MemoryStore {
        get_error: Some(denied),
        ..MemoryStore::default()
    });
    let source = source(store);
    assert_eq!(
        source.read(ReleaseOrigin::Ssm).await.unwrap_err(),
        denied(PARENT)
    );
    assert_eq!(source.store.calls(), [format!("get {PARENT}")]);
}

#[tokio::test]
async fn a_retryable_fallback_failure_wins_over_the_first_error() {
    let store = MemoryStore {
        get_error: Some(undecodable),
        get_many_error: Some(throttled),
        ..MemoryStore::default()
    };
    let err = source(store).read(ReleaseOrigin::Ssm).await.unwrap_err();
    assert!(err.is_retryable(), "{err:?}");
}

#[tokio::test]
async fn a_parameter_holding_a_plain_ami_id_works() {
    let name = "/test/ecs/recommended/image_id";
    let store = MemoryStore::default().with(name, "ami-cad827b7");
    let release = SsmSource::new(store, name.parse().unwrap())
        .read(ReleaseOrigin::Ssm)
        .await
        .unwrap();
    assert_eq!(release.ami_id.as_str(), "ami-cad827b7");
    assert_eq!(release.parameter, name);
}

#[test]
fn errors_name_parameter_and_region() {
    for err in [
        not_found(PARENT),
        undecodable(PARENT),
        throttled(PARENT),
        denied(PARENT),
    ] {
        let message = err.to_string();
        assert!(message.contains(PARENT), "{message}");
        assert!(message.contains(REGION), "{message}");
        assert_eq!(err.parameter(), PARENT);
        assert_eq!(err.region(), REGION);
    }
}
