//! The last step of GitHub's App manifest flow, simulated: the one-time codes GitHub hands out
//! when someone confirms a manifest on github.com (a test sets them up, as no browser runs here),
//! and `POST /app-manifests/{code}/conversions`, which trades a code, once, for the new App's
//! id and credentials.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, State as AxumState};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::routes::Shared;
use super::{SimGitHub, key_pair};

/// An App the manifest flow creates when its code is exchanged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SimCreatedApp {
    pub id: u64,
    pub slug: String,
    pub html_url: String,
    pub client_id: String,
    pub client_secret: String,
    pub webhook_secret: String,
    /// A real RSA private key (the simulation's own), so it can sign App JWTs.
    pub pem: String,
}

/// Codes not yet exchanged, and the codes exchanged so far, in order.
#[derive(Default)]
pub struct Manifests {
    pub codes: BTreeMap<String, SimCreatedApp>,
    pub converted: Vec<String>,
}

impl SimGitHub {
    /// Someone confirmed a manifest on github.com and GitHub redirected with `code`: exchanging
    /// it will create the App `slug` with id `id` (and the credentials returned here).
    pub fn add_manifest_code(&self, code: &str, id: u64, slug: &str) -> SimCreatedApp {
        let app = SimCreatedApp {
            id,
            slug: slug.to_owned(),
            html_url: format!("https://github.com/apps/{slug}"),
            client_id: format!("Iv1.{id:016x}"),
            client_secret: format!("client-secret-{code}-{id}"),
            webhook_secret: format!("webhook-secret-{code}-{id}"),
            pem: String::from_utf8_lossy(&key_pair().0).into_owned(),
        };
        self.lock()
            .manifests
            .codes
            .insert(code.to_owned(), app.clone());
        app
    }

    /// The codes exchanged (`POST /app-manifests/{code}/conversions` answered 201), in order.
    pub fn manifest_conversions(&self) -> Vec<String> {
        self.lock().manifests.converted.clone()
    }
}

/// `POST /app-manifests/{code}/conversions`: 201 with the App and its secrets, once per code;
/// 404 for a code GitHub never issued or already exchanged.
pub async fn convert(AxumState(shared): AxumState<Shared>, Path(code): Path<String>) -> Response {
    let Ok(mut state) = shared.state.lock() else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let Some(app) = state.manifests.codes.remove(&code) else {
        return (
            StatusCode::NOT_FOUND,
            Json(json!({
                "message": "Not Found",
                "documentation_url": "https://docs.github.com/rest/apps/apps#create-a-github-app-from-a-manifest",
            })),
        )
            .into_response();
    };
    state.manifests.converted.push(code);
    (
        StatusCode::CREATED,
        Json(json!({
            "id": app.id,
            "slug": app.slug,
            "node_id": format!("A_{}", app.id),
            "owner": { "login": "octocat", "id": 1, "type": "User" },
            "name": app.slug,
            "description": "",
            "external_url": "https://amiroll.example.com",
            "html_url": app.html_url,
            "created_at": "2026-01-01T00:00:00Z",
            "updated_at": "2026-01-01T00:00:00Z",
            "permissions": { "metadata": "read" },
            "events": [],
            "client_id": app.client_id,
            "client_secret": app.client_secret,
            "webhook_secret": app.webhook_secret,
            "pem": app.pem,
        })),
    )
        .into_response()
}
