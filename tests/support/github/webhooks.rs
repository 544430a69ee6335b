//! Webhooks from the simulated GitHub: once a target is set, what happens on it (a PR opened,
//! edited, pushed to, merged or closed; a review; a comment; a commit status; a push; the App's
//! own check runs created and completed) is queued as a
//! GitHub-shaped payload, and [`super::SimGitHub::deliver_webhooks`] posts the queue in order,
//! signed with `X-Hub-Signature-256`, recording each attempt as a hook delivery (which the App can
//! list and ask to redeliver, as on GitHub).

use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

use super::routes::{check_json, comment_json, pull_json, repo_json, review_json, user};
use super::state::{CheckRun, Comment, Review, State};

/// Where deliveries go.
#[derive(Clone, Debug)]
pub struct Target {
    pub url: String,
    pub secret: String,
}

/// A delivery waiting to be posted.
#[derive(Clone, Debug)]
pub struct Pending {
    pub guid: String,
    pub event: String,
    pub action: Option<String>,
    pub body: Vec<u8>,
    pub redelivery: bool,
}

/// `sha256=<hex HMAC-SHA256 of body under secret>`, as GitHub signs.
pub fn signature(secret: &str, body: &[u8]) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Queues `payload` as event `event` (only when a target is set), adding `repository`,
/// `installation` and `sender` for repository `full`.
pub fn queue(state: &mut State, event: &str, full: &str, sender: &str, mut payload: Value) {
    if state.webhook_target.is_none() {
        return;
    }
    let Some(repo) = state.repos.get(full) else {
        return;
    };
    payload["repository"] = repo_json(repo);
    payload["installation"] = json!({ "id": repo.installation });
    payload["sender"] = user(sender);
    let id = state.id();
    let action = payload
        .get("action")
        .and_then(Value::as_str)
        .map(str::to_owned);
    state.pending_webhooks.push_back(Pending {
        guid: format!("{:08x}-0000-4000-8000-{:012x}", id & 0xffff_ffff, id),
        event: event.to_owned(),
        action,
        body: serde_json::to_vec(&payload).unwrap_or_default(),
        redelivery: false,
    });
}

/// `pull_request` with `action` for PR `number`.
pub fn pull_request(state: &mut State, full: &str, number: u64, action: &str, sender: &str) {
    let Some(payload) = pull_payload(state, full, number) else {
        return;
    };
    queue(
        state,
        "pull_request",
        full,
        sender,
        json!({ "action": action, "number": number, "pull_request": payload }),
    );
}

/// `pull_request` `synchronize` for every open PR whose head is `branch`.
pub fn synchronize(state: &mut State, full: &str, branch: &str, sender: &str) {
    let numbers: Vec<u64> = state
        .repos
        .get(full)
        .map(|r| {
            r.pulls
                .values()
                .filter(|p| p.open && p.head_ref == branch)
                .map(|p| p.number)
                .collect()
        })
        .unwrap_or_default();
    for number in numbers {
        pull_request(state, full, number, "synchronize", sender);
    }
}

/// `push` of `branch` from `before` to `after`.
pub fn push(
    state: &mut State,
    full: &str,
    branch: &str,
    before: Option<&str>,
    after: &str,
    forced: bool,
    sender: &str,
) {
    let zero = "0".repeat(40);
    queue(
        state,
        "push",
        full,
        sender,
        json!({
            "ref": format!("refs/heads/{branch}"), "before": before.unwrap_or(&zero), "after": after,
            "created": before.is_none(), "deleted": false, "forced": forced, "commits": [],
        }),
    );
}

/// `pull_request_review` `submitted`.
pub fn review(state: &mut State, full: &str, number: u64, review: &Review) {
    let Some(payload) = pull_payload(state, full, number) else {
        return;
    };
    let mut review_value = review_json(review);
    // Webhooks spell review states in lower case, the REST API in upper case.
    review_value["state"] = json!(review.state.to_ascii_lowercase());
    queue(
        state,
        "pull_request_review",
        full,
        &review.user,
        json!({ "action": "submitted", "review": review_value, "pull_request": payload }),
    );
}

/// `issue_comment` with `action` for a comment on PR `comment.issue`.
pub fn issue_comment(state: &mut State, full: &str, comment: &Comment, action: &str) {
    let Some(pull) = state
        .repos
        .get(full)
        .and_then(|r| r.pulls.get(&comment.issue))
        .cloned()
    else {
        return;
    };
    let issue = json!({
        "number": pull.number, "title": pull.title, "state": if pull.open { "open" } else { "closed" },
        "user": user(&pull.user),
        "pull_request": { "url": format!("https://api.github.com/repos/{full}/pulls/{}", pull.number) },
    });
    queue(
        state,
        "issue_comment",
        full,
        &comment.user,
        json!({ "action": action, "issue": issue, "comment": comment_json(full, comment) }),
    );
}

/// `status` for a status just set on `sha`.
#[allow(clippy::too_many_arguments)]
pub fn status(
    state: &mut State,
    full: &str,
    sha: &str,
    context: &str,
    status_state: &str,
    description: Option<&str>,
    target_url: Option<&str>,
    creator: &str,
) {
    let branches: Vec<Value> = state
        .repos
        .get(full)
        .map(|r| {
            r.branches
                .iter()
                .filter(|(_, head)| head.as_str() == sha)
                .map(|(name, head)| json!({ "name": name, "commit": { "sha": head } }))
                .collect()
        })
        .unwrap_or_default();
    queue(
        state,
        "status",
        full,
        creator,
        json!({
            "sha": sha, "name": full, "context": context, "state": status_state,
            "description": description, "target_url": target_url, "branches": branches,
            "commit": { "sha": sha },
        }),
    );
}

/// `check_run` with `action` (`created`, `completed`) for a check run the App wrote.
pub fn check_run(state: &mut State, full: &str, check: &CheckRun, action: &str) {
    let app_id = state.app_id;
    let bot = state.bot_login();
    let pulls: Vec<Value> = state
        .repos
        .get(full)
        .map(|r| {
            r.pulls
                .values()
                .filter(|p| p.open && p.head_sha == check.head_sha)
                .map(|p| {
                    json!({
                        "number": p.number,
                        "head": { "ref": p.head_ref, "sha": p.head_sha },
                        "base": { "ref": p.base_ref, "sha": p.base_sha },
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    let mut run = check_json(check);
    run["app"]["id"] = json!(app_id);
    run["pull_requests"] = Value::Array(pulls);
    queue(
        state,
        "check_run",
        full,
        &bot,
        json!({ "action": action, "check_run": run }),
    );
}

fn pull_payload(state: &mut State, full: &str, number: u64) -> Option<Value> {
    let repo = state.repos.get_mut(full)?;
    repo.refresh_heads();
    let pull = repo.pulls.get(&number)?;
    let base_sha = repo
        .branches
        .get(&pull.base_ref)
        .cloned()
        .unwrap_or_else(|| pull.base_sha.clone());
    Some(pull_json(full, pull, &base_sha, true))
}
