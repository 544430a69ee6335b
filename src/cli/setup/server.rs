//! The local web server of `amiroll setup`: it serves the page that posts the manifest to GitHub
//! and receives GitHub's redirect with the one-time code, checks the `state` it put in the page
//! (so another site cannot feed it a code), exchanges the code, writes the credentials and
//! stops. It answers only on loopback and only to requests addressed to loopback by name, so a
//! web page cannot reach it through DNS rebinding.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::{Mutex, oneshot};
use tokio::task::JoinHandle;
use url::Url;

use super::SetupError;
use super::exchange::{self, CreatedApp};
use super::files::{self, CredentialFiles};
use super::manifest::{ManifestOverrides, build_manifest};
use super::page::{self, message_html, page_html};

/// The path GitHub redirects to with `?code=...&state=...`.
pub const CALLBACK_PATH: &str = "/callback";

/// How long, once the outcome is known, open connections get to receive their answer before
/// the server is stopped regardless.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// Everything a setup needs, already validated.
#[derive(Clone, Debug)]
pub struct SetupOptions {
    /// The text of `app.yml`.
    pub manifest_yaml: String,
    /// Where GitHub will send webhooks.
    pub webhook_url: Url,
    /// The App's name, instead of the manifest's.
    pub name: Option<String>,
    /// The organisation that owns the App; `None`: the signed-in user.
    pub org: Option<String>,
    /// GitHub's web address (`https://github.com`, or `https://HOST`).
    pub github_url: Url,
    /// GitHub's REST API (`https://api.github.com`, or `https://HOST/api/v3`).
    pub api_url: Url,
    /// Where the credentials are written.
    pub out_dir: PathBuf,
    /// Whether credential files of an earlier run may be replaced.
    pub force: bool,
}

/// What a successful setup produced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Created {
    /// The App id.
    pub app_id: u64,
    /// The App's slug.
    pub slug: String,
    /// The App's public page.
    pub html_url: String,
    /// The App's settings page.
    pub settings_url: Option<Url>,
    /// The files written.
    pub files: CredentialFiles,
}

type Outcome = Result<Created, SetupError>;

/// A running setup page; [`SetupServer::finished`] waits for GitHub's redirect.
pub struct SetupServer {
    url: Url,
    manifest: Value,
    outcome: oneshot::Receiver<Outcome>,
    shutdown: Option<oneshot::Sender<()>>,
    server: JoinHandle<()>,
}

impl Drop for SetupServer {
    fn drop(&mut self) {
        self.server.abort();
    }
}

struct Inner {
    page: String,
    state: String,
    hosts: [String; 2],
    api_url: Url,
    client: reqwest::Client,
    github_url: Url,
    org: Option<String>,
    out_dir: PathBuf,
    force: bool,
    /// Taken by the callback that settles the setup; one callback at a time holds the lock.
    outcome: Mutex<Option<oneshot::Sender<Outcome>>>,
}

impl SetupServer {
    /// Builds the manifest (its `redirect_url` pointing at `listener`'s port) and the page, and
    /// starts serving them on `listener` (which must be on loopback). Refuses before serving
    /// when credential files are in the way, so no App is created whose key cannot be saved.
    pub async fn start(listener: TcpListener, options: SetupOptions) -> Result<Self, SetupError> {
        files::check_can_write(&options.out_dir, options.force)?;
        let addr = listener
            .local_addr()
            .map_err(|err| SetupError::Server(format!("cannot read the local address: {err}")))?;
        let port = addr.port();
        let url = local_url(port, "/")?;
        let redirect_url = local_url(port, CALLBACK_PATH)?;
        let manifest = build_manifest(
            &options.manifest_yaml,
            &ManifestOverrides {
                webhook_url: &options.webhook_url,
                redirect_url: &redirect_url,
                name: options.name.as_deref(),
            },
        )?;
        let state = hex::encode(rand::random::<[u8; 32]>());
        let action = page::creation_url(&options.github_url, options.org.as_deref(), &state)
            .ok_or_else(|| {
                SetupError::BadInput(format!(
                    "the GitHub URL `{}` cannot have a path",
                    options.github_url
                ))
            })?;
        let client = exchange::http_client()?;
        let (outcome_tx, outcome) = oneshot::channel();
        let inner = Arc::new(Inner {
            page: page_html(&action, &manifest),
            state,
            hosts: [format!("127.0.0.1:{port}"), format!("localhost:{port}")],
            api_url: options.api_url,
            client,
            github_url: options.github_url,
            org: options.org,
            out_dir: options.out_dir,
            force: options.force,
            outcome: Mutex::new(Some(outcome_tx)),
        });
        let app = Router::new()
            .route("/", get(serve_page))
            .route(CALLBACK_PATH, get(callback))
            .with_state(inner);
        let (shutdown_tx, shutdown_rx) = oneshot::channel::<()>();
        let server = tokio::spawn(async move {
            let stopped = async {
                let _ = shutdown_rx.await;
            };
            if let Err(err) = axum::serve(listener, app)
                .with_graceful_shutdown(stopped)
                .await
            {
                tracing::warn!("the setup page's server failed: {err}");
            }
        });
        Ok(Self {
            url,
            manifest,
            outcome,
            shutdown: Some(shutdown_tx),
            server,
        })
    }

    /// The page to open in a browser signed in to GitHub.
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// The manifest the page posts.
    pub fn manifest(&self) -> &Value {
        &self.manifest
    }

    /// Waits until a callback settles the setup (the credentials written, or GitHub refusing
    /// the code), then stops the server once its last answer is out.
    pub async fn finished(mut self) -> Result<Created, SetupError> {
        let outcome = (&mut self.outcome).await.unwrap_or_else(|_| {
            Err(SetupError::Server(
                "the setup page's server stopped".to_owned(),
            ))
        });
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        let _ = tokio::time::timeout(SHUTDOWN_GRACE, &mut self.server).await;
        outcome
    }
}

fn local_url(port: u16, path: &str) -> Result<Url, SetupError> {
    Url::parse(&format!("http://127.0.0.1:{port}{path}"))
        .map_err(|err| SetupError::Server(format!("cannot make the local URL: {err}")))
}

/// Whether the request was addressed to this server by a loopback name (not a rebound domain).
fn addressed_to_us(inner: &Inner, headers: &HeaderMap) -> bool {
    headers
        .get(header::HOST)
        .and_then(|host| host.to_str().ok())
        .is_some_and(|host| inner.hosts.iter().any(|ours| ours == host))
}

/// Compares without stopping at the first difference, so timing does not reveal the state.
fn same_secret(given: &str, expected: &str) -> bool {
    given.len() == expected.len()
        && given
            .bytes()
            .zip(expected.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

fn answer(status: StatusCode, title: &str, message: &str) -> Response {
    let mut response = (status, Html(message_html(title, message))).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    // The callback's URL carries the code: no page it leads to should learn it.
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

fn misdirected() -> Response {
    answer(
        StatusCode::FORBIDDEN,
        "Wrong address",
        "amiroll setup only answers at http://127.0.0.1 or http://localhost.",
    )
}

async fn serve_page(State(inner): State<Arc<Inner>>, headers: HeaderMap) -> Response {
    if !addressed_to_us(&inner, &headers) {
        return misdirected();
    }
    let mut response = Html(inner.page.clone()).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

async fn callback(
    State(inner): State<Arc<Inner>>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    if !addressed_to_us(&inner, &headers) {
        return misdirected();
    }
    if !query
        .get("state")
        .is_some_and(|state| same_secret(state, &inner.state))
    {
        return answer(
            StatusCode::BAD_REQUEST,
            "Wrong state",
            "This request does not carry the state of the page amiroll setup served, so GitHub \
             did not send it for the App being created here. Its code was not used. Open the \
             address amiroll setup printed to start again.",
        );
    }
    let Some(code) = query.get("code").filter(|code| !code.is_empty()) else {
        return answer(
            StatusCode::BAD_REQUEST,
            "No code",
            "GitHub's redirect carries a `code` parameter; this request has none.",
        );
    };
    let mut outcome = inner.outcome.lock().await;
    let Some(sender) = outcome.take() else {
        return answer(
            StatusCode::GONE,
            "Setup finished",
            "This setup has already finished: see the terminal.",
        );
    };
    if let Err(err) = files::check_can_write(&inner.out_dir, inner.force) {
        *outcome = Some(sender);
        return answer(
            StatusCode::CONFLICT,
            "Cannot save the credentials",
            &format!("{err}. The code was not used: reload this page once done."),
        );
    }
    let app = match exchange::exchange_code(&inner.client, &inner.api_url, code).await {
        Ok(app) => app,
        Err(err) if err.is_retryable() => {
            *outcome = Some(sender);
            return answer(
                StatusCode::BAD_GATEWAY,
                "Cannot reach GitHub",
                &format!("{err}. The code is valid for an hour: reload this page to try again."),
            );
        }
        Err(err) => {
            let page = answer(StatusCode::BAD_GATEWAY, "GitHub refused", &err.to_string());
            let _ = sender.send(Err(err.into()));
            return page;
        }
    };
    let (page, settled) = save(&inner, &app);
    let _ = sender.send(settled);
    page
}

/// Writes the credentials of `app` and says how it went, to the browser and to the terminal.
fn save(inner: &Inner, app: &CreatedApp) -> (Response, Outcome) {
    let settings_url = page::settings_url(&inner.github_url, inner.org.as_deref(), &app.slug);
    match files::write_credentials(&inner.out_dir, app, inner.force) {
        Ok(files) => (
            answer(
                StatusCode::OK,
                "App created",
                &format!(
                    "The GitHub App {} was created and its credentials saved in {}. Return to \
                     the terminal for the next steps; this page can be closed.",
                    app.slug,
                    inner.out_dir.display()
                ),
            ),
            Ok(Created {
                app_id: app.id,
                slug: app.slug.clone(),
                html_url: app.html_url.clone(),
                settings_url,
                files,
            }),
        ),
        Err(source) => {
            let err = SetupError::NotSaved {
                slug: app.slug.clone(),
                settings_url: settings_url
                    .map_or_else(|| app.html_url.clone(), |url| url.to_string()),
                source,
            };
            (
                answer(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Credentials not saved",
                    &err.to_string(),
                ),
                Err(err),
            )
        }
    }
}
