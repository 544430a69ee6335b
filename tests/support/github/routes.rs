//! The REST routes the simulated GitHub answers, with GitHub's JSON shapes, behind one layer that
//! counts calls per route template, injects faults, and checks the bearer (the App JWT on
//! `/app/...`, an installation token elsewhere). Anything else answers 501 and is recorded, so a
//! test can fail on a call amiroll should not make.

// Handlers return the error answer itself as `Err`, axum's idiom; its size does not matter here.
#![allow(clippy::result_large_err)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::extract::{Extension, MatchedPath, Path, Query, Request, State as AxumState};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post};
use base64::Engine as _;
use octocrab::jsonwebtoken::{Algorithm, DecodingKey, Validation, decode};
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::state::{CheckRun, Comment, Files, Pull, Refusal, Repo, Review, State, Status};
use super::webhooks;

/// Shared handle to the state, as axum's state.
#[derive(Clone)]
pub struct Shared {
    pub state: Arc<Mutex<State>>,
    pub key: Arc<DecodingKey>,
    pub prefix: String,
}

/// Who is calling, as established by the bearer.
#[derive(Clone, Copy, Debug)]
enum Caller {
    App,
    Installation(u64),
    /// A route GitHub answers without authentication (the manifest code exchange).
    Anonymous,
}

type Answer = Result<Response, Response>;
type RepoPath = Path<(String, String)>;
type Q = Query<HashMap<String, String>>;

fn error(status: StatusCode, message: &str) -> Response {
    (
        status,
        axum::Json(
            json!({ "message": message, "documentation_url": "https://docs.github.com/rest" }),
        ),
    )
        .into_response()
}

fn not_found() -> Response {
    error(StatusCode::NOT_FOUND, "Not Found")
}

fn ok(value: Value) -> Answer {
    Ok(axum::Json(value).into_response())
}

fn created(value: Value) -> Answer {
    Ok((StatusCode::CREATED, axum::Json(value)).into_response())
}

fn refused(refusal: Refusal) -> Response {
    match refusal {
        Refusal::NotFound => not_found(),
        Refusal::Unprocessable(message) => error(StatusCode::UNPROCESSABLE_ENTITY, &message),
    }
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn timestamp() -> String {
    humantime::format_rfc3339_seconds(SystemTime::now()).to_string()
}

/// Every route the simulation answers, as `METHOD /template`.
const KNOWN_ROUTES: &[&str] = &[
    "GET /app",
    "POST /app-manifests/{code}/conversions",
    "GET /app/installations",
    "POST /app/installations/{installation_id}/access_tokens",
    "GET /app/hook/deliveries",
    "POST /app/hook/deliveries/{delivery_id}/attempts",
    "GET /installation/repositories",
    "GET /repos/{owner}/{repo}",
    "GET /repos/{owner}/{repo}/installation",
    "GET /repos/{owner}/{repo}/branches/{branch}/protection",
    "GET /repos/{owner}/{repo}/rules/branches/{branch}",
    "GET /repos/{owner}/{repo}/contents/{path}",
    "GET /repos/{owner}/{repo}/git/ref/{ref}",
    "POST /repos/{owner}/{repo}/git/refs",
    "PATCH /repos/{owner}/{repo}/git/refs/{ref}",
    "GET /repos/{owner}/{repo}/git/commits/{commit_sha}",
    "POST /repos/{owner}/{repo}/git/commits",
    "POST /repos/{owner}/{repo}/git/trees",
    "GET /repos/{owner}/{repo}/pulls",
    "POST /repos/{owner}/{repo}/pulls",
    "GET /repos/{owner}/{repo}/pulls/{pull_number}",
    "PATCH /repos/{owner}/{repo}/pulls/{pull_number}",
    "GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews",
    "GET /repos/{owner}/{repo}/pulls/{pull_number}/files",
    "POST /repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers",
    "POST /repos/{owner}/{repo}/issues/{issue_number}/labels",
    "GET /repos/{owner}/{repo}/issues/{issue_number}/comments",
    "POST /repos/{owner}/{repo}/issues/{issue_number}/comments",
    "PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}",
    "DELETE /repos/{owner}/{repo}/issues/comments/{comment_id}",
    "GET /repos/{owner}/{repo}/commits/{ref}/status",
    "GET /repos/{owner}/{repo}/commits/{ref}/statuses",
    "GET /repos/{owner}/{repo}/commits/{ref}/check-runs",
    "POST /repos/{owner}/{repo}/check-runs",
    "PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}",
];

/// The router, under `prefix` (empty, or `/api/v3` as on GitHub Enterprise Server).
pub fn router(shared: Shared) -> Router {
    let repo = "/repos/{owner}/{repo}";
    let api = Router::new()
        .route("/app", get(app_info))
        .route(
            "/app-manifests/{code}/conversions",
            post(super::manifests::convert),
        )
        .route("/app/installations", get(installations))
        .route(
            "/app/installations/{installation_id}/access_tokens",
            post(access_token),
        )
        .route("/app/hook/deliveries", get(hook_deliveries))
        .route(
            "/app/hook/deliveries/{delivery_id}/attempts",
            post(redeliver),
        )
        .route("/installation/repositories", get(installation_repositories))
        .route(repo, get(repository))
        .route(&format!("{repo}/installation"), get(repo_installation))
        .route(
            &format!("{repo}/branches/{{branch}}/protection"),
            get(branch_protection),
        )
        .route(
            &format!("{repo}/rules/branches/{{*branch}}"),
            get(branch_rules),
        )
        .route(&format!("{repo}/contents/{{*path}}"), get(contents))
        .route(&format!("{repo}/git/ref/{{*ref}}"), get(git_ref))
        .route(&format!("{repo}/git/refs"), post(create_ref))
        .route(&format!("{repo}/git/refs/{{*ref}}"), patch(update_ref))
        .route(
            &format!("{repo}/git/commits/{{commit_sha}}"),
            get(git_commit),
        )
        .route(&format!("{repo}/git/commits"), post(create_commit))
        .route(&format!("{repo}/git/trees"), post(create_tree))
        .route(&format!("{repo}/pulls"), get(list_pulls).post(create_pull))
        .route(
            &format!("{repo}/pulls/{{pull_number}}"),
            get(get_pull).patch(edit_pull),
        )
        .route(
            &format!("{repo}/pulls/{{pull_number}}/files"),
            get(list_pull_files),
        )
        .route(
            &format!("{repo}/pulls/{{pull_number}}/reviews"),
            get(list_reviews),
        )
        .route(
            &format!("{repo}/pulls/{{pull_number}}/requested_reviewers"),
            post(request_reviewers),
        )
        .route(
            &format!("{repo}/issues/{{issue_number}}/labels"),
            post(add_labels),
        )
        .route(
            &format!("{repo}/issues/{{issue_number}}/comments"),
            get(list_comments).post(create_comment),
        )
        .route(
            &format!("{repo}/issues/comments/{{comment_id}}"),
            patch(update_comment).delete(delete_comment),
        )
        .route(
            &format!("{repo}/commits/{{ref}}/status"),
            get(combined_status),
        )
        .route(
            &format!("{repo}/commits/{{ref}}/statuses"),
            get(list_statuses),
        )
        .route(
            &format!("{repo}/commits/{{ref}}/check-runs"),
            get(list_check_runs),
        )
        .route(&format!("{repo}/check-runs"), post(create_check_run))
        .route(
            &format!("{repo}/check-runs/{{check_run_id}}"),
            patch(update_check_run),
        )
        .route_layer(middleware::from_fn_with_state(shared.clone(), gatekeeper));
    let router = if shared.prefix.is_empty() {
        api
    } else {
        Router::new().nest(&shared.prefix, api)
    };
    router.fallback(unexpected).with_state(shared)
}

/// Any route the simulation does not know: recorded, answered 501.
async fn unexpected(
    AxumState(shared): AxumState<Shared>,
    method: Method,
    request: Request,
) -> Response {
    let call = format!("{method} {}", request.uri());
    if let Ok(mut state) = shared.state.lock() {
        state.unexpected.push(call.clone());
    }
    error(
        StatusCode::NOT_IMPLEMENTED,
        &format!("the simulated GitHub does not know {call}"),
    )
}

/// Counts the call, injects a pending fault, checks the bearer, adds rate-limit headers.
async fn gatekeeper(
    AxumState(shared): AxumState<Shared>,
    mut request: Request,
    next: Next,
) -> Response {
    let template = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_default();
    let template = template
        .strip_prefix(shared.prefix.as_str())
        .unwrap_or(&template)
        .replace("{*", "{");
    let route = format!("{} {template}", request.method());
    if !KNOWN_ROUTES.contains(&route.as_str()) {
        // The path matched but not the method (axum would answer 405).
        return unexpected(AxumState(shared), request.method().clone(), request).await;
    }
    let bearer = request
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("token "))
        })
        .map(str::to_owned);
    let (caller, used) = {
        let Ok(mut state) = shared.state.lock() else {
            return error(StatusCode::INTERNAL_SERVER_ERROR, "poisoned");
        };
        *state.counters.entry(route.clone()).or_default() += 1;
        let used = state.counters.values().sum::<usize>();
        if let Some(fault) = state.take_fault(&route) {
            return fault.response();
        }
        let as_app = template == "/app"
            || template.starts_with("/app/")
            || template == "/repos/{owner}/{repo}/installation";
        let caller = match (as_app, bearer) {
            _ if template == "/app-manifests/{code}/conversions" => Caller::Anonymous,
            (_, None) => return error(StatusCode::UNAUTHORIZED, "Requires authentication"),
            (true, Some(jwt)) => match verify_jwt(&shared.key, &jwt, &mut state) {
                Some(()) => Caller::App,
                None => {
                    return error(
                        StatusCode::UNAUTHORIZED,
                        "A JSON web token could not be decoded",
                    );
                }
            },
            (false, Some(token)) => match state.tokens.get(&token) {
                Some((installation, expires)) if *expires > SystemTime::now() => {
                    Caller::Installation(*installation)
                }
                _ => return error(StatusCode::UNAUTHORIZED, "Bad credentials"),
            },
        };
        (caller, used)
    };
    request.extensions_mut().insert(caller);
    let if_none_match = request
        .headers()
        .get("if-none-match")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let writes = request.method() != Method::GET;
    let latency = if writes {
        let Ok(mut state) = shared.state.lock() else {
            return error(StatusCode::INTERNAL_SERVER_ERROR, "poisoned");
        };
        state.writes_in_flight += 1;
        state.max_writes_in_flight = state.max_writes_in_flight.max(state.writes_in_flight);
        state.write_latency
    } else {
        Duration::ZERO
    };
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let mut response = next.run(request).await;
    if writes && let Ok(mut state) = shared.state.lock() {
        state.writes_in_flight -= 1;
    }
    if !writes && response.status() == StatusCode::OK {
        response = conditional(&shared, response, if_none_match.as_deref()).await;
    }
    let headers = response.headers_mut();
    headers.insert("x-ratelimit-limit", HeaderValue::from(5000u64));
    headers.insert(
        "x-ratelimit-remaining",
        HeaderValue::from(5000u64.saturating_sub(used as u64)),
    );
    headers.insert("x-ratelimit-reset", HeaderValue::from(now_secs() + 3600));
    response
}

/// Gives a GET answer its `ETag` (a hash of the body), and answers `304 Not Modified` without a
/// body when the caller already holds it.
async fn conditional(shared: &Shared, response: Response, if_none_match: Option<&str>) -> Response {
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return error(StatusCode::INTERNAL_SERVER_ERROR, "unreadable body");
    };
    let etag = format!("W/\"{}\"", hex::encode(Sha256::digest(&bytes)));
    if if_none_match == Some(etag.as_str()) {
        if let Ok(mut state) = shared.state.lock() {
            state.not_modified += 1;
        }
        let mut answer = StatusCode::NOT_MODIFIED.into_response();
        answer.headers_mut().insert(
            "etag",
            HeaderValue::from_str(&etag).unwrap_or(HeaderValue::from_static("x")),
        );
        return answer;
    }
    if let Ok(value) = HeaderValue::from_str(&etag) {
        parts.headers.insert("etag", value);
    }
    Response::from_parts(parts, axum::body::Body::from(bytes))
}

/// Checks an App JWT as GitHub does: RS256 by the App's key, `iss` the App id, unexpired, issued
/// in the past, living at most ten minutes.
fn verify_jwt(key: &DecodingKey, jwt: &str, state: &mut State) -> Option<()> {
    #[derive(Deserialize)]
    struct Claims {
        iss: Value,
        iat: u64,
        exp: u64,
    }
    let mut validation = Validation::new(Algorithm::RS256);
    // `iss` is a number for GitHub Apps, which jsonwebtoken's own `iss` check does not read.
    validation.set_required_spec_claims(&["exp", "iat"]);
    validation.leeway = 0;
    let claims = decode::<Claims>(jwt, key, &validation).ok()?.claims;
    let iss = match &claims.iss {
        Value::Number(n) => n.as_u64()?,
        Value::String(s) => s.parse().ok()?,
        _ => return None,
    };
    let now = now_secs();
    let fine = iss == state.app_id
        && claims.iat <= now
        && claims.exp > now
        && claims.exp - claims.iat <= 600;
    fine.then(|| state.last_jwt = Some((iss, claims.iat, claims.exp)))
}

/// Runs `f` on the repository `owner/name` if the caller's installation may see it.
fn with_repo<T>(
    shared: &Shared,
    caller: Caller,
    owner: &str,
    name: &str,
    f: impl FnOnce(&mut State, &str) -> Result<T, Response>,
) -> Result<T, Response> {
    let mut state = shared
        .state
        .lock()
        .map_err(|_| error(StatusCode::INTERNAL_SERVER_ERROR, "poisoned"))?;
    let full = format!("{owner}/{name}");
    let visible = match (caller, state.repos.get(&full)) {
        (Caller::Installation(id), Some(repo)) => repo.installation == id,
        _ => false,
    };
    if !visible {
        return Err(not_found());
    }
    f(&mut state, &full)
}

fn repo_mut<'a>(state: &'a mut State, full: &str) -> Result<&'a mut Repo, Response> {
    state.repos.get_mut(full).ok_or_else(not_found)
}

fn paginate<T: Clone>(items: &[T], query: &HashMap<String, String>) -> Vec<T> {
    let per_page = query
        .get("per_page")
        .and_then(|v| v.parse().ok())
        .unwrap_or(30usize)
        .clamp(1, 100);
    let page = query
        .get("page")
        .and_then(|v| v.parse().ok())
        .unwrap_or(1usize)
        .max(1);
    items
        .iter()
        .skip((page - 1) * per_page)
        .take(per_page)
        .cloned()
        .collect()
}

pub fn user(login: &str) -> Value {
    let kind = if login.ends_with("[bot]") {
        "Bot"
    } else {
        "User"
    };
    json!({ "login": login, "id": login.len(), "type": kind })
}

pub fn repo_json(repo: &Repo) -> Value {
    let (owner, name) = repo.full_name.split_once('/').unwrap_or(("", ""));
    json!({
        "id": repo.id, "name": name, "full_name": repo.full_name, "private": true,
        "owner": user(owner), "default_branch": repo.default_branch, "archived": repo.archived,
        "html_url": format!("https://github.com/{}", repo.full_name),
    })
}

/// A pull request as GitHub shows it; lists leave out `merged` and `mergeable*`.
pub fn pull_json(full: &str, pull: &Pull, base_sha: &str, single: bool) -> Value {
    let mut value = json!({
        "id": pull.number + 10_000_000, "number": pull.number, "title": pull.title, "body": pull.body,
        "state": if pull.open { "open" } else { "closed" }, "draft": pull.draft, "user": user(&pull.user),
        "head": { "ref": pull.head_ref, "sha": pull.head_sha, "label": format!("x:{}", pull.head_ref), "repo": { "full_name": full } },
        "base": { "ref": pull.base_ref, "sha": base_sha, "repo": { "full_name": full } },
        "merged_at": if pull.merged { Value::from(timestamp()) } else { Value::Null },
        "merge_commit_sha": pull.merge_commit_sha,
        "labels": pull.labels.iter().map(|l| json!({ "name": l })).collect::<Vec<_>>(),
        "requested_reviewers": pull.requested_reviewers.iter().map(|l| user(l)).collect::<Vec<_>>(),
        "requested_teams": pull.requested_teams.iter().map(|t| json!({ "slug": t })).collect::<Vec<_>>(),
        "html_url": format!("https://github.com/{full}/pull/{}", pull.number),
    });
    if single {
        value["merged"] = json!(pull.merged);
        value["mergeable_state"] = json!(pull.mergeable_state);
        value["mergeable"] = json!(pull.mergeable_state.as_ref().map(|s| s != "dirty"));
    }
    value
}

pub fn comment_json(full: &str, comment: &Comment) -> Value {
    json!({
        "id": comment.id, "user": user(&comment.user), "body": comment.body,
        "html_url": format!("https://github.com/{full}/pull/{}#issuecomment-{}", comment.issue, comment.id),
        "created_at": timestamp(), "updated_at": timestamp(),
    })
}

pub fn review_json(review: &Review) -> Value {
    json!({ "id": review.id, "user": user(&review.user), "state": review.state, "commit_id": review.commit_id, "submitted_at": timestamp() })
}

fn status_json(status: &Status) -> Value {
    json!({
        "id": status.id, "context": status.context, "state": status.state, "description": status.description,
        "target_url": status.target_url, "creator": user(&status.creator), "created_at": timestamp(),
    })
}

pub fn check_json(check: &CheckRun) -> Value {
    json!({
        "id": check.id, "name": check.name, "head_sha": check.head_sha, "status": check.status,
        "conclusion": check.conclusion,
        "output": { "title": check.title, "summary": check.summary },
        "app": { "slug": check.app_slug },
    })
}

async fn app_info(AxumState(shared): AxumState<Shared>) -> Answer {
    let state = shared.state.lock().map_err(|_| not_found())?;
    ok(json!({
        "id": state.app_id, "slug": state.app_slug, "name": "amiroll", "owner": user("acme"),
        "events": ["pull_request", "status", "check_run", "issue_comment"],
    }))
}

async fn installations(AxumState(shared): AxumState<Shared>, Query(q): Q) -> Answer {
    let state = shared.state.lock().map_err(|_| not_found())?;
    let all: Vec<Value> = state
        .installations
        .iter()
        .map(|(id, i)| json!({ "id": id, "app_id": state.app_id, "account": user(&i.account), "target_type": "Organization" }))
        .collect();
    ok(Value::Array(paginate(&all, &q)))
}

async fn access_token(AxumState(shared): AxumState<Shared>, Path(id): Path<u64>) -> Answer {
    let mut state = shared.state.lock().map_err(|_| not_found())?;
    if !state.installations.contains_key(&id) {
        return Err(not_found());
    }
    let (token, expires) = state.mint_token(id);
    created(json!({
        "token": token,
        "expires_at": humantime::format_rfc3339_seconds(expires).to_string(),
        "permissions": { "contents": "write", "pull_requests": "write", "checks": "write", "issues": "write", "statuses": "read" },
        "repository_selection": "selected",
    }))
}

async fn hook_deliveries(AxumState(shared): AxumState<Shared>, Query(q): Q) -> Answer {
    let state = shared.state.lock().map_err(|_| not_found())?;
    let newest_first: Vec<Value> = state
        .deliveries
        .iter()
        .rev()
        .map(|d| {
            json!({
                "id": d.id, "guid": d.guid, "delivered_at": timestamp(), "redelivery": d.redelivery,
                "duration": 0.1, "status": if (200..300).contains(&d.status_code) { "OK" } else { "Invalid HTTP Response" },
                "status_code": d.status_code, "event": d.event, "action": d.action,
            })
        })
        .collect();
    ok(Value::Array(paginate(&newest_first, &q)))
}

async fn redeliver(AxumState(shared): AxumState<Shared>, Path(id): Path<u64>) -> Answer {
    let mut state = shared.state.lock().map_err(|_| not_found())?;
    let Some(original) = state.deliveries.iter().find(|d| d.id == id).cloned() else {
        return Err(not_found());
    };
    state.redelivery_requests.push(id);
    match (&state.webhook_target, &original.body) {
        // Delivered again, with the same GUID, by the next `deliver_webhooks`.
        (Some(_), Some(body)) => {
            let pending = webhooks::Pending {
                guid: original.guid.clone(),
                event: original.event.clone(),
                action: original.action.clone(),
                body: body.clone(),
                redelivery: true,
            };
            state.pending_webhooks.push_back(pending);
        }
        _ => {
            let new_id = state.id();
            state.deliveries.push(super::state::Delivery {
                id: new_id,
                redelivery: true,
                status_code: 202,
                ..original
            });
        }
    }
    Ok((StatusCode::ACCEPTED, axum::Json(json!({}))).into_response())
}

async fn installation_repositories(
    AxumState(shared): AxumState<Shared>,
    Extension(caller): Extension<Caller>,
    Query(q): Q,
) -> Answer {
    let Caller::Installation(id) = caller else {
        return Err(error(StatusCode::FORBIDDEN, "needs an installation token"));
    };
    let state = shared.state.lock().map_err(|_| not_found())?;
    let repos: Vec<Value> = state
        .repos
        .values()
        .filter(|r| r.installation == id)
        .map(repo_json)
        .collect();
    ok(json!({ "total_count": repos.len(), "repositories": paginate(&repos, &q) }))
}

async fn repository(
    AxumState(shared): AxumState<Shared>,
    Extension(caller): Extension<Caller>,
    Path((owner, name)): RepoPath,
) -> Answer {
    let value = with_repo(&shared, caller, &owner, &name, |state, full| {
        Ok(repo_json(repo_mut(state, full)?))
    })?;
    ok(value)
}

async fn contents(
    AxumState(shared): AxumState<Shared>,
    Extension(caller): Extension<Caller>,
    Path((owner, name, path)): Path<(String, String, String)>,
    Query(q): Q,
) -> Answer {
    let value = with_repo(&shared, caller, &owner, &name, |state, full| {
        let repo = repo_mut(state, full)?;
        let git_ref = q
            .get("ref")
            .cloned()
            .unwrap_or_else(|| repo.default_branch.clone());
        let sha = repo.resolve(&git_ref).ok_or_else(not_found)?;
        let files = repo.files_at_commit(&sha).ok_or_else(not_found)?;
        if let Some(bytes) = files.get(&path) {
            let encoded = base64::engine::general_purpose::STANDARD.encode(bytes);
            // GitHub wraps the base64 at 60 columns.
            let wrapped: Vec<String> = encoded
                .as_bytes()
                .chunks(60)
                .map(|c| String::from_utf8_lossy(c).into_owned())
                .collect();
            return Ok(json!({
                "type": "file", "encoding": "base64", "size": bytes.len(), "path": path,
                "name": path.rsplit('/').next().unwrap_or(&path), "sha": format!("{:040x}", bytes.len()),
                "content": format!("{}\n", wrapped.join("\n")),
            }));
        }
        let prefix = format!("{}/", path.trim_end_matches('/'));
        let entries: Vec<Value> = files
            .keys()
            .filter(|p| p.starts_with(&prefix))
            .map(
                |p| json!({ "type": "file", "path": p, "name": p.rsplit('/').next().unwrap_or(p) }),
            )
            .collect();
        if entries.is_empty() {
            Err(not_found())
        } else {
            Ok(Value::Array(entries))
        }
    })?;
    ok(value)
}

async fn git_ref(
    AxumState(shared): AxumState<Shared>,
    Extension(caller): Extension<Caller>,
    Path((owner, name, reference)): Path<(String, String, String)>,
) -> Answer {
    let value = with_repo(&shared, caller, &owner, &name, |state, full| {
        let repo = repo_mut(state, full)?;
        let branch = reference.strip_prefix("heads/").ok_or_else(not_found)?;
        let sha = repo.branches.get(branch).ok_or_else(not_found)?;
        Ok(
            json!({ "ref": format!("refs/heads/{branch}"), "object": { "sha": sha, "type": "commit" } }),
        )
    })?;
    ok(value)
}

#[derive(Deserialize)]
struct NewRef {
    #[serde(rename = "ref")]
    reference: String,
    sha: String,
}

async fn create_ref(
    AxumState(shared): AxumState<Shared>,
    Extension(caller): Extension<Caller>,
    Path((owner, name)): RepoPath,
    axum::Json(body): axum::Json<NewRef>,
) -> Answer {
    let value = with_repo(&shared, caller, &owner, &name, |state, full| {
        let repo = repo_mut(state, full)?;
        let branch = body.reference.strip_prefix("refs/heads/").ok_or_else(|| {
            error(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Reference name must start with refs/heads/",
            )
        })?;
        if repo.branches.contains_key(branch) {
            return Err(error(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Reference already exists",
            ));
        }
        if !repo.commits.contains_key(&body.sha) {
            return Err(error(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Object does not exist",
            ));
        }
        repo.branches.insert(branch.to_owned(), body.sha.clone());
        let (branch, bot) = (branch.to_owned(), state.bot_login());
        webhooks::push(state, full, &branch, None, &body.sha, false, &bot);
        Ok(json!({ "ref": body.reference, "object": { "sha": body.sha, "type": "commit" } }))
    })?;
    created(value)
}

#[derive(Deserialize)]
struct MoveRef {
    sha: String,
    #[serde(default)]
    force: bool,
}

async fn update_ref(
    AxumState(shared): AxumState<Shared>,
    Extension(caller): Extension<Caller>,
    Path((owner, name, reference)): Path<(String, String, String)>,
    axum::Json(body): axum::Json<MoveRef>,
) -> Answer {
    let value = with_repo(&shared, caller, &owner, &name, |state, full| {
        let repo = repo_mut(state, full)?;
        let branch = reference.strip_prefix("heads/").ok_or_else(not_found)?;
        let current =
            repo.branches.get(branch).cloned().ok_or_else(|| {
                error(StatusCode::UNPROCESSABLE_ENTITY, "Reference does not exist")
            })?;
        if !repo.commits.contains_key(&body.sha) {
            return Err(error(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Object does not exist",
            ));
        }
        if !body.force && !repo.descends_from(&body.sha, &current) {
            return Err(error(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Update is not a fast forward",
            ));
        }
        repo.branches.insert(branch.to_owned(), body.sha.clone());
        repo.refresh_heads();
        let bot = state.bot_login();
        webhooks::push(
            state,
            full,
            branch,
            Some(&current),
            &body.sha,
            body.force,
            &bot,
        );
        webhooks::synchronize(state, full, branch, &bot);
        Ok(
            json!({ "ref": format!("refs/heads/{branch}"), "object": { "sha": body.sha, "type": "commit" } }),
        )
    })?;
    ok(value)
}

async fn git_commit(
    AxumState(shared): AxumState<Shared>,
    Extension(caller): Extension<Caller>,
    Path((owner, name, sha)): Path<(String, String, String)>,
) -> Answer {
    let value = with_repo(&shared, caller, &owner, &name, |state, full| {
        let repo = repo_mut(state, full)?;
        let commit = repo.commits.get(&sha).ok_or_else(not_found)?;
        Ok(json!({
            "sha": sha, "message": commit.message, "tree": { "sha": commit.tree },
            "parents": commit.parents.iter().map(|p| json!({ "sha": p })).collect::<Vec<_>>(),
        }))
    })?;
    ok(value)
}

#[derive(Deserialize)]
struct NewTree {
    #[serde(default)]
    base_tree: Option<String>,
    tree: Vec<TreeEntry>,
}

#[derive(Deserialize)]
struct TreeEntry {
    path: String,
    #[serde(default)]
    content: Option<String>,
    /// Present and `null` deletes the path.
    #[serde(default)]
    sha: Option<Option<String>>,
}

async fn create_tree(
    AxumState(shared): AxumState<Shared>,
    Extension(caller): Extension<Caller>,
    Path((owner, name)): RepoPath,
    axum::Json(body): axum::Json<NewTree>,
) -> Answer {
    let value = with_repo(&shared, caller, &owner, &name, |state, full| {
        let repo = repo_mut(state, full)?;
        let mut files: Files = match &body.base_tree {
            Some(base) => repo.trees.get(base).cloned().ok_or_else(|| {
                error(StatusCode::UNPROCESSABLE_ENTITY, "base_tree is not a tree")
            })?,
            None => Files::new(),
        };
        for entry in &body.tree {
            match (&entry.content, &entry.sha) {
                (Some(content), _) => {
                    files.insert(entry.path.clone(), content.as_bytes().to_vec());
                }
                (None, Some(None)) => {
                    files.remove(&entry.path);
                }
                _ => {
                    return Err(error(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "the simulation only takes inline content",
                    ));
                }
            }
        }
        let sha = state.store_tree(full, files);
        Ok(json!({ "sha": sha, "truncated": false }))
    })?;
    created(value)
}

#[derive(Deserialize)]
struct NewCommit {
    message: String,
    tree: String,
    #[serde(default)]
    parents: Vec<String>,
}

async fn create_commit(
    AxumState(shared): AxumState<Shared>,
    Extension(caller): Extension<Caller>,
    Path((owner, name)): RepoPath,
    axum::Json(body): axum::Json<NewCommit>,
) -> Answer {
    let value = with_repo(&shared, caller, &owner, &name, |state, full| {
        let repo = repo_mut(state, full)?;
        if !repo.trees.contains_key(&body.tree)
            || body.parents.iter().any(|p| !repo.commits.contains_key(p))
        {
            return Err(error(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Tree or parent does not exist",
            ));
        }
        let sha = state.store_commit(full, body.tree.clone(), body.parents.clone(), &body.message);
        Ok(json!({ "sha": sha, "message": body.message, "tree": { "sha": body.tree } }))
    })?;
    created(value)
}

async fn list_pulls(
    AxumState(shared): AxumState<Shared>,
    Extension(caller): Extension<Caller>,
    Path((owner, name)): RepoPath,
    Query(q): Q,
) -> Answer {
    let value = with_repo(&shared, caller, &owner, &name, |state, full| {
        let repo = repo_mut(state, full)?;
        repo.refresh_heads();
        let wanted = q.get("state").map(String::as_str).unwrap_or("open");
        // `head` is `owner:branch`; the simulation has no forks, so the owner must be this one.
        let head = q.get("head").map(|h| match h.split_once(':') {
            Some((o, branch)) if o == owner => branch.to_owned(),
            _ => String::new(),
        });
        // GitHub lists newest first.
        let all: Vec<Value> = repo
            .pulls
            .values()
            .rev()
            .filter(|p| wanted == "all" || (wanted == "open") == p.open)
            .filter(|p| head.as_ref().is_none_or(|h| &p.head_ref == h))
            .map(|p| {
                pull_json(
                    full,
                    p,
                    repo.branches
                        .get(&p.base_ref)
                        .map(String::as_str)
                        .unwrap_or(""),
                    false,
                )
            })
            .collect();
        Ok(Value::Array(paginate(&all, &q)))
    })?;
    ok(value)
}

fn one_pull(state: &mut State, full: &str, number: u64) -> Result<Value, Response> {
    let repo = repo_mut(state, full)?;
    repo.refresh_heads();
    let pull = repo.pulls.get(&number).ok_or_else(not_found)?;
    Ok(pull_json(
        full,
        pull,
        repo.branches
            .get(&pull.base_ref)
            .map(String::as_str)
            .unwrap_or(""),
        true,
    ))
}

async fn get_pull(
    AxumState(shared): AxumState<Shared>,
    Extension(caller): Extension<Caller>,
    Path((owner, name, number)): Path<(String, String, u64)>,
) -> Answer {
    ok(with_repo(&shared, caller, &owner, &name, |state, full| {
        one_pull(state, full, number)
    })?)
}

#[derive(Deserialize)]
struct NewPull {
    title: String,
    head: String,
    base: String,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    draft: bool,
}

async fn create_pull(
    AxumState(shared): AxumState<Shared>,
    Extension(caller): Extension<Caller>,
    Path((owner, name)): RepoPath,
    axum::Json(body): axum::Json<NewPull>,
) -> Answer {
    let value = with_repo(&shared, caller, &owner, &name, |state, full| {
        let author = state.bot_login();
        let number = open_pull(
            state,
            full,
            &author,
            &body.head,
            &body.base,
            &body.title,
            body.body.as_deref().unwrap_or(""),
            body.draft,
        )
        .map_err(refused)?;
        webhooks::pull_request(state, full, number, "opened", &author);
        one_pull(state, full, number)
    })?;
    created(value)
}

/// Opens a pull request as `author` (the API's and the test helpers' shared path).
#[allow(clippy::too_many_arguments)]
pub fn open_pull(
    state: &mut State,
    full: &str,
    author: &str,
    head: &str,
    base: &str,
    title: &str,
    body: &str,
    draft: bool,
) -> Result<u64, Refusal> {
    let repo = state.repos.get_mut(full).ok_or(Refusal::NotFound)?;
    let head_sha = repo
        .branches
        .get(head)
        .cloned()
        .ok_or_else(|| Refusal::Unprocessable(format!("head: {head} does not exist")))?;
    let base_sha = repo
        .branches
        .get(base)
        .cloned()
        .ok_or_else(|| Refusal::Unprocessable(format!("base: {base} does not exist")))?;
    if repo
        .pulls
        .values()
        .any(|p| p.open && p.head_ref == head && p.base_ref == base)
    {
        return Err(Refusal::Unprocessable(format!(
            "A pull request already exists for {head}."
        )));
    }
    repo.next_number += 1;
    let number = repo.next_number;
    repo.pulls.insert(
        number,
        Pull {
            number,
            title: title.to_owned(),
            body: body.to_owned(),
            user: author.to_owned(),
            head_ref: head.to_owned(),
            head_sha,
            base_ref: base.to_owned(),
            base_sha,
            open: true,
            draft,
            merged: false,
            merge_commit_sha: None,
            mergeable_state: None,
            labels: Vec::new(),
            requested_reviewers: Vec::new(),
            requested_teams: Vec::new(),
            reviews: Vec::new(),
        },
    );
    Ok(number)
}

#[derive(Deserialize)]
struct EditPull {
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    body: Option<String>,
}

async fn edit_pull(
    AxumState(shared): AxumState<Shared>,
    Extension(caller): Extension<Caller>,
    Path((owner, name, number)): Path<(String, String, u64)>,
    axum::Json(body): axum::Json<EditPull>,
) -> Answer {
    ok(with_repo(&shared, caller, &owner, &name, |state, full| {
        let repo = repo_mut(state, full)?;
        let pull = repo.pulls.get_mut(&number).ok_or_else(not_found)?;
        if let Some(title) = body.title {
            pull.title = title;
        }
        if let Some(text) = body.body {
            pull.body = text;
        }
        let bot = state.bot_login();
        webhooks::pull_request(state, full, number, "edited", &bot);
        one_pull(state, full, number)
    })?)
}

async fn list_pull_files(
    AxumState(shared): AxumState<Shared>,
    Extension(caller): Extension<Caller>,
    Path((owner, name, number)): Path<(String, String, u64)>,
    Query(q): Q,
) -> Answer {
    ok(with_repo(&shared, caller, &owner, &name, |state, full| {
        let repo = repo_mut(state, full)?;
        repo.refresh_heads();
        let pull = repo.pulls.get(&number).ok_or_else(not_found)?;
        let before = repo.files_at_commit(&pull.base_sha).unwrap_or_default();
        let after = repo.files_at_commit(&pull.head_sha).unwrap_or_default();
        let mut changed = Vec::new();
        for (path, content) in &after {
            match before.get(path) {
                None => changed.push(json!({ "filename": path, "status": "added" })),
                Some(old) if old != content => {
                    changed.push(json!({ "filename": path, "status": "modified" }));
                }
                Some(_) => {}
            }
        }
        for path in before.keys().filter(|p| !after.contains_key(*p)) {
            changed.push(json!({ "filename": path, "status": "removed" }));
        }
        Ok(Value::Array(paginate(&changed, &q)))
    })?)
}

async fn list_reviews(
    AxumState(shared): AxumState<Shared>,
    Extension(caller): Extension<Caller>,
    Path((owner, name, number)): Path<(String, String, u64)>,
    Query(q): Q,
) -> Answer {
    ok(with_repo(&shared, caller, &owner, &name, |state, full| {
        let repo = repo_mut(state, full)?;
        let pull = repo.pulls.get(&number).ok_or_else(not_found)?;
        let all: Vec<Value> = pull.reviews.iter().map(review_json).collect();
        Ok(Value::Array(paginate(&all, &q)))
    })?)
}

#[derive(Deserialize)]
struct Reviewers {
    #[serde(default)]
    reviewers: Vec<String>,
    #[serde(default)]
    team_reviewers: Vec<String>,
}

async fn request_reviewers(
    AxumState(shared): AxumState<Shared>,
    Extension(caller): Extension<Caller>,
    Path((owner, name, number)): Path<(String, String, u64)>,
    axum::Json(body): axum::Json<Reviewers>,
) -> Answer {
    let value = with_repo(&shared, caller, &owner, &name, |state, full| {
        let repo = repo_mut(state, full)?;
        let pull = repo.pulls.get_mut(&number).ok_or_else(not_found)?;
        for login in body.reviewers {
            if login == pull.user {
                return Err(error(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "Review cannot be requested from pull request author.",
                ));
            }
            if !pull.requested_reviewers.contains(&login) {
                pull.requested_reviewers.push(login);
            }
        }
        for team in body.team_reviewers {
            if !pull.requested_teams.contains(&team) {
                pull.requested_teams.push(team);
            }
        }
        one_pull(state, full, number)
    })?;
    created(value)
}

#[derive(Deserialize)]
struct Labels {
    labels: Vec<String>,
}

async fn add_labels(
    AxumState(shared): AxumState<Shared>,
    Extension(caller): Extension<Caller>,
    Path((owner, name, number)): Path<(String, String, u64)>,
    axum::Json(body): axum::Json<Labels>,
) -> Answer {
    ok(with_repo(&shared, caller, &owner, &name, |state, full| {
        let repo = repo_mut(state, full)?;
        let pull = repo.pulls.get_mut(&number).ok_or_else(not_found)?;
        for label in body.labels {
            if !pull.labels.contains(&label) {
                pull.labels.push(label);
            }
        }
        Ok(Value::Array(
            pull.labels.iter().map(|l| json!({ "name": l })).collect(),
        ))
    })?)
}

async fn list_comments(
    AxumState(shared): AxumState<Shared>,
    Extension(caller): Extension<Caller>,
    Path((owner, name, number)): Path<(String, String, u64)>,
    Query(q): Q,
) -> Answer {
    ok(with_repo(&shared, caller, &owner, &name, |state, full| {
        let repo = repo_mut(state, full)?;
        if !repo.pulls.contains_key(&number) {
            return Err(not_found());
        }
        let all: Vec<Value> = repo
            .comments
            .iter()
            .filter(|c| c.issue == number)
            .map(|c| comment_json(full, c))
            .collect();
        Ok(Value::Array(paginate(&all, &q)))
    })?)
}

#[derive(Deserialize)]
struct CommentBody {
    body: String,
}

async fn create_comment(
    AxumState(shared): AxumState<Shared>,
    Extension(caller): Extension<Caller>,
    Path((owner, name, number)): Path<(String, String, u64)>,
    axum::Json(body): axum::Json<CommentBody>,
) -> Answer {
    let value = with_repo(&shared, caller, &owner, &name, |state, full| {
        let author = state.bot_login();
        let id = state.id();
        let repo = repo_mut(state, full)?;
        if !repo.pulls.contains_key(&number) {
            return Err(not_found());
        }
        let comment = Comment {
            id,
            issue: number,
            user: author,
            body: body.body,
        };
        let value = comment_json(full, &comment);
        repo.comments.push(comment.clone());
        webhooks::issue_comment(state, full, &comment, "created");
        Ok(value)
    })?;
    created(value)
}

async fn update_comment(
    AxumState(shared): AxumState<Shared>,
    Extension(caller): Extension<Caller>,
    Path((owner, name, id)): Path<(String, String, u64)>,
    axum::Json(body): axum::Json<CommentBody>,
) -> Answer {
    ok(with_repo(&shared, caller, &owner, &name, |state, full| {
        let repo = repo_mut(state, full)?;
        let comment = repo
            .comments
            .iter_mut()
            .find(|c| c.id == id)
            .ok_or_else(not_found)?;
        comment.body = body.body;
        let (value, comment) = (comment_json(full, comment), comment.clone());
        webhooks::issue_comment(state, full, &comment, "edited");
        Ok(value)
    })?)
}

async fn delete_comment(
    AxumState(shared): AxumState<Shared>,
    Extension(caller): Extension<Caller>,
    Path((owner, name, id)): Path<(String, String, u64)>,
) -> Answer {
    with_repo(&shared, caller, &owner, &name, |state, full| {
        let repo = repo_mut(state, full)?;
        let before = repo.comments.len();
        repo.comments.retain(|c| c.id != id);
        if repo.comments.len() == before {
            return Err(not_found());
        }
        Ok(())
    })?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

fn statuses_of(repo: &Repo, git_ref: &str) -> Result<(String, Vec<Status>), Response> {
    let sha = repo
        .resolve(git_ref)
        .ok_or_else(|| error(StatusCode::UNPROCESSABLE_ENTITY, "No commit found for SHA"))?;
    Ok((
        sha.clone(),
        repo.statuses.get(&sha).cloned().unwrap_or_default(),
    ))
}

async fn combined_status(
    AxumState(shared): AxumState<Shared>,
    Extension(caller): Extension<Caller>,
    Path((owner, name, git_ref)): Path<(String, String, String)>,
) -> Answer {
    ok(with_repo(&shared, caller, &owner, &name, |state, full| {
        let (sha, all) = statuses_of(repo_mut(state, full)?, &git_ref)?;
        let mut latest: Vec<Status> = Vec::new();
        for status in all.iter().rev() {
            if !latest.iter().any(|s| s.context == status.context) {
                latest.push(status.clone());
            }
        }
        let overall = if latest
            .iter()
            .any(|s| s.state == "failure" || s.state == "error")
        {
            "failure"
        } else if latest.is_empty() || latest.iter().any(|s| s.state == "pending") {
            "pending"
        } else {
            "success"
        };
        Ok(json!({
            "state": overall, "sha": sha, "total_count": latest.len(),
            "statuses": latest.iter().map(status_json).collect::<Vec<_>>(),
        }))
    })?)
}

async fn list_statuses(
    AxumState(shared): AxumState<Shared>,
    Extension(caller): Extension<Caller>,
    Path((owner, name, git_ref)): Path<(String, String, String)>,
    Query(q): Q,
) -> Answer {
    ok(with_repo(&shared, caller, &owner, &name, |state, full| {
        let (_, all) = statuses_of(repo_mut(state, full)?, &git_ref)?;
        let newest_first: Vec<Value> = all.iter().rev().map(status_json).collect();
        Ok(Value::Array(paginate(&newest_first, &q)))
    })?)
}

async fn list_check_runs(
    AxumState(shared): AxumState<Shared>,
    Extension(caller): Extension<Caller>,
    Path((owner, name, git_ref)): Path<(String, String, String)>,
    Query(q): Q,
) -> Answer {
    ok(with_repo(&shared, caller, &owner, &name, |state, full| {
        let repo = repo_mut(state, full)?;
        let sha = repo
            .resolve(&git_ref)
            .ok_or_else(|| error(StatusCode::UNPROCESSABLE_ENTITY, "No commit found for SHA"))?;
        let wanted = q.get("check_name");
        let all: Vec<Value> = repo
            .check_runs
            .iter()
            .rev()
            .filter(|c| c.head_sha == sha && wanted.is_none_or(|n| &c.name == n))
            .map(check_json)
            .collect();
        Ok(json!({ "total_count": all.len(), "check_runs": paginate(&all, &q) }))
    })?)
}

#[derive(Deserialize)]
struct CheckBody {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    head_sha: Option<String>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    conclusion: Option<String>,
    #[serde(default)]
    output: Option<CheckOutput>,
}

#[derive(Deserialize)]
struct CheckOutput {
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    summary: Option<String>,
}

fn apply_check(check: &mut CheckRun, body: CheckBody) -> Result<(), Response> {
    if let Some(status) = body.status {
        check.status = status;
    }
    if body.conclusion.is_some() {
        check.status = "completed".to_owned();
        check.conclusion = body.conclusion;
    }
    if check.status == "completed" && check.conclusion.is_none() {
        return Err(error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "conclusion is required when status is completed",
        ));
    }
    if check.status != "completed" {
        check.conclusion = None;
    }
    if let Some(output) = body.output {
        check.title = output.title;
        check.summary = output.summary;
    }
    Ok(())
}

async fn create_check_run(
    AxumState(shared): AxumState<Shared>,
    Extension(caller): Extension<Caller>,
    Path((owner, name)): RepoPath,
    axum::Json(body): axum::Json<CheckBody>,
) -> Answer {
    let value = with_repo(&shared, caller, &owner, &name, |state, full| {
        let id = state.id();
        let slug = state.app_slug.clone();
        let repo = repo_mut(state, full)?;
        let (Some(check_name), Some(head_sha)) = (body.name.clone(), body.head_sha.clone()) else {
            return Err(error(
                StatusCode::UNPROCESSABLE_ENTITY,
                "name and head_sha are required",
            ));
        };
        if !repo.commits.contains_key(&head_sha) {
            return Err(error(
                StatusCode::UNPROCESSABLE_ENTITY,
                "No commit found for SHA",
            ));
        }
        let mut check = CheckRun {
            id,
            name: check_name,
            head_sha,
            status: "queued".to_owned(),
            conclusion: None,
            title: None,
            summary: None,
            app_slug: slug,
        };
        apply_check(&mut check, body)?;
        let value = check_json(&check);
        repo.check_runs.push(check.clone());
        webhooks::check_run(state, full, &check, "created");
        if check.status == "completed" {
            webhooks::check_run(state, full, &check, "completed");
        }
        Ok(value)
    })?;
    created(value)
}

async fn update_check_run(
    AxumState(shared): AxumState<Shared>,
    Extension(caller): Extension<Caller>,
    Path((owner, name, id)): Path<(String, String, u64)>,
    axum::Json(body): axum::Json<CheckBody>,
) -> Answer {
    ok(with_repo(&shared, caller, &owner, &name, |state, full| {
        let repo = repo_mut(state, full)?;
        let check = repo
            .check_runs
            .iter_mut()
            .find(|c| c.id == id)
            .ok_or_else(not_found)?;
        let was_completed = check.status == "completed";
        apply_check(check, body)?;
        let (value, check) = (check_json(check), check.clone());
        if check.status == "completed" && !was_completed {
            webhooks::check_run(state, full, &check, "completed");
        }
        Ok(value)
    })?)
}

/// `GET /repos/{owner}/{repo}/installation`, with the App's JWT.
async fn repo_installation(
    AxumState(shared): AxumState<Shared>,
    Extension(caller): Extension<Caller>,
    Path((owner, name)): RepoPath,
) -> Answer {
    let Caller::App = caller else {
        return Err(error(StatusCode::FORBIDDEN, "needs the App's JWT"));
    };
    let state = shared.state.lock().map_err(|_| not_found())?;
    let repo = state
        .repos
        .get(&format!("{owner}/{name}"))
        .ok_or_else(not_found)?;
    let installation = state
        .installations
        .get(&repo.installation)
        .ok_or_else(not_found)?;
    ok(json!({
        "id": repo.installation, "app_id": state.app_id, "app_slug": state.app_slug,
        "account": user(&installation.account), "target_type": "Organization",
        "repository_selection": "selected",
        "permissions": state.protections.permissions_of(repo.installation),
    }))
}

/// `GET /repos/{owner}/{repo}/branches/{branch}/protection`: 403 without
/// `administration: read`, 404 "Branch not protected".
async fn branch_protection(
    AxumState(shared): AxumState<Shared>,
    Extension(caller): Extension<Caller>,
    Path((owner, name, branch)): Path<(String, String, String)>,
) -> Answer {
    let Caller::Installation(id) = caller else {
        return Err(error(StatusCode::FORBIDDEN, "needs an installation token"));
    };
    ok(with_repo(&shared, caller, &owner, &name, |state, full| {
        if !state.protections.may_read_protection(id) {
            return Err(error(
                StatusCode::FORBIDDEN,
                "Resource not accessible by integration",
            ));
        }
        state
            .protections
            .protection_json(full, &branch)
            .ok_or_else(|| error(StatusCode::NOT_FOUND, "Branch not protected"))
    })?)
}

/// `GET /repos/{owner}/{repo}/rules/branches/{branch}`: the active rules for a branch.
async fn branch_rules(
    AxumState(shared): AxumState<Shared>,
    Extension(caller): Extension<Caller>,
    Path((owner, name, branch)): Path<(String, String, String)>,
    Query(q): Q,
) -> Answer {
    ok(with_repo(&shared, caller, &owner, &name, |state, full| {
        Ok(Value::Array(paginate(
            &state.protections.rules_json(full, &branch),
            &q,
        )))
    })?)
}
