//! Turns the repository's `app.yml` into the manifest GitHub's App-creation form receives: the
//! file stays the single description of the App, and only what depends on where this particular
//! amiroll runs (its webhook URL, the local callback, an optional name) is filled in here.

use serde_json::{Map, Value};
use url::Url;

/// What `amiroll setup` sets in the manifest, whatever `app.yml` says.
#[derive(Clone, Debug)]
pub struct ManifestOverrides<'a> {
    /// `hook_attributes.url`: where GitHub will POST webhooks (amiroll's `/webhooks/github`).
    pub webhook_url: &'a Url,
    /// `redirect_url`: the local callback that receives the code once the App is created.
    pub redirect_url: &'a Url,
    /// `name`, when the one in `app.yml` is taken or should be prefixed.
    pub name: Option<&'a str>,
}

/// Why `app.yml` cannot be made into a manifest.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    /// The file is not YAML.
    #[error("the manifest is not valid YAML: {0}")]
    Yaml(String),
    /// The document is a list or a scalar, not the mapping GitHub expects.
    #[error("the manifest must be a YAML mapping (name, url, hook_attributes, ...)")]
    NotAMapping,
    /// `hook_attributes` is present but not a mapping, so its `url` cannot be set.
    #[error("`hook_attributes` in the manifest must be a mapping (with `url`)")]
    HookAttributesNotAMapping,
}

/// Parses `app.yml` and returns the manifest to post: every key of the file kept (events,
/// permissions, description, ...), with `hook_attributes.url`, `redirect_url`, `public: false`
/// and, when given, `name` set from `overrides`.
pub fn build_manifest(
    yaml: &str,
    overrides: &ManifestOverrides<'_>,
) -> Result<Value, ManifestError> {
    let document: Value =
        serde_saphyr::from_str(yaml).map_err(|err| ManifestError::Yaml(err.to_string()))?;
    let Value::Object(mut manifest) = document else {
        return Err(ManifestError::NotAMapping);
    };
    let hook = manifest
        .entry("hook_attributes")
        .or_insert_with(|| Value::Object(Map::new()));
    if hook.is_null() {
        *hook = Value::Object(Map::new());
    }
    let Value::Object(hook) = hook else {
        return Err(ManifestError::HookAttributesNotAMapping);
    };
    hook.insert(
        "url".to_owned(),
        Value::String(overrides.webhook_url.to_string()),
    );
    manifest.insert(
        "redirect_url".to_owned(),
        Value::String(overrides.redirect_url.to_string()),
    );
    // amiroll acts on one organisation's repositories: nobody else should install it.
    manifest.insert("public".to_owned(), Value::Bool(false));
    if let Some(name) = overrides.name {
        manifest.insert("name".to_owned(), Value::String(name.to_owned()));
    }
    Ok(Value::Object(manifest))
}
