//! The JSON Schema of `.github/amiroll.yml`, generated from the same types that parse it, so
//! editors validate exactly what amiroll accepts.

/// The JSON Schema (draft 2020-12) of the repository config.
pub fn json_schema() -> serde_json::Value {
    let schema = schemars::schema_for!(super::raw::RawConfig);
    schema.to_value()
}
