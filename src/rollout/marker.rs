//! The hidden metadata marker in the body of amiroll's pull requests. GitHub is amiroll's database:
//! this marker is how a restarted (or second) amiroll recognises its own pull requests and knows
//! which stage, AMI and predecessor each one carries.

use serde::{Deserialize, Serialize};

use crate::ami::AmiId;
use crate::config::StageName;

const OPEN: &str = "<!-- amiroll:pr ";
const CLOSE: &str = " -->";

/// What a pull request body's marker records.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrMarker {
    /// The marker's format version; readers ignore versions they do not know.
    pub version: u32,
    /// The stage the pull request rolls.
    pub stage: String,
    /// The AMI it rolls to.
    pub ami: AmiId,
    /// The pull request of the previous stage that proved this AMI, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub predecessor: Option<u64>,
    /// The AMI's name, so that later stages can title their pull requests without SSM.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_name: Option<String>,
}

impl PrMarker {
    /// The current marker format.
    pub const VERSION: u32 = 1;

    /// A marker for `stage` rolling to `ami`.
    pub fn new(stage: &StageName, ami: &AmiId, predecessor: Option<u64>) -> Self {
        Self {
            version: Self::VERSION,
            stage: stage.to_string(),
            ami: ami.clone(),
            predecessor,
            image_name: None,
        }
    }

    /// Records the AMI's name, when it is a plain image name (nothing that could end the comment).
    pub fn with_image_name(mut self, name: Option<&str>) -> Self {
        self.image_name = name
            .filter(|n| {
                n.len() <= 128
                    && n.chars()
                        .all(|c| c.is_ascii_alphanumeric() || "._-()/ ".contains(c))
            })
            .map(str::to_owned);
        self
    }

    /// The marker as an HTML comment, invisible in the rendered body.
    pub fn render(&self) -> String {
        // Serialising these plain fields cannot fail; stage names and AMI ids cannot contain `-->`.
        let json = serde_json::to_string(self).unwrap_or_default();
        format!("{OPEN}{json}{CLOSE}")
    }

    /// Finds and reads the marker in a pull request body; `None` when absent, malformed or of an
    /// unknown version (such a pull request is treated as not amiroll's).
    pub fn parse(body: &str) -> Option<Self> {
        let start = body.find(OPEN)? + OPEN.len();
        let len = body[start..].find(CLOSE)?;
        let marker: Self = serde_json::from_str(&body[start..start + len]).ok()?;
        (marker.version == Self::VERSION && StageName::new(&marker.stage).is_some())
            .then_some(marker)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn marker() -> PrMarker {
        PrMarker::new(
            &StageName::new("production").unwrap(),
            &"ami-0123456789abcdef0".parse().unwrap(),
            Some(12),
        )
    }

    #[test]
    fn round_trips_inside_a_body() {
        let body = format!("Some text\n\n{}\nmore", marker().render());
        assert_eq!(PrMarker::parse(&body), Some(marker()));
    }

    #[test]
    fn refuses_tampered_or_foreign_markers() {
        let good = marker().render();
        for body in [
            String::new(),
            "<!-- amiroll:pr {} -->".to_owned(),
            good.replace("ami-0123456789abcdef0", "ami-nothex"),
            good.replace("\"version\":1", "\"version\":2"),
            good.replace("production", "Prod uction"),
            good.replace(" -->", ""),
        ] {
            assert_eq!(PrMarker::parse(&body), None, "{body}");
        }
    }
}
