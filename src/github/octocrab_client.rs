//! The GitHub port implemented on octocrab. octocrab carries the HTTP (its TLS stack, base URL,
//! App JWT); this module adds what GitHub asks of a well-behaved App and octocrab's own retry
//! layer does not do to our taste: a timeout on every attempt, retries that honour
//! `retry-after` and `x-ratelimit-reset` (see [`super::retry`]), installation tokens cached per
//! installation and renewed minutes before they expire, mutating calls serialised (and spaced)
//! per installation, conditional GETs (`If-None-Match`; a 304 costs no rate limit), and metrics
//! for every call. Routes are called explicitly (`_get`, `_patch`, ...) so the method and shape
//! are GitHub's documented ones.

use std::collections::HashMap;
use std::sync::{Arc, Mutex as StdMutex};
use std::time::{Duration, Instant, SystemTime};

use axum::http::{HeaderMap, Method, StatusCode};
use base64::Engine as _;
use octocrab::Octocrab;
use octocrab::models::AppId;
use octocrab::secrecy::SecretString;
use octocrab::service::middleware::retry::RetryConfig;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use tokio::sync::Mutex;

use super::auth::AppCredentials;
use super::error::GitHubError;
use super::etag_cache::EtagCache;
use super::ids::{CheckRunId, CommentId, CommitSha, InstallationId, PullRequestNumber, RepoName};
use super::port::{GitHubApp, GitHubClient, GitHubResult};
use super::retry::{Decision, Failure, RetryPolicy};
use super::types::{
    AppInfo, BranchHead, ChangedFile, CheckRun, CheckRunOutput, CheckStatus, CombinedStatus,
    CommitStatus, FileChange, HookDelivery, Installation, IssueComment, NewPullRequest,
    PullRequest, RepoInstallation, Repository, RequiredCheck, Review,
};
use super::wire;
use crate::metrics::Metrics;

/// Items per page on list routes (GitHub's maximum).
const PER_PAGE: usize = 100;
/// Pages read at most from one list route, so a runaway list cannot loop forever.
const MAX_PAGES: usize = 30;
/// Bytes of GET answers kept per installation for conditional requests.
const ETAG_CACHE_BYTES: usize = 4 * 1024 * 1024;

/// How the client talks to GitHub.
#[derive(Clone, Debug)]
pub struct ClientSettings {
    /// The REST API's base: `https://api.github.com`, or `https://HOST/api/v3` on GitHub
    /// Enterprise Server.
    pub api_url: String,
    /// The longest one attempt (request and answer) may take.
    pub timeout: Duration,
    /// When to retry.
    pub retry: RetryPolicy,
    /// An installation token is renewed when it has less than this left.
    pub token_renewal_margin: Duration,
    /// The least time between two mutating calls of one installation (GitHub asks for about a
    /// second, to stay clear of the secondary rate limits).
    pub mutation_spacing: Duration,
}

impl ClientSettings {
    /// Production defaults for the API at `api_url`.
    pub fn new(api_url: impl Into<String>) -> Self {
        Self {
            api_url: api_url.into(),
            timeout: Duration::from_secs(20),
            retry: RetryPolicy::default(),
            token_renewal_margin: Duration::from_secs(5 * 60),
            mutation_spacing: Duration::from_secs(1),
        }
    }
}

/// What every client of one App shares.
struct Shared {
    settings: ClientSettings,
    metrics: Option<Metrics>,
    /// Authenticates as the App (a fresh JWT on every call).
    app: Octocrab,
}

/// The App, talking to GitHub through octocrab. Cheap to clone.
#[derive(Clone)]
pub struct OctocrabApp {
    shared: Arc<Shared>,
    clients: Arc<StdMutex<HashMap<InstallationId, InstallationClient>>>,
}

impl OctocrabApp {
    /// Builds the App's client. Must be called inside a tokio runtime (octocrab's requirement).
    pub fn new(
        credentials: &AppCredentials,
        settings: ClientSettings,
        metrics: Option<Metrics>,
    ) -> GitHubResult<Self> {
        let base = settings.api_url.trim_end_matches('/').to_owned();
        let app = Octocrab::builder()
            .base_uri(base.as_str())
            .map_err(|e| GitHubError::Client(format!("bad GitHub API URL `{base}`: {e}")))?
            .app(AppId(credentials.app_id()), credentials.key().clone())
            .add_retry_config(RetryConfig::None)
            .set_connect_timeout(Some(settings.timeout))
            .set_read_timeout(Some(settings.timeout))
            .build()
            .map_err(|e| GitHubError::Client(format!("cannot build the GitHub client: {e}")))?;
        Ok(Self {
            shared: Arc::new(Shared {
                settings,
                metrics,
                app,
            }),
            clients: Arc::default(),
        })
    }
}

impl GitHubApp for OctocrabApp {
    type Client = InstallationClient;

    fn installation(&self, installation: InstallationId) -> GitHubResult<InstallationClient> {
        let mut clients = self
            .clients
            .lock()
            .map_err(|_| GitHubError::Client("installation cache poisoned".to_owned()))?;
        Ok(clients
            .entry(installation)
            .or_insert_with(|| InstallationClient {
                inner: Arc::new(InstallationInner {
                    id: installation,
                    shared: Arc::clone(&self.shared),
                    token: Mutex::new(None),
                    writes: Mutex::new(None),
                    etags: StdMutex::new(EtagCache::new(ETAG_CACHE_BYTES)),
                }),
            })
            .clone())
    }

    async fn app_info(&self) -> GitHubResult<AppInfo> {
        let call = Call::get("GET /app", "/app".to_owned());
        let app: wire::App = json_of(call.route, &send(&self.shared, &Auth::App, &call).await?)?;
        Ok(AppInfo {
            id: app.id,
            slug: app.slug,
            name: app.name,
        })
    }

    async fn installations(&self) -> GitHubResult<Vec<Installation>> {
        let shared = &self.shared;
        let list: Vec<wire::InstallationJson> = paged(
            shared,
            &Auth::App,
            "GET /app/installations",
            "/app/installations?",
            |page: Vec<wire::InstallationJson>| page,
        )
        .await?;
        Ok(list.into_iter().map(Into::into).collect())
    }

    async fn repo_installation(&self, repo: &RepoName) -> GitHubResult<Option<RepoInstallation>> {
        let call = Call::get(
            "GET /repos/{owner}/{repo}/installation",
            format!("{}/installation", repo_path(repo)),
        );
        match send(&self.shared, &Auth::App, &call).await {
            Ok(body) => {
                let found: wire::RepoInstallationJson = json_of(call.route, &body)?;
                Ok(Some(found.into()))
            }
            Err(GitHubError::NotFound { .. }) => Ok(None),
            Err(error) => Err(error),
        }
    }

    async fn hook_deliveries(&self, limit: usize) -> GitHubResult<Vec<HookDelivery>> {
        let per_page = limit.clamp(1, PER_PAGE);
        let call = Call::get(
            "GET /app/hook/deliveries",
            format!("/app/hook/deliveries?per_page={per_page}"),
        );
        let list: Vec<wire::Delivery> =
            json_of(call.route, &send(&self.shared, &Auth::App, &call).await?)?;
        Ok(list.into_iter().map(Into::into).take(limit).collect())
    }

    async fn redeliver(&self, delivery_id: u64) -> GitHubResult<()> {
        let call = Call::new(
            Method::POST,
            "POST /app/hook/deliveries/{delivery_id}/attempts",
            format!("/app/hook/deliveries/{delivery_id}/attempts"),
            None,
        );
        send(&self.shared, &Auth::App, &call).await.map(drop)
    }
}

/// An installation token and the client that sends it.
struct Token {
    crab: Octocrab,
    expires_at: SystemTime,
}

struct InstallationInner {
    id: InstallationId,
    shared: Arc<Shared>,
    /// The current token; the lock also makes concurrent callers share one renewal.
    token: Mutex<Option<Token>>,
    /// Held for the whole of a mutating call; remembers when the last one ended.
    writes: Mutex<Option<Instant>>,
    /// The last answers to GETs, for conditional requests.
    etags: StdMutex<EtagCache>,
}

/// The App acting as one installation. Cheap to clone; clones share the token and write lock.
#[derive(Clone)]
pub struct InstallationClient {
    inner: Arc<InstallationInner>,
}

/// Whom a call authenticates as.
enum Auth<'a> {
    App,
    Installation(&'a InstallationInner),
}

/// One REST call.
struct Call {
    method: Method,
    /// The route template, for metrics and errors (`GET /repos/{owner}/{repo}/pulls`).
    route: &'static str,
    /// The path and query, relative to the API base.
    path: String,
    body: Option<Value>,
    /// A 404 may mean GitHub has not caught up with its own webhook yet.
    fresh_not_found: bool,
}

impl Call {
    fn new(method: Method, route: &'static str, path: String, body: Option<Value>) -> Self {
        Self {
            method,
            route,
            path,
            body,
            fresh_not_found: false,
        }
    }

    fn get(route: &'static str, path: String) -> Self {
        Self::new(Method::GET, route, path, None)
    }

    fn mutates(&self) -> bool {
        self.method != Method::GET
    }
}

/// What one attempt produced.
enum Attempt {
    Answer {
        status: StatusCode,
        headers: HeaderMap,
        body: String,
    },
    /// No answer; worth another try.
    Transient(String),
    /// Cannot succeed by trying again (bad key, bad URL).
    Fatal(GitHubError),
}

impl InstallationInner {
    /// A client holding a token with at least the renewal margin left, minting one if needed.
    async fn client(&self) -> GitHubResult<Octocrab> {
        let mut token = self.token.lock().await;
        let margin = self.shared.settings.token_renewal_margin;
        if let Some(current) = token.as_ref()
            && current
                .expires_at
                .duration_since(SystemTime::now())
                .is_ok_and(|left| left > margin)
        {
            return Ok(current.crab.clone());
        }
        let minted = self.mint().await?;
        let crab = minted.crab.clone();
        *token = Some(minted);
        Ok(crab)
    }

    async fn mint(&self) -> GitHubResult<Token> {
        #[derive(Deserialize)]
        struct Minted {
            token: String,
            #[serde(default)]
            expires_at: Option<String>,
        }
        let installation = self.id;
        let call = Call::new(
            Method::POST,
            "POST /app/installations/{installation_id}/access_tokens",
            format!("/app/installations/{installation}/access_tokens"),
            Some(json!({})),
        );
        // Boxed: minting is itself a call through `send`.
        let body = Box::pin(send(&self.shared, &Auth::App, &call)).await?;
        let minted: Minted = json_of(call.route, &body)?;
        // Without a readable expiry, assume the shortest life GitHub is known to give.
        let expires_at = minted
            .expires_at
            .and_then(|at| humantime::parse_rfc3339(&at).ok())
            .unwrap_or_else(|| SystemTime::now() + Duration::from_secs(10 * 60));
        let crab = self
            .shared
            .app
            .user_access_token(SecretString::from(minted.token))
            .map_err(|e| GitHubError::Client(format!("cannot use the installation token: {e}")))?;
        tracing::debug!(installation = %installation, "minted an installation token");
        Ok(Token { crab, expires_at })
    }

    /// Forgets the token, so that the next call mints one (GitHub refused it).
    async fn drop_token(&self) {
        *self.token.lock().await = None;
    }
}

/// Sends `call` with retries, returning the body of a successful answer. Mutating calls of one
/// installation go one at a time, at least `mutation_spacing` apart.
async fn send(shared: &Shared, auth: &Auth<'_>, call: &Call) -> GitHubResult<String> {
    match auth {
        Auth::Installation(inner) if call.mutates() => {
            let mut last = inner.writes.lock().await;
            if let Some(previous) = *last {
                tokio::time::sleep_until((previous + shared.settings.mutation_spacing).into())
                    .await;
            }
            let result = send_with_retries(shared, auth, call).await;
            *last = Some(Instant::now());
            result
        }
        _ => send_with_retries(shared, auth, call).await,
    }
}

async fn send_with_retries(shared: &Shared, auth: &Auth<'_>, call: &Call) -> GitHubResult<String> {
    let policy = &shared.settings.retry;
    let mut reauthenticated = false;
    let mut attempt = 0;
    loop {
        attempt += 1;
        // The token comes first, outside the attempt's timeout: minting has its own retries.
        let crab = match auth {
            Auth::App => shared.app.clone(),
            Auth::Installation(inner) => inner.client().await?,
        };
        let cache = match auth {
            Auth::Installation(inner) if call.method == Method::GET => Some(&inner.etags),
            _ => None,
        };
        let etag = cache.and_then(|c| c.lock().ok()?.etag(&call.path));
        let attempt_future = once(&crab, call, etag.as_deref());
        let outcome = match tokio::time::timeout(shared.settings.timeout, attempt_future).await {
            Ok(outcome) => outcome,
            Err(_) => Attempt::Transient(format!("no answer within {:?}", shared.settings.timeout)),
        };
        let (decision, last) = match outcome {
            Attempt::Fatal(error) => return Err(error),
            Attempt::Transient(reason) => {
                record_call(shared, call.route, 0);
                let decision = policy.decide(Failure::NoAnswer, attempt, false, SystemTime::now());
                (decision, reason)
            }
            Attempt::Answer {
                status,
                headers,
                body,
            } => {
                record_call(shared, call.route, status.as_u16());
                if let (Auth::Installation(inner), Some(metrics)) = (auth, &shared.metrics)
                    && let Some(remaining) = headers
                        .get("x-ratelimit-remaining")
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.parse::<i64>().ok())
                {
                    metrics.rate_limit_remaining(inner.id.0, remaining);
                }
                if status == StatusCode::NOT_MODIFIED
                    && let Some(kept) = cache.and_then(|c| c.lock().ok()?.body(&call.path))
                {
                    return Ok(kept);
                }
                if status.is_success() {
                    if let (Some(cache), Some(etag)) =
                        (cache, headers.get("etag").and_then(|v| v.to_str().ok()))
                        && let Ok(mut cache) = cache.lock()
                    {
                        cache.store(&call.path, etag, &body);
                    }
                    return Ok(body);
                }
                let message = serde_json::from_str::<wire::ErrorBody>(&body)
                    .map(|e| e.message)
                    .unwrap_or_else(|_| body.chars().take(200).collect());
                // An installation token GitHub no longer accepts: mint another, once.
                if status == StatusCode::UNAUTHORIZED
                    && !reauthenticated
                    && let Auth::Installation(inner) = auth
                {
                    reauthenticated = true;
                    inner.drop_token().await;
                    attempt -= 1;
                    continue;
                }
                let decision = policy.decide(
                    Failure::Status {
                        status,
                        headers: &headers,
                        message: &message,
                    },
                    attempt,
                    call.fresh_not_found,
                    SystemTime::now(),
                );
                if decision == Decision::GiveUp {
                    return Err(final_error(call.route, status, message, attempt));
                }
                (decision, format!("{status}: {message}"))
            }
        };
        match decision {
            Decision::RetryAfter(wait) => {
                if let Some(metrics) = &shared.metrics {
                    metrics.github_retry(call.route);
                }
                tracing::debug!(route = call.route, attempt, ?wait, %last, "retrying a GitHub call");
                tokio::time::sleep(wait).await;
            }
            Decision::RateLimitedFor(wait) => {
                return Err(GitHubError::RateLimited {
                    route: call.route,
                    wait,
                });
            }
            Decision::GiveUp => {
                return Err(GitHubError::GaveUp {
                    route: call.route,
                    attempts: attempt,
                    last,
                });
            }
        }
    }
}

/// The error for an answer that will not be retried.
fn final_error(
    route: &'static str,
    status: StatusCode,
    message: String,
    attempts: u32,
) -> GitHubError {
    match status {
        StatusCode::NOT_FOUND => GitHubError::NotFound { route },
        StatusCode::UNPROCESSABLE_ENTITY => GitHubError::Unprocessable { route, message },
        _ if attempts > 1 => GitHubError::GaveUp {
            route,
            attempts,
            last: format!("{status}: {message}"),
        },
        _ => GitHubError::Status {
            route,
            status: status.as_u16(),
            message,
        },
    }
}

fn record_call(shared: &Shared, route: &str, status: u16) {
    if let Some(metrics) = &shared.metrics {
        metrics.github_call(route, status);
    }
}

/// One attempt: send (conditionally, given an `ETag`), read the whole answer.
async fn once(crab: &Octocrab, call: &Call, etag: Option<&str>) -> Attempt {
    let path = call.path.as_str();
    let body = call.body.as_ref();
    let response = match call.method {
        Method::GET => {
            let headers = etag.and_then(|etag| {
                let mut headers = HeaderMap::new();
                headers.insert("if-none-match", etag.parse().ok()?);
                Some(headers)
            });
            crab._get_with_headers(path, headers).await
        }
        Method::POST => crab._post(path, body).await,
        Method::PATCH => crab._patch(path, body).await,
        Method::PUT => crab._put(path, body).await,
        Method::DELETE => crab._delete(path, body).await,
        _ => {
            return Attempt::Fatal(GitHubError::Client(format!(
                "unsupported method {}",
                call.method
            )));
        }
    };
    let response = match response {
        Ok(response) => response,
        Err(error) => return Attempt::Transient(error.to_string()),
    };
    let status = response.status();
    let headers = response.headers().clone();
    match crab.body_to_string(response).await {
        Ok(body) => Attempt::Answer {
            status,
            headers,
            body,
        },
        Err(error) => Attempt::Transient(format!("cannot read the answer: {error}")),
    }
}

fn json_of<T: DeserializeOwned>(route: &'static str, body: &str) -> GitHubResult<T> {
    serde_json::from_str(body).map_err(|e| GitHubError::Decode {
        route,
        message: e.to_string(),
    })
}

/// Reads every page of a list route. `path` ends with `?` or `&` so that paging parameters can
/// follow; `unwrap` takes the items out of one page's JSON.
async fn paged<W: DeserializeOwned, T>(
    shared: &Shared,
    auth: &Auth<'_>,
    route: &'static str,
    path: &str,
    unwrap: impl Fn(W) -> Vec<T>,
) -> GitHubResult<Vec<T>> {
    let mut all = Vec::new();
    for page in 1..=MAX_PAGES {
        let call = Call::get(route, format!("{path}per_page={PER_PAGE}&page={page}"));
        let items = unwrap(json_of(route, &send(shared, auth, &call).await?)?);
        let done = items.len() < PER_PAGE;
        all.extend(items);
        if done {
            break;
        }
    }
    Ok(all)
}

/// Percent-encodes a branch name or file path for a URL path, keeping its `/`.
fn encode_path(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Percent-encodes a query parameter's value.
fn encode_query(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

fn repo_path(repo: &RepoName) -> String {
    format!("/repos/{}/{}", repo.owner(), repo.name())
}

fn check_body(output: &CheckRunOutput) -> Value {
    let mut body = json!({
        "status": output.status.as_str(),
        "output": { "title": output.title, "summary": output.summary },
    });
    if output.status == CheckStatus::Completed
        && let Some(conclusion) = output.conclusion
    {
        body["conclusion"] = json!(conclusion.as_str());
    }
    body
}

impl InstallationClient {
    async fn send(&self, call: Call) -> GitHubResult<String> {
        send(&self.inner.shared, &Auth::Installation(&self.inner), &call).await
    }

    async fn get<T: DeserializeOwned>(&self, route: &'static str, path: String) -> GitHubResult<T> {
        json_of(route, &self.send(Call::get(route, path)).await?)
    }

    async fn write<T: DeserializeOwned>(
        &self,
        method: Method,
        route: &'static str,
        path: String,
        body: Value,
    ) -> GitHubResult<T> {
        json_of(
            route,
            &self
                .send(Call::new(method, route, path, Some(body)))
                .await?,
        )
    }

    async fn write_ignoring_answer(
        &self,
        method: Method,
        route: &'static str,
        path: String,
        body: Value,
    ) -> GitHubResult<()> {
        self.send(Call::new(method, route, path, Some(body)))
            .await
            .map(drop)
    }

    async fn list<T: DeserializeOwned>(
        &self,
        route: &'static str,
        path: String,
    ) -> GitHubResult<Vec<T>> {
        paged(
            &self.inner.shared,
            &Auth::Installation(&self.inner),
            route,
            &path,
            |page: Vec<T>| page,
        )
        .await
    }
}

impl GitHubClient for InstallationClient {
    fn installation_id(&self) -> InstallationId {
        self.inner.id
    }

    async fn repositories(&self) -> GitHubResult<Vec<Repository>> {
        let repos = paged(
            &self.inner.shared,
            &Auth::Installation(&self.inner),
            "GET /installation/repositories",
            "/installation/repositories?",
            |page: wire::InstallationRepos| page.repositories,
        )
        .await?;
        Ok(repos.into_iter().map(Into::into).collect())
    }

    async fn file(
        &self,
        repo: &RepoName,
        path: &str,
        git_ref: &str,
    ) -> GitHubResult<Option<Vec<u8>>> {
        const ROUTE: &str = "GET /repos/{owner}/{repo}/contents/{path}";
        let call = Call::get(
            ROUTE,
            format!(
                "{}/contents/{}?ref={}",
                repo_path(repo),
                encode_path(path.trim_start_matches('/')),
                encode_query(git_ref)
            ),
        );
        let body = match self.send(call).await {
            Ok(body) => body,
            Err(GitHubError::NotFound { .. }) => return Ok(None),
            Err(error) => return Err(error),
        };
        let value: Value = json_of(ROUTE, &body)?;
        if !value.is_object() {
            // A directory: GitHub lists its entries.
            return Ok(None);
        }
        let contents: wire::Contents =
            serde_json::from_value(value).map_err(|e| GitHubError::Decode {
                route: ROUTE,
                message: e.to_string(),
            })?;
        if contents.kind != "file" {
            return Ok(None);
        }
        if contents.encoding.as_deref() != Some("base64") {
            return Err(GitHubError::Decode {
                route: ROUTE,
                message: format!(
                    "{path} comes as `{}`, not base64 (larger than 1 MB?)",
                    contents.encoding.unwrap_or_default()
                ),
            });
        }
        // GitHub wraps the base64 at 60 columns.
        let packed: String = contents
            .content
            .unwrap_or_default()
            .chars()
            .filter(|c| !c.is_ascii_whitespace())
            .collect();
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(packed)
            .map_err(|e| GitHubError::Decode {
                route: ROUTE,
                message: format!("{path}: {e}"),
            })?;
        if std::str::from_utf8(&bytes).is_err() {
            return Err(GitHubError::NotUtf8 {
                path: path.to_owned(),
            });
        }
        Ok(Some(bytes))
    }

    async fn default_branch(&self, repo: &RepoName) -> GitHubResult<BranchHead> {
        let info: wire::Repo = self
            .get("GET /repos/{owner}/{repo}", repo_path(repo))
            .await?;
        let sha = self
            .branch(repo, &info.default_branch)
            .await?
            .ok_or(GitHubError::NotFound {
                route: "GET /repos/{owner}/{repo}/git/ref/{ref}",
            })?;
        Ok(BranchHead {
            name: info.default_branch,
            sha,
        })
    }

    async fn branch(&self, repo: &RepoName, branch: &str) -> GitHubResult<Option<CommitSha>> {
        let route = "GET /repos/{owner}/{repo}/git/ref/{ref}";
        let path = format!("{}/git/ref/heads/{}", repo_path(repo), encode_path(branch));
        match self.get::<wire::GitRef>(route, path).await {
            Ok(found) => Ok(Some(found.object.sha)),
            Err(GitHubError::NotFound { .. }) => Ok(None),
            Err(error) => Err(error),
        }
    }

    async fn create_branch(
        &self,
        repo: &RepoName,
        branch: &str,
        sha: &CommitSha,
    ) -> GitHubResult<()> {
        self.write_ignoring_answer(
            Method::POST,
            "POST /repos/{owner}/{repo}/git/refs",
            format!("{}/git/refs", repo_path(repo)),
            json!({ "ref": format!("refs/heads/{branch}"), "sha": sha }),
        )
        .await
    }

    async fn update_branch(
        &self,
        repo: &RepoName,
        branch: &str,
        sha: &CommitSha,
        force: bool,
    ) -> GitHubResult<()> {
        self.write_ignoring_answer(
            Method::PATCH,
            "PATCH /repos/{owner}/{repo}/git/refs/{ref}",
            format!("{}/git/refs/heads/{}", repo_path(repo), encode_path(branch)),
            json!({ "sha": sha, "force": force }),
        )
        .await
    }

    async fn create_commit(
        &self,
        repo: &RepoName,
        parent: &CommitSha,
        message: &str,
        changes: &[FileChange],
    ) -> GitHubResult<CommitSha> {
        let mut entries = Vec::with_capacity(changes.len());
        for change in changes {
            let content =
                std::str::from_utf8(&change.content).map_err(|_| GitHubError::NotUtf8 {
                    path: change.path.clone(),
                })?;
            entries.push(json!({
                "path": change.path,
                "mode": "100644",
                "type": "blob",
                "content": content,
            }));
        }
        let base = repo_path(repo);
        let parent_commit: wire::GitCommit = self
            .get(
                "GET /repos/{owner}/{repo}/git/commits/{commit_sha}",
                format!("{base}/git/commits/{parent}"),
            )
            .await?;
        let tree: wire::AnySha = self
            .write(
                Method::POST,
                "POST /repos/{owner}/{repo}/git/trees",
                format!("{base}/git/trees"),
                json!({ "base_tree": parent_commit.tree.sha, "tree": entries }),
            )
            .await?;
        let commit: wire::GitObject = self
            .write(
                Method::POST,
                "POST /repos/{owner}/{repo}/git/commits",
                format!("{base}/git/commits"),
                json!({ "message": message, "tree": tree.sha, "parents": [parent] }),
            )
            .await?;
        Ok(commit.sha)
    }

    async fn open_pull_requests(&self, repo: &RepoName) -> GitHubResult<Vec<PullRequest>> {
        let pulls: Vec<wire::Pull> = self
            .list(
                "GET /repos/{owner}/{repo}/pulls",
                format!("{}/pulls?state=open&", repo_path(repo)),
            )
            .await?;
        Ok(pulls.into_iter().map(Into::into).collect())
    }

    async fn pull_requests_for_branch(
        &self,
        repo: &RepoName,
        branch: &str,
    ) -> GitHubResult<Vec<PullRequest>> {
        let head = format!("{}:{branch}", repo.owner());
        let pulls: Vec<wire::Pull> = self
            .list(
                "GET /repos/{owner}/{repo}/pulls",
                format!(
                    "{}/pulls?state=all&head={}&",
                    repo_path(repo),
                    encode_query(&head)
                ),
            )
            .await?;
        // GitHub matches `head` exactly; the filter guards against a looser server.
        Ok(pulls
            .into_iter()
            .map(PullRequest::from)
            .filter(|pull| pull.head_ref == branch)
            .collect())
    }

    async fn recently_closed_pull_requests(
        &self,
        repo: &RepoName,
    ) -> GitHubResult<Vec<PullRequest>> {
        let pulls: Vec<wire::Pull> = self
            .get(
                "GET /repos/{owner}/{repo}/pulls",
                format!(
                    "{}/pulls?state=closed&sort=updated&direction=desc&per_page=100",
                    repo_path(repo)
                ),
            )
            .await?;
        Ok(pulls.into_iter().map(Into::into).collect())
    }

    async fn pull_request_files(
        &self,
        repo: &RepoName,
        number: PullRequestNumber,
    ) -> GitHubResult<Vec<ChangedFile>> {
        let files: Vec<wire::PullFile> = self
            .list(
                "GET /repos/{owner}/{repo}/pulls/{pull_number}/files",
                format!("{}/pulls/{number}/files?", repo_path(repo)),
            )
            .await?;
        Ok(files.into_iter().map(Into::into).collect())
    }

    async fn pull_request(
        &self,
        repo: &RepoName,
        number: PullRequestNumber,
    ) -> GitHubResult<PullRequest> {
        const ROUTE: &str = "GET /repos/{owner}/{repo}/pulls/{pull_number}";
        let mut call = Call::get(ROUTE, format!("{}/pulls/{number}", repo_path(repo)));
        call.fresh_not_found = true;
        let pull: wire::Pull = json_of(ROUTE, &self.send(call).await?)?;
        Ok(pull.into())
    }

    async fn open_pull_request(
        &self,
        repo: &RepoName,
        pull: &NewPullRequest,
    ) -> GitHubResult<PullRequest> {
        let created: wire::Pull = self
            .write(
                Method::POST,
                "POST /repos/{owner}/{repo}/pulls",
                format!("{}/pulls", repo_path(repo)),
                json!({
                    "title": pull.title,
                    "body": pull.body,
                    "head": pull.head,
                    "base": pull.base,
                    "draft": pull.draft,
                }),
            )
            .await?;
        Ok(created.into())
    }

    async fn edit_pull_request(
        &self,
        repo: &RepoName,
        number: PullRequestNumber,
        title: Option<&str>,
        body: Option<&str>,
    ) -> GitHubResult<()> {
        let mut edit = serde_json::Map::new();
        if let Some(title) = title {
            edit.insert("title".to_owned(), json!(title));
        }
        if let Some(body) = body {
            edit.insert("body".to_owned(), json!(body));
        }
        if edit.is_empty() {
            return Ok(());
        }
        self.write_ignoring_answer(
            Method::PATCH,
            "PATCH /repos/{owner}/{repo}/pulls/{pull_number}",
            format!("{}/pulls/{number}", repo_path(repo)),
            Value::Object(edit),
        )
        .await
    }

    async fn add_labels(
        &self,
        repo: &RepoName,
        number: PullRequestNumber,
        labels: &[String],
    ) -> GitHubResult<()> {
        if labels.is_empty() {
            return Ok(());
        }
        self.write_ignoring_answer(
            Method::POST,
            "POST /repos/{owner}/{repo}/issues/{issue_number}/labels",
            format!("{}/issues/{number}/labels", repo_path(repo)),
            json!({ "labels": labels }),
        )
        .await
    }

    async fn request_reviewers(
        &self,
        repo: &RepoName,
        number: PullRequestNumber,
        users: &[String],
        teams: &[String],
    ) -> GitHubResult<()> {
        if users.is_empty() && teams.is_empty() {
            return Ok(());
        }
        self.write_ignoring_answer(
            Method::POST,
            "POST /repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers",
            format!("{}/pulls/{number}/requested_reviewers", repo_path(repo)),
            json!({ "reviewers": users, "team_reviewers": teams }),
        )
        .await
    }

    async fn issue_comments(
        &self,
        repo: &RepoName,
        number: PullRequestNumber,
    ) -> GitHubResult<Vec<IssueComment>> {
        let comments: Vec<wire::Comment> = self
            .list(
                "GET /repos/{owner}/{repo}/issues/{issue_number}/comments",
                format!("{}/issues/{number}/comments?", repo_path(repo)),
            )
            .await?;
        Ok(comments.into_iter().map(Into::into).collect())
    }

    async fn create_comment(
        &self,
        repo: &RepoName,
        number: PullRequestNumber,
        body: &str,
    ) -> GitHubResult<IssueComment> {
        let comment: wire::Comment = self
            .write(
                Method::POST,
                "POST /repos/{owner}/{repo}/issues/{issue_number}/comments",
                format!("{}/issues/{number}/comments", repo_path(repo)),
                json!({ "body": body }),
            )
            .await?;
        Ok(comment.into())
    }

    async fn update_comment(&self, repo: &RepoName, id: CommentId, body: &str) -> GitHubResult<()> {
        self.write_ignoring_answer(
            Method::PATCH,
            "PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}",
            format!("{}/issues/comments/{id}", repo_path(repo)),
            json!({ "body": body }),
        )
        .await
    }

    async fn delete_comment(&self, repo: &RepoName, id: CommentId) -> GitHubResult<()> {
        self.send(Call::new(
            Method::DELETE,
            "DELETE /repos/{owner}/{repo}/issues/comments/{comment_id}",
            format!("{}/issues/comments/{id}", repo_path(repo)),
            None,
        ))
        .await
        .map(drop)
    }

    async fn reviews(
        &self,
        repo: &RepoName,
        number: PullRequestNumber,
    ) -> GitHubResult<Vec<Review>> {
        let reviews: Vec<wire::ReviewJson> = self
            .list(
                "GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews",
                format!("{}/pulls/{number}/reviews?", repo_path(repo)),
            )
            .await?;
        Ok(reviews.into_iter().map(Into::into).collect())
    }

    async fn combined_status(
        &self,
        repo: &RepoName,
        sha: &CommitSha,
    ) -> GitHubResult<CombinedStatus> {
        let combined: wire::Combined = self
            .get(
                "GET /repos/{owner}/{repo}/commits/{ref}/status",
                format!(
                    "{}/commits/{sha}/status?per_page={PER_PAGE}",
                    repo_path(repo)
                ),
            )
            .await?;
        Ok(CombinedStatus {
            state: combined.state,
            statuses: combined.statuses.into_iter().map(Into::into).collect(),
        })
    }

    async fn statuses(&self, repo: &RepoName, sha: &CommitSha) -> GitHubResult<Vec<CommitStatus>> {
        let statuses: Vec<wire::Status> = self
            .list(
                "GET /repos/{owner}/{repo}/commits/{ref}/statuses",
                format!("{}/commits/{sha}/statuses?", repo_path(repo)),
            )
            .await?;
        Ok(statuses.into_iter().map(Into::into).collect())
    }

    async fn check_runs(
        &self,
        repo: &RepoName,
        sha: &CommitSha,
        name: &str,
    ) -> GitHubResult<Vec<CheckRun>> {
        let checks = paged(
            &self.inner.shared,
            &Auth::Installation(&self.inner),
            "GET /repos/{owner}/{repo}/commits/{ref}/check-runs",
            &format!(
                "{}/commits/{sha}/check-runs?check_name={}&",
                repo_path(repo),
                encode_query(name)
            ),
            |page: wire::CheckRuns| page.check_runs,
        )
        .await?;
        Ok(checks.into_iter().map(Into::into).collect())
    }

    async fn create_check_run(
        &self,
        repo: &RepoName,
        name: &str,
        sha: &CommitSha,
        output: &CheckRunOutput,
    ) -> GitHubResult<CheckRunId> {
        let mut body = check_body(output);
        body["name"] = json!(name);
        body["head_sha"] = json!(sha);
        let created: wire::Id = self
            .write(
                Method::POST,
                "POST /repos/{owner}/{repo}/check-runs",
                format!("{}/check-runs", repo_path(repo)),
                body,
            )
            .await?;
        Ok(CheckRunId(created.id))
    }

    async fn update_check_run(
        &self,
        repo: &RepoName,
        id: CheckRunId,
        output: &CheckRunOutput,
    ) -> GitHubResult<()> {
        self.write_ignoring_answer(
            Method::PATCH,
            "PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}",
            format!("{}/check-runs/{id}", repo_path(repo)),
            check_body(output),
        )
        .await
    }

    async fn branch_protection(
        &self,
        repo: &RepoName,
        branch: &str,
    ) -> GitHubResult<Option<Vec<RequiredCheck>>> {
        let found = self
            .get::<wire::Protection>(
                "GET /repos/{owner}/{repo}/branches/{branch}/protection",
                format!(
                    "{}/branches/{}/protection",
                    repo_path(repo),
                    encode_path(branch)
                ),
            )
            .await;
        match found {
            Ok(protection) => Ok(Some(protection.required_checks())),
            // GitHub's answer for a branch without protection: "Branch not protected".
            Err(GitHubError::NotFound { .. }) => Ok(None),
            Err(error) => Err(error),
        }
    }

    async fn branch_rules(
        &self,
        repo: &RepoName,
        branch: &str,
    ) -> GitHubResult<Vec<RequiredCheck>> {
        let rules: Vec<wire::BranchRule> = self
            .list(
                "GET /repos/{owner}/{repo}/rules/branches/{branch}",
                format!(
                    "{}/rules/branches/{}?",
                    repo_path(repo),
                    encode_path(branch)
                ),
            )
            .await?;
        Ok(rules
            .into_iter()
            .flat_map(wire::BranchRule::required_checks)
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_keep_their_slashes_and_escape_the_rest() {
        assert_eq!(
            encode_path("amiroll/staging/ami-0abc"),
            "amiroll/staging/ami-0abc"
        );
        assert_eq!(encode_path("a b#c?d%"), "a%20b%23c%3Fd%25");
        assert_eq!(encode_path("é"), "%C3%A9");
        assert_eq!(encode_query("amiroll/x y&z"), "amiroll%2Fx+y%26z");
    }

    #[test]
    fn a_completed_check_carries_its_conclusion_and_others_do_not() {
        let done = check_body(&CheckRunOutput {
            status: CheckStatus::Completed,
            conclusion: Some(super::super::types::CheckConclusion::Failure),
            title: "t".into(),
            summary: "s".into(),
        });
        assert_eq!(done["conclusion"], "failure");
        let running = check_body(&CheckRunOutput {
            status: CheckStatus::InProgress,
            conclusion: Some(super::super::types::CheckConclusion::Failure),
            title: "t".into(),
            summary: "s".into(),
        });
        assert!(running.get("conclusion").is_none());
    }
}
