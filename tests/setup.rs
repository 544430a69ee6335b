//! Stories of `amiroll setup`, GitHub's App manifest flow without a browser: app.yml becomes the
//! manifest with this deployment's addresses, the local page posts it to the right GitHub page,
//! and GitHub's redirect (played here by the test) is exchanged with the simulated GitHub for
//! credentials saved in owner-only files, refusing forged callbacks, spent codes and
//! overwrites.

mod support;

use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};

use amiroll::cli::Exit;
use amiroll::cli::setup::{
    self, ExchangeError, ManifestError, ManifestOverrides, SetupArgs, SetupError, SetupOptions,
    SetupServer, WriteError, build_manifest, creation_url, page_html,
};
use amiroll::github::AppCredentials;
use serde_json::{Value, json};
use support::github::{Fault, SimGitHub};
use tokio::net::TcpListener;
use url::Url;

const CONVERSIONS: &str = "POST /app-manifests/{code}/conversions";
const WEBHOOK_URL: &str = "https://amiroll.acme.dev/webhooks/github";

fn app_yml() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("app.yml")).unwrap()
}

fn url(text: &str) -> Url {
    Url::parse(text).unwrap()
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// Undoes `html_escape` (the five entities it writes).
fn html_unescape(text: &str) -> String {
    text.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The value of the first `attribute="..."` after `marker` in `html`, unescaped.
fn attribute_after(html: &str, marker: &str, attribute: &str) -> String {
    let from = &html[html
        .find(marker)
        .unwrap_or_else(|| panic!("no {marker} in {html}"))..];
    let start = from.find(&format!("{attribute}=\"")).unwrap() + attribute.len() + 2;
    let end = start + from[start..].find('"').unwrap();
    html_unescape(&from[start..end])
}

fn http() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().build().unwrap()
}

/// A setup as `amiroll setup --github-api-url <sim> --out <dir>/.amiroll` would start it.
fn options(sim: &SimGitHub, dir: &Path) -> SetupOptions {
    SetupOptions {
        manifest_yaml: app_yml(),
        webhook_url: url(WEBHOOK_URL),
        name: Some("acme-amiroll".to_owned()),
        org: Some("acme".to_owned()),
        github_url: url("https://github.com"),
        api_url: url(&sim.api_url()),
        out_dir: dir.join(".amiroll"),
        force: false,
    }
}

async fn start(options: SetupOptions) -> Result<SetupServer, SetupError> {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    SetupServer::start(listener, options).await
}

/// Opens the setup page like a browser and returns the `state` its form sends to GitHub.
async fn open_page(server: &SetupServer) -> String {
    let page = http()
        .get(server.url().clone())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let action = url(&attribute_after(&page, "<form", "action"));
    action
        .query_pairs()
        .find(|(key, _)| key == "state")
        .map(|(_, value)| value.into_owned())
        .unwrap()
}

/// Plays GitHub's redirect back to the local callback; returns the status and the page.
async fn redirect(server: &SetupServer, code: &str, state: &str) -> (u16, String) {
    let mut callback = server.url().join(setup::CALLBACK_PATH).unwrap();
    callback
        .query_pairs_mut()
        .append_pair("code", code)
        .append_pair("state", state);
    let answer = http().get(callback).send().await.unwrap();
    (answer.status().as_u16(), answer.text().await.unwrap())
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap()
}

// ---- The manifest ----

#[test]
fn the_manifest_from_app_yml_gets_this_deployments_addresses_and_stays_private() {
    let original: Value = serde_saphyr::from_str(&app_yml()).unwrap();
    let webhook = url(WEBHOOK_URL);
    let redirect = url("http://127.0.0.1:3000/callback");
    let manifest = build_manifest(
        &app_yml(),
        &ManifestOverrides {
            webhook_url: &webhook,
            redirect_url: &redirect,
            name: None,
        },
    )
    .unwrap();

    assert_eq!(manifest["hook_attributes"]["url"], WEBHOOK_URL);
    assert_eq!(manifest["hook_attributes"]["active"], true);
    assert_eq!(manifest["redirect_url"], "http://127.0.0.1:3000/callback");
    assert_eq!(manifest["public"], false);
    assert_eq!(manifest["name"], original["name"]);
    assert_eq!(manifest["default_events"], original["default_events"]);
    assert_eq!(
        manifest["default_permissions"],
        original["default_permissions"]
    );
    assert_eq!(manifest["description"], original["description"]);
    assert!(
        manifest["default_events"]
            .as_array()
            .unwrap()
            .contains(&json!("pull_request"))
    );
    assert_eq!(manifest["default_permissions"]["checks"], "write");
}

#[test]
fn a_name_flag_replaces_the_name_and_a_public_manifest_is_made_private() {
    let webhook = url(WEBHOOK_URL);
    let redirect = url("http://127.0.0.1:4000/callback");
    let manifest = build_manifest(
        "name: amiroll\npublic: true\ndefault_events: [push]\n",
        &ManifestOverrides {
            webhook_url: &webhook,
            redirect_url: &redirect,
            name: Some("acme-amiroll"),
        },
    )
    .unwrap();

    assert_eq!(manifest["name"], "acme-amiroll");
    assert_eq!(manifest["public"], false);
    assert_eq!(manifest["hook_attributes"], json!({ "url": WEBHOOK_URL }));
    assert_eq!(manifest["default_events"], json!(["push"]));
}

#[test]
fn a_manifest_that_is_not_a_mapping_is_refused() {
    let webhook = url(WEBHOOK_URL);
    let redirect = url("http://127.0.0.1:3000/callback");
    let overrides = ManifestOverrides {
        webhook_url: &webhook,
        redirect_url: &redirect,
        name: None,
    };
    assert!(matches!(
        build_manifest("- name: amiroll\n", &overrides),
        Err(ManifestError::NotAMapping)
    ));
    assert!(matches!(
        build_manifest("name: amiroll\nhook_attributes: [url]\n", &overrides),
        Err(ManifestError::HookAttributesNotAMapping)
    ));
    assert!(matches!(
        build_manifest("name: [amiroll\n", &overrides),
        Err(ManifestError::Yaml(_))
    ));
}

// ---- The page ----

#[test]
fn the_page_posts_to_the_new_app_page_of_the_user_or_the_organisation() {
    let github = url("https://github.com");
    assert_eq!(
        creation_url(&github, None, "s1").unwrap().as_str(),
        "https://github.com/settings/apps/new?state=s1"
    );
    assert_eq!(
        creation_url(&github, Some("acme"), "s1").unwrap().as_str(),
        "https://github.com/organizations/acme/settings/apps/new?state=s1"
    );
    assert_eq!(
        creation_url(&url("https://ghe.acme.dev/"), Some("infra"), "s1")
            .unwrap()
            .as_str(),
        "https://ghe.acme.dev/organizations/infra/settings/apps/new?state=s1"
    );
}

#[test]
fn the_page_carries_the_manifest_json_escaped_for_html_and_submits_itself() {
    let manifest = json!({
        "name": "acme <amiroll> & \"bot\"",
        "description": "it's <b>bold</b>",
        "hook_attributes": { "url": WEBHOOK_URL },
    });
    let action = url("https://github.com/organizations/acme/settings/apps/new?state=s1&x=<y>");
    let html = page_html(&action, &manifest);

    assert!(
        !html.contains("<amiroll>") && !html.contains("<b>"),
        "{html}"
    );
    assert!(html.contains("&quot;"), "{html}");
    assert_eq!(attribute_after(&html, "<form", "method"), "post");
    assert_eq!(attribute_after(&html, "<form", "action"), action.as_str());
    let posted = attribute_after(&html, "name=\"manifest\"", "value");
    assert_eq!(serde_json::from_str::<Value>(&posted).unwrap(), manifest);
    assert!(html.contains("<button type=\"submit\""), "{html}");
    assert!(html.contains(".submit()"), "{html}");
}

// ---- End to end against the simulated GitHub ----

#[tokio::test]
async fn setup_exchanges_githubs_code_and_saves_the_credentials_owner_only() {
    let sim = SimGitHub::start().await;
    let app = sim.add_manifest_code("code-1", 9001, "acme-amiroll");
    let dir = tempfile::tempdir().unwrap();
    let server = start(options(&sim, dir.path())).await.unwrap();

    // The manifest sends GitHub back to this very server, and goes to the organisation's page.
    let callback = server.url().join("/callback").unwrap();
    assert_eq!(server.manifest()["redirect_url"], callback.as_str());
    assert_eq!(server.manifest()["hook_attributes"]["url"], WEBHOOK_URL);
    assert_eq!(server.manifest()["name"], "acme-amiroll");
    let state = open_page(&server).await;
    assert_eq!(state.len(), 64, "a 256-bit random state: {state}");

    let (status, page) = redirect(&server, "code-1", &state).await;
    assert_eq!(status, 200, "{page}");
    let created = server.finished().await.unwrap();

    assert_eq!(sim.manifest_conversions(), ["code-1"]);
    assert_eq!(sim.calls(CONVERSIONS), 1);
    let out = dir.path().join(".amiroll");
    assert_eq!(mode(&out), 0o700);
    let files = &created.files;
    let webhook_secret = files.webhook_secret.clone().unwrap();
    for path in [
        &files.app_id,
        &files.private_key,
        &webhook_secret,
        &files.client_secret,
    ] {
        assert_eq!(path.parent(), Some(out.as_path()));
        assert_eq!(mode(path), 0o600, "{}", path.display());
    }
    assert_eq!(read(&out.join("app-id")), "9001\n");
    assert_eq!(read(&out.join("private-key.pem")), app.pem);
    assert_eq!(read(&out.join("webhook-secret")), app.webhook_secret);
    assert_eq!(read(&out.join("client-secret")), app.client_secret);
    AppCredentials::from_pem(created.app_id, read(&files.private_key).as_bytes())
        .expect("the saved key can sign App JWTs");

    // The next steps say where everything is, and nothing secret.
    let steps = setup::next_steps(&created);
    assert!(
        steps.contains("https://github.com/apps/acme-amiroll/installations/new"),
        "{steps}"
    );
    assert!(steps.contains("AMIROLL_APP_ID=9001"), "{steps}");
    assert!(steps.contains("AMIROLL_PRIVATE_KEY_PATH="), "{steps}");
    assert!(steps.contains("AMIROLL_WEBHOOK_SECRET="), "{steps}");
    assert!(
        steps.contains("https://github.com/organizations/acme/settings/apps/acme-amiroll"),
        "{steps}"
    );
    for secret in [&app.webhook_secret, &app.client_secret] {
        assert!(!steps.contains(secret.as_str()), "{steps}");
    }
    assert!(!steps.contains("PRIVATE KEY-----"), "{steps}");
    assert!(!format!("{created:?}").contains(&app.webhook_secret));
    sim.assert_no_unexpected_calls();
}

#[tokio::test]
async fn a_callback_with_the_wrong_state_is_refused_without_using_the_code() {
    let sim = SimGitHub::start().await;
    sim.add_manifest_code("code-1", 9001, "acme-amiroll");
    let dir = tempfile::tempdir().unwrap();
    let server = start(options(&sim, dir.path())).await.unwrap();
    let state = open_page(&server).await;

    let (status, page) = redirect(&server, "code-1", "forged-by-another-site").await;
    assert_eq!(status, 400);
    assert!(page.contains("Wrong state"), "{page}");
    let mut no_state = server.url().join("/callback").unwrap();
    no_state.set_query(Some("code=code-1"));
    assert_eq!(http().get(no_state).send().await.unwrap().status(), 400);
    assert!(sim.manifest_conversions().is_empty());
    assert_eq!(sim.calls(CONVERSIONS), 0);
    assert!(!dir.path().join(".amiroll").exists());

    // GitHub's genuine redirect still works afterwards.
    let (status, _) = redirect(&server, "code-1", &state).await;
    assert_eq!(status, 200);
    server.finished().await.unwrap();
    assert_eq!(sim.manifest_conversions(), ["code-1"]);
    sim.assert_no_unexpected_calls();
}

#[tokio::test]
async fn the_setup_page_answers_only_requests_addressed_to_loopback() {
    let sim = SimGitHub::start().await;
    let dir = tempfile::tempdir().unwrap();
    let server = start(options(&sim, dir.path())).await.unwrap();

    let rebound = http()
        .get(server.url().clone())
        .header("host", "attacker.example:3000")
        .send()
        .await
        .unwrap();
    assert_eq!(rebound.status(), 403);
    assert!(!rebound.text().await.unwrap().contains("manifest"));
}

#[tokio::test]
async fn an_unknown_or_already_used_code_ends_setup_with_a_clear_error() {
    let sim = SimGitHub::start().await;
    sim.add_manifest_code("code-1", 9001, "acme-amiroll");
    let first = tempfile::tempdir().unwrap();
    let server = start(options(&sim, first.path())).await.unwrap();
    let state = open_page(&server).await;
    assert_eq!(redirect(&server, "code-1", &state).await.0, 200);
    server.finished().await.unwrap();

    for code in ["code-1", "never-issued"] {
        let dir = tempfile::tempdir().unwrap();
        let server = start(options(&sim, dir.path())).await.unwrap();
        let state = open_page(&server).await;
        let (status, page) = redirect(&server, code, &state).await;
        assert_eq!(status, 502, "{page}");
        assert!(page.contains("already exchanged"), "{page}");

        let err = server.finished().await.unwrap_err();
        assert!(
            matches!(
                err,
                SetupError::Exchange(ExchangeError::Rejected { status: 404, .. })
            ),
            "{err:?}"
        );
        let message = err.to_string();
        assert!(message.contains("already exchanged"), "{message}");
        assert!(message.contains("more than an hour old"), "{message}");
        assert_eq!(err.exit(), Exit::Failure);
        assert!(!dir.path().join(".amiroll").exists());
    }
    assert_eq!(sim.manifest_conversions(), ["code-1"]);
    assert_eq!(sim.calls(CONVERSIONS), 3);
    sim.assert_no_unexpected_calls();
}

#[tokio::test]
async fn when_github_fails_the_redirect_can_be_reloaded_to_retry() {
    let sim = SimGitHub::start().await;
    let app = sim.add_manifest_code("code-1", 9001, "acme-amiroll");
    sim.fail_next(CONVERSIONS, 1, Fault::ServerError(502));
    let dir = tempfile::tempdir().unwrap();
    let server = start(options(&sim, dir.path())).await.unwrap();
    let state = open_page(&server).await;

    let (status, page) = redirect(&server, "code-1", &state).await;
    assert_eq!(status, 502);
    assert!(page.contains("reload this page"), "{page}");
    assert!(sim.manifest_conversions().is_empty());

    assert_eq!(redirect(&server, "code-1", &state).await.0, 200);
    server.finished().await.unwrap();
    assert_eq!(
        read(&dir.path().join(".amiroll/webhook-secret")),
        app.webhook_secret
    );
    assert_eq!(sim.calls(CONVERSIONS), 2);
    sim.assert_no_unexpected_calls();
}

#[tokio::test]
async fn existing_credentials_are_not_overwritten_without_force() {
    let sim = SimGitHub::start().await;
    let app = sim.add_manifest_code("code-1", 9001, "acme-amiroll");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join(".amiroll");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("private-key.pem"), "the key in use").unwrap();
    std::fs::set_permissions(
        out.join("private-key.pem"),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();

    // Refused before any page is served, so no App is created whose key could not be saved.
    let err = start(options(&sim, dir.path())).await.err().unwrap();
    assert!(
        matches!(&err, SetupError::Write(WriteError::WouldOverwrite(paths))
            if paths == &[out.join("private-key.pem")]),
        "{err:?}"
    );
    assert!(err.to_string().contains("--force"), "{err}");
    assert_eq!(err.exit(), Exit::Refused);
    assert_eq!(read(&out.join("private-key.pem")), "the key in use");

    // The command itself refuses with exit 3, before listening.
    let manifest = dir.path().join("app.yml");
    std::fs::write(&manifest, app_yml()).unwrap();
    let exit = setup::run(args(&sim, &manifest, &out, false)).await;
    assert_eq!(exit, Exit::Refused);
    assert_eq!(read(&out.join("private-key.pem")), "the key in use");

    // With --force, the files are replaced, owner-only even where the old one was not.
    let server = start(SetupOptions {
        force: true,
        ..options(&sim, dir.path())
    })
    .await
    .unwrap();
    let state = open_page(&server).await;
    assert_eq!(redirect(&server, "code-1", &state).await.0, 200);
    server.finished().await.unwrap();
    assert_eq!(read(&out.join("private-key.pem")), app.pem);
    assert_eq!(mode(&out.join("private-key.pem")), 0o600);
    assert_eq!(sim.manifest_conversions(), ["code-1"]);
    sim.assert_no_unexpected_calls();
}

fn args(sim: &SimGitHub, manifest: &Path, out: &Path, force: bool) -> SetupArgs {
    SetupArgs {
        webhook_url: url(WEBHOOK_URL),
        manifest: manifest.to_owned(),
        name: None,
        org: None,
        port: 0,
        github_url: url("https://github.com"),
        github_api_url: url(&sim.api_url()),
        out: out.to_owned(),
        force,
    }
}

#[tokio::test]
async fn malformed_flags_and_manifests_are_bad_input() {
    let sim = SimGitHub::start().await;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join(".amiroll");
    let manifest = dir.path().join("app.yml");
    std::fs::write(&manifest, app_yml()).unwrap();

    let missing =
        setup::options(&args(&sim, &dir.path().join("nope.yml"), &out, false)).unwrap_err();
    assert!(missing.to_string().contains("nope.yml"), "{missing}");
    for org in ["acme/evil", "-acme", ""] {
        let err = setup::options(&SetupArgs {
            org: Some(org.to_owned()),
            ..args(&sim, &manifest, &out, false)
        })
        .unwrap_err();
        assert_eq!(err.exit(), Exit::BadInput, "{org}: {err}");
    }
    let ftp = setup::options(&SetupArgs {
        webhook_url: url("ftp://amiroll.acme.dev/webhooks/github"),
        ..args(&sim, &manifest, &out, false)
    })
    .unwrap_err();
    assert!(ftp.to_string().contains("--webhook-url"), "{ftp}");

    let list: PathBuf = dir.path().join("list.yml");
    std::fs::write(&list, "- name: amiroll\n").unwrap();
    assert_eq!(
        setup::run(args(&sim, &list, &out, false)).await,
        Exit::BadInput
    );
    assert!(!out.exists());
    assert_eq!(sim.total_calls(), 0);
}
