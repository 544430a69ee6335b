//! Amazon's legacy `ECSAmis` announcement (topic `ecs-optimized-amazon-ami-update`, silent since
//! 2021). Read only to put the AMI ids it names in the logs: SSM, not this message, decides.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use serde::Deserialize;

use crate::ami::AmiId;

/// A legacy announcement: the `Message` of a notification on the legacy topic.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct LegacyAnnouncement {
    /// `ECSAgent`: the agent release the announcement is about.
    #[serde(rename = "ECSAgent", default)]
    pub ecs_agent: Option<LegacyAgent>,
    /// `ECSAmis`: one entry per AMI release.
    #[serde(rename = "ECSAmis")]
    pub ecs_amis: Vec<LegacyAmiRelease>,
}

/// `ECSAgent`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct LegacyAgent {
    /// `ReleaseVersion`, e.g. `1.17.2`.
    #[serde(rename = "ReleaseVersion", default)]
    pub release_version: Option<String>,
}

/// One entry of `ECSAmis`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct LegacyAmiRelease {
    /// `ReleaseVersion`, e.g. `2017.09.j`.
    #[serde(rename = "ReleaseVersion", default)]
    pub release_version: Option<String>,
    /// `AgentVersion`, e.g. `1.17.2`.
    #[serde(rename = "AgentVersion", default)]
    pub agent_version: Option<String>,
    /// `OsType`, e.g. `linux`.
    #[serde(rename = "OsType", default)]
    pub os_type: Option<String>,
    /// `OperatingSystemName`, e.g. `Amazon Linux`.
    #[serde(rename = "OperatingSystemName", default)]
    pub operating_system_name: Option<String>,
    /// `Regions`: region name to image. Each region carries its own image name; they need not match.
    #[serde(rename = "Regions", default)]
    pub regions: BTreeMap<String, LegacyRegionImage>,
}

/// An image of one region in a legacy announcement.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct LegacyRegionImage {
    /// `Name`, e.g. `amzn-ami-2017.09.j-amazon-ecs-optimized`.
    #[serde(rename = "Name", default)]
    pub name: Option<String>,
    /// `ImageId`.
    #[serde(rename = "ImageId")]
    pub image_id: AmiId,
}

/// At most this many `region=ami` pairs appear in a summary.
const MAX_LISTED_IMAGES: usize = 24;

impl LegacyAnnouncement {
    /// The announcement in a notification's `Message`, if it is one (JSON with `ECSAmis`).
    pub fn parse(message: &str) -> Option<Self> {
        serde_json::from_str(message).ok()
    }

    /// A one-line summary for the logs: releases, `region=ami` pairs and the image names seen.
    pub fn summary(&self) -> String {
        let mut out = String::from("legacy ECSAmis announcement");
        let mut listed = 0;
        let mut names = BTreeSet::new();
        for release in &self.ecs_amis {
            let version = release.release_version.as_deref().unwrap_or("?");
            let _ = write!(out, "; release {version}:");
            for (region, image) in &release.regions {
                if let Some(name) = &image.name {
                    names.insert(name.as_str());
                }
                listed += 1;
                if listed <= MAX_LISTED_IMAGES {
                    let _ = write!(out, " {region}={}", image.image_id);
                }
            }
        }
        if listed > MAX_LISTED_IMAGES {
            let _ = write!(out, " (and {} more)", listed - MAX_LISTED_IMAGES);
        }
        if !names.is_empty() {
            let names: Vec<&str> = names.into_iter().take(MAX_LISTED_IMAGES).collect();
            let _ = write!(out, "; image names: {}", names.join(", "));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ANNOUNCEMENT: &str =
        include_str!("../../../fixtures/sns/ecs_ami_update_message_parsed_from_awsdocs.json");

    #[test]
    fn reads_the_documented_announcement() {
        let announcement = LegacyAnnouncement::parse(ANNOUNCEMENT).unwrap();
        assert_eq!(announcement.ecs_amis.len(), 1);
        let release = &announcement.ecs_amis[0];
        assert_eq!(release.release_version.as_deref(), Some("2017.09.j"));
        let us_east_1 = &release.regions["us-east-1"];
        assert_eq!(us_east_1.image_id.as_str(), "ami-cad827b7");
        let summary = announcement.summary();
        assert!(summary.contains("us-east-1=ami-cad827b7"), "{summary}");
        assert!(summary.contains("ap-northeast-1=ami-bb5f13dd"), "{summary}");
    }

    #[test]
    fn each_region_keeps_its_own_name() {
        let mut value: serde_json::Value = serde_json::from_str(ANNOUNCEMENT).unwrap();
        value["ECSAmis"][0]["Regions"]["eu-west-1"]["Name"] =
            "amzn-ami-2017.09.k-amazon-ecs-optimized".into();
        let announcement = LegacyAnnouncement::parse(&value.to_string()).unwrap();
        let regions = &announcement.ecs_amis[0].regions;
        assert_eq!(
            regions["eu-west-1"].name.as_deref(),
            Some("amzn-ami-2017.09.k-amazon-ecs-optimized")
        );
        assert_eq!(
            regions["us-east-1"].name.as_deref(),
            Some("amzn-ami-2017.09.j-amazon-ecs-optimized")
        );
        let summary = announcement.summary();
        assert!(summary.contains("2017.09.j-amazon"), "{summary}");
        assert!(summary.contains("2017.09.k-amazon"), "{summary}");
    }

    #[test]
    fn other_messages_are_not_announcements() {
        for message in [
            "Hello world",
            "{}",
            r#"{"ECSAmis":"x"}"#,
            r#"{"source":"aws.ssm"}"#,
        ] {
            assert_eq!(LegacyAnnouncement::parse(message), None, "{message}");
        }
    }

    #[test]
    fn the_summary_is_bounded() {
        let regions: BTreeMap<String, serde_json::Value> = (0..100)
            .map(|i| {
                (
                    format!("r-{i:03}"),
                    serde_json::json!({"ImageId": "ami-cad827b7"}),
                )
            })
            .collect();
        let message = serde_json::json!({"ECSAmis": [{"Regions": regions}]}).to_string();
        let summary = LegacyAnnouncement::parse(&message).unwrap().summary();
        assert!(summary.contains("(and 76 more)"), "{summary}");
        assert!(summary.len() < 1024, "{summary}");
    }
}
