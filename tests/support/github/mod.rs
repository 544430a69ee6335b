//! A simulated GitHub for tests: an in-process axum server on a loopback port that holds
//! installations, repositories, pull requests, comments, statuses, check runs and webhook
//! deliveries, and answers the REST routes amiroll's GitHub adapter calls with GitHub's JSON
//! shapes. It authenticates like GitHub (App JWT signed by a key generated for the test run,
//! installation tokens it mints itself), counts calls per route template, injects faults, and
//! answers 501 to anything it does not know, which [`SimGitHub::assert_no_unexpected_calls`]
//! turns into a test failure.
//!
//! Route names for counters and faults are `METHOD /template`, spelled as in GitHub's REST docs:
//! `GET /repos/{owner}/{repo}/pulls/{pull_number}`.

pub mod faults;
pub mod manifests;
pub mod protection;
pub mod routes;
pub mod state;
pub mod webhooks;

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::process::Command;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::Duration;

use amiroll::github::{
    AppCredentials, CheckRunId, CommentId, CommitSha, InstallationId, PullRequestNumber, RepoName,
};
use octocrab::jsonwebtoken::DecodingKey;

pub use faults::Fault;
use state::{Comment, InstallationRec, Repo, Review, State, Status};

/// The login of the humans behind the scene-setting helpers (pushes, merges).
pub const HUMAN: &str = "octocat";

/// The App id the simulation expects in JWTs.
pub const APP_ID: u64 = 4242;

/// An RSA key pair made once per test binary with `openssl` (never committed):
/// (private PEM, public PEM).
fn key_pair() -> &'static (Vec<u8>, Vec<u8>) {
    static KEYS: OnceLock<(Vec<u8>, Vec<u8>)> = OnceLock::new();
    KEYS.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let private = dir.path().join("app.pem");
        // PKCS#1 (`BEGIN RSA PRIVATE KEY`), as GitHub hands out; OpenSSL 1.1 writes it by
        // default and does not know `-traditional`.
        let genrsa = |traditional: bool| {
            let mut command = Command::new("openssl");
            command.arg("genrsa");
            if traditional {
                command.arg("-traditional");
            }
            command
                .arg("-out")
                .arg(&private)
                .arg("2048")
                .output()
                .expect("the simulated GitHub needs `openssl` to make a test key")
        };
        let mut made = genrsa(true);
        if !made.status.success() {
            made = genrsa(false);
        }
        assert!(
            made.status.success(),
            "openssl genrsa: {}",
            String::from_utf8_lossy(&made.stderr)
        );
        let public = Command::new("openssl")
            .args(["rsa", "-pubout", "-in"])
            .arg(&private)
            .output()
            .unwrap();
        assert!(
            public.status.success(),
            "openssl rsa -pubout: {}",
            String::from_utf8_lossy(&public.stderr)
        );
        (std::fs::read(&private).unwrap(), public.stdout)
    })
}

/// A pull request as the simulation holds it (a snapshot).
pub type SimPull = state::Pull;
/// A check run as the simulation holds it (a snapshot).
pub type SimCheckRun = state::CheckRun;
/// A comment as the simulation holds it (a snapshot).
pub type SimComment = state::Comment;

/// A running simulated GitHub; stops when dropped.
pub struct SimGitHub {
    state: Arc<Mutex<State>>,
    addr: SocketAddr,
    prefix: String,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for SimGitHub {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl SimGitHub {
    /// Starts a simulation at the root, as `https://api.github.com`.
    pub async fn start() -> Self {
        Self::start_with_prefix("").await
    }

    /// Starts a simulation under a path prefix, e.g. `/api/v3` as on GitHub Enterprise Server.
    pub async fn start_with_prefix(prefix: &str) -> Self {
        let (_, public) = key_pair();
        let state = Arc::new(Mutex::new(State::new(APP_ID)));
        let shared = routes::Shared {
            state: Arc::clone(&state),
            key: Arc::new(DecodingKey::from_rsa_pem(public).unwrap()),
            prefix: prefix.trim_end_matches('/').to_owned(),
        };
        let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .await
            .unwrap();
        let addr = listener.local_addr().unwrap();
        let app = routes::router(shared);
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self {
            state,
            addr,
            prefix: prefix.trim_end_matches('/').to_owned(),
            server,
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap()
    }

    /// The API base URL to configure the adapter with.
    pub fn api_url(&self) -> String {
        format!("http://{}{}", self.addr, self.prefix)
    }

    /// The App's credentials (its id and the test key).
    pub fn credentials(&self) -> AppCredentials {
        AppCredentials::from_pem(APP_ID, &key_pair().0).unwrap()
    }

    /// The App's private key PEM, for tests that configure the server from a file or variable.
    pub fn private_key_pem(&self) -> Vec<u8> {
        key_pair().0.clone()
    }

    // ---- Setting the scene ----

    /// Installs the App on `account`.
    pub fn add_installation(&self, id: u64, account: &str) -> InstallationId {
        self.lock().installations.insert(
            id,
            InstallationRec {
                account: account.to_owned(),
            },
        );
        InstallationId(id)
    }

    /// Creates `owner/name` in installation `installation` with one commit on `default_branch`
    /// holding `files`; returns that commit.
    pub fn add_repo(
        &self,
        installation: u64,
        full_name: &str,
        default_branch: &str,
        files: &[(&str, &[u8])],
    ) -> CommitSha {
        let mut state = self.lock();
        let id = state.id();
        state.repos.insert(
            full_name.to_owned(),
            Repo {
                id,
                full_name: full_name.to_owned(),
                installation,
                default_branch: default_branch.to_owned(),
                archived: false,
                branches: BTreeMap::new(),
                commits: Default::default(),
                trees: Default::default(),
                pulls: BTreeMap::new(),
                comments: Vec::new(),
                statuses: Default::default(),
                check_runs: Vec::new(),
                next_number: 0,
            },
        );
        state
            .commit_files(full_name, default_branch, files, "Initial commit")
            .parse()
            .unwrap()
    }

    /// A human pushes `files` onto `branch` (created from the default branch if missing).
    pub fn push(
        &self,
        repo: &str,
        branch: &str,
        files: &[(&str, &[u8])],
        message: &str,
    ) -> CommitSha {
        let mut state = self.lock();
        let before = state.repos[repo].branches.get(branch).cloned();
        let sha = state.commit_files(repo, branch, files, message);
        if let Some(r) = state.repos.get_mut(repo) {
            r.refresh_heads();
        }
        webhooks::push(
            &mut state,
            repo,
            branch,
            before.as_deref(),
            &sha,
            false,
            HUMAN,
        );
        webhooks::synchronize(&mut state, repo, branch, HUMAN);
        sha.parse().unwrap()
    }

    /// The commit `branch` points at.
    pub fn branch(&self, repo: &str, branch: &str) -> Option<CommitSha> {
        self.lock().repos[repo]
            .branches
            .get(branch)
            .map(|s| s.parse().unwrap())
    }

    /// Every branch of a repository with its commit.
    pub fn branches(&self, repo: &str) -> BTreeMap<String, String> {
        self.lock().repos[repo].branches.clone()
    }

    /// A file's bytes at a branch or commit.
    pub fn file(&self, repo: &str, git_ref: &str, path: &str) -> Option<Vec<u8>> {
        let state = self.lock();
        let r = &state.repos[repo];
        r.files_at_commit(&r.resolve(git_ref)?)?.get(path).cloned()
    }

    /// The message and parents of a commit.
    pub fn commit(&self, repo: &str, sha: &CommitSha) -> Option<(String, Vec<String>)> {
        let state = self.lock();
        let commit = state.repos[repo].commits.get(sha.as_str())?;
        Some((commit.message.clone(), commit.parents.clone()))
    }

    /// A human (`author`) opens a pull request.
    pub fn open_pull(
        &self,
        repo: &str,
        author: &str,
        head: &str,
        base: &str,
        title: &str,
        body: &str,
    ) -> PullRequestNumber {
        let mut state = self.lock();
        let number =
            routes::open_pull(&mut state, repo, author, head, base, title, body, false).unwrap();
        webhooks::pull_request(&mut state, repo, number, "opened", author);
        PullRequestNumber(number)
    }

    /// A snapshot of a pull request.
    pub fn pull(&self, repo: &str, number: PullRequestNumber) -> SimPull {
        let mut state = self.lock();
        let r = state.repos.get_mut(repo).unwrap();
        r.refresh_heads();
        r.pulls[&number.0].clone()
    }

    /// Every pull request of a repository.
    pub fn pulls(&self, repo: &str) -> Vec<SimPull> {
        let mut state = self.lock();
        let r = state.repos.get_mut(repo).unwrap();
        r.refresh_heads();
        r.pulls.values().cloned().collect()
    }

    /// Merges an open pull request; returns the merge commit.
    pub fn merge(&self, repo: &str, number: PullRequestNumber) -> CommitSha {
        let mut state = self.lock();
        let before = state.repos[repo].pulls[&number.0].base_ref.clone();
        let base_head = state.repos[repo].branches.get(&before).cloned();
        let sha = state.merge(repo, number.0).unwrap();
        webhooks::pull_request(&mut state, repo, number.0, "closed", HUMAN);
        webhooks::push(
            &mut state,
            repo,
            &before,
            base_head.as_deref(),
            &sha,
            false,
            HUMAN,
        );
        sha.parse().unwrap()
    }

    /// Closes a pull request without merging it.
    pub fn close(&self, repo: &str, number: PullRequestNumber) {
        let mut state = self.lock();
        if let Some(pull) = state.repos.get_mut(repo).unwrap().pulls.get_mut(&number.0) {
            pull.open = false;
        }
        webhooks::pull_request(&mut state, repo, number.0, "closed", HUMAN);
    }

    /// Sets what `mergeable_state` reads as (`None`: still computing).
    pub fn set_mergeable_state(&self, repo: &str, number: PullRequestNumber, value: Option<&str>) {
        if let Some(pull) = self
            .lock()
            .repos
            .get_mut(repo)
            .unwrap()
            .pulls
            .get_mut(&number.0)
        {
            pull.mergeable_state = value.map(str::to_owned);
        }
    }

    /// `user` reviews a pull request (`APPROVED`, `CHANGES_REQUESTED`, `COMMENTED`) on its head.
    pub fn review(&self, repo: &str, number: PullRequestNumber, user: &str, state_name: &str) {
        let mut state = self.lock();
        let id = state.id();
        let r = state.repos.get_mut(repo).unwrap();
        r.refresh_heads();
        let pull = r.pulls.get_mut(&number.0).unwrap();
        let review = Review {
            id,
            user: user.to_owned(),
            state: state_name.to_owned(),
            commit_id: pull.head_sha.clone(),
        };
        pull.reviews.push(review.clone());
        webhooks::review(&mut state, repo, number.0, &review);
    }

    /// `creator` (e.g. Atlantis) sets a commit status.
    pub fn set_status(
        &self,
        repo: &str,
        sha: &CommitSha,
        context: &str,
        state_name: &str,
        description: &str,
        creator: &str,
    ) {
        let mut state = self.lock();
        let id = state.id();
        let target_url = format!("https://atlantis.example/jobs/{id}");
        let r = state.repos.get_mut(repo).unwrap();
        r.statuses.entry(sha.to_string()).or_default().push(Status {
            id,
            context: context.to_owned(),
            state: state_name.to_owned(),
            description: Some(description.to_owned()),
            target_url: Some(target_url.clone()),
            creator: creator.to_owned(),
        });
        webhooks::status(
            &mut state,
            repo,
            sha.as_str(),
            context,
            state_name,
            Some(description),
            Some(&target_url),
            creator,
        );
    }

    /// `user` comments on a pull request; returns the comment's id.
    pub fn comment(
        &self,
        repo: &str,
        number: PullRequestNumber,
        user: &str,
        body: &str,
    ) -> CommentId {
        let mut state = self.lock();
        let id = state.id();
        let comment = Comment {
            id,
            issue: number.0,
            user: user.to_owned(),
            body: body.to_owned(),
        };
        state
            .repos
            .get_mut(repo)
            .unwrap()
            .comments
            .push(comment.clone());
        webhooks::issue_comment(&mut state, repo, &comment, "created");
        CommentId(id)
    }

    /// The comments of a pull request, oldest first.
    pub fn comments(&self, repo: &str, number: PullRequestNumber) -> Vec<SimComment> {
        self.lock().repos[repo]
            .comments
            .iter()
            .filter(|c| c.issue == number.0)
            .cloned()
            .collect()
    }

    /// A human edits a comment (e.g. ticks a checklist box).
    pub fn edit_comment(&self, repo: &str, id: CommentId, body: &str) {
        let mut state = self.lock();
        let comment = state
            .repos
            .get_mut(repo)
            .unwrap()
            .comments
            .iter_mut()
            .find(|c| c.id == id.0)
            .unwrap();
        comment.body = body.to_owned();
        let comment = comment.clone();
        webhooks::issue_comment(&mut state, repo, &comment, "edited");
    }

    /// The check runs on a commit, oldest first.
    pub fn check_runs(&self, repo: &str, sha: &CommitSha) -> Vec<SimCheckRun> {
        self.lock().repos[repo]
            .check_runs
            .iter()
            .filter(|c| c.head_sha == sha.as_str())
            .cloned()
            .collect()
    }

    /// One check run by id.
    pub fn check_run(&self, repo: &str, id: CheckRunId) -> Option<SimCheckRun> {
        self.lock().repos[repo]
            .check_runs
            .iter()
            .find(|c| c.id == id.0)
            .cloned()
    }

    /// Records a webhook delivery attempt (what `GET /app/hook/deliveries` lists); returns its id.
    pub fn add_delivery(
        &self,
        guid: &str,
        event: &str,
        action: Option<&str>,
        status_code: u16,
    ) -> u64 {
        let mut state = self.lock();
        let id = state.id();
        state.deliveries.push(state::Delivery {
            id,
            guid: guid.to_owned(),
            event: event.to_owned(),
            action: action.map(str::to_owned),
            status_code,
            redelivery: false,
            body: None,
        });
        id
    }

    /// The delivery ids the App asked to redeliver, in order.
    pub fn redelivery_requests(&self) -> Vec<u64> {
        self.lock().redelivery_requests.clone()
    }

    // ---- Webhooks ----

    /// From now on, what happens on the simulation is queued as webhooks for `url`, signed with
    /// `secret`; [`SimGitHub::deliver_webhooks`] posts them.
    pub fn send_webhooks_to(&self, url: &str, secret: &str) {
        self.lock().webhook_target = Some(webhooks::Target {
            url: url.to_owned(),
            secret: secret.to_owned(),
        });
    }

    /// The queued webhooks, oldest first: `(event, action)`.
    pub fn pending_webhooks(&self) -> Vec<(String, Option<String>)> {
        self.lock()
            .pending_webhooks
            .iter()
            .map(|p| (p.event.clone(), p.action.clone()))
            .collect()
    }

    /// Forgets the queued webhooks without sending them (e.g. those of scene setting).
    pub fn discard_webhooks(&self) {
        self.lock().pending_webhooks.clear();
    }

    /// Posts every queued webhook in order, as GitHub does (`X-GitHub-Event`,
    /// `X-GitHub-Delivery`, `X-Hub-Signature-256`), records each as a hook delivery, and returns
    /// the status codes (0 when the target did not answer).
    pub async fn deliver_webhooks(&self) -> Vec<u16> {
        let (target, pending) = {
            let mut state = self.lock();
            let Some(target) = state.webhook_target.clone() else {
                return Vec::new();
            };
            (target, state.pending_webhooks.drain(..).collect::<Vec<_>>())
        };
        let client = reqwest::Client::new();
        let mut codes = Vec::with_capacity(pending.len());
        for hook in pending {
            let answer = client
                .post(&target.url)
                .header("content-type", "application/json")
                .header("user-agent", "GitHub-Hookshot/sim")
                .header("x-github-event", &hook.event)
                .header("x-github-delivery", &hook.guid)
                .header(
                    "x-hub-signature-256",
                    webhooks::signature(&target.secret, &hook.body),
                )
                .body(hook.body.clone())
                .send()
                .await;
            let code = answer.map(|a| a.status().as_u16()).unwrap_or(0);
            codes.push(code);
            let mut state = self.lock();
            let id = state.id();
            state.deliveries.push(state::Delivery {
                id,
                guid: hook.guid,
                event: hook.event,
                action: hook.action,
                status_code: code,
                redelivery: hook.redelivery,
                body: Some(hook.body),
            });
        }
        codes
    }

    // ---- Tokens ----

    /// How long newly minted installation tokens live (GitHub: one hour).
    pub fn set_token_lifetime(&self, lifetime: Duration) {
        self.lock().token_lifetime = lifetime;
    }

    /// Makes every token minted so far expire now (GitHub will answer 401 to them).
    pub fn expire_tokens(&self) {
        let past = std::time::SystemTime::now() - Duration::from_secs(1);
        for (_, expires) in self.lock().tokens.values_mut() {
            *expires = past;
        }
    }

    /// How many installation tokens were minted.
    pub fn tokens_minted(&self) -> usize {
        self.lock().tokens_minted
    }

    /// The `(iss, iat, exp)` of the last App JWT accepted.
    pub fn last_jwt(&self) -> Option<(u64, u64, u64)> {
        self.lock().last_jwt
    }

    // ---- Faults and counters ----

    /// Makes every mutating call take `latency` before it is answered, so that overlapping
    /// writes would show in [`SimGitHub::max_writes_in_flight`].
    pub fn set_write_latency(&self, latency: Duration) {
        self.lock().write_latency = latency;
    }

    /// The most mutating calls that were ever being answered at the same time.
    pub fn max_writes_in_flight(&self) -> usize {
        self.lock().max_writes_in_flight
    }

    /// The next `times` calls of `route` (`"GET /repos/{owner}/{repo}/pulls/{pull_number}"`, or
    /// `"*"` for any route) fail with `fault`. Faults queue up in the order given.
    pub fn fail_next(&self, route: &str, times: usize, fault: Fault) {
        self.lock().faults.push((route.to_owned(), fault, times));
    }

    /// From now on every `period`-th call, whatever its route, fails with `fault` (a period of 5
    /// fails 20% of calls); `None` stops it.
    pub fn fail_periodically(&self, every: Option<(usize, Fault)>) {
        self.lock().periodic_fault = every.map(|(period, fault)| (period.max(1), fault, 0));
    }

    /// Calls made to `route` so far (failed ones included).
    pub fn calls(&self, route: &str) -> usize {
        self.lock().counters.get(route).copied().unwrap_or(0)
    }

    /// Every route called, with its count.
    pub fn call_counts(&self) -> BTreeMap<String, usize> {
        self.lock().counters.clone()
    }

    /// GETs answered `304 Not Modified` (a conditional request for something unchanged).
    pub fn not_modified(&self) -> usize {
        self.lock().not_modified
    }

    /// Calls made to any route.
    pub fn total_calls(&self) -> usize {
        self.lock().counters.values().sum()
    }

    /// Forgets the counters (e.g. after setting the scene through the API).
    pub fn reset_counts(&self) {
        let mut state = self.lock();
        state.counters.clear();
        state.not_modified = 0;
    }

    /// Calls to routes the simulation does not know (each answered 501).
    pub fn unexpected_calls(&self) -> Vec<String> {
        self.lock().unexpected.clone()
    }

    /// Fails the test if amiroll called a route the simulation does not know.
    #[track_caller]
    pub fn assert_no_unexpected_calls(&self) {
        let unexpected = self.unexpected_calls();
        assert!(
            unexpected.is_empty(),
            "calls the simulated GitHub does not know (501): {unexpected:#?}"
        );
    }

    /// The repository name as the port spells it.
    pub fn repo_name(full: &str) -> RepoName {
        full.parse().unwrap()
    }
}
