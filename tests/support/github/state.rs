//! What the simulated GitHub knows: installations and their tokens, repositories with branches,
//! commits and file trees, pull requests with reviews, labels and merge state, comments, commit
//! statuses, check runs and webhook deliveries. Plain data and the git-like operations on it; the
//! HTTP side lives in `routes.rs`.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::time::{Duration, SystemTime};

use super::faults::Fault;
use super::webhooks::{Pending, Target};

/// Files of one tree: path to bytes.
pub type Files = BTreeMap<String, Vec<u8>>;

/// The whole simulated GitHub.
pub struct State {
    pub app_id: u64,
    pub app_slug: String,
    pub token_lifetime: Duration,
    pub installations: BTreeMap<u64, InstallationRec>,
    /// Token to (installation, expiry).
    pub tokens: HashMap<String, (u64, SystemTime)>,
    pub tokens_minted: usize,
    /// The claims of the last App JWT accepted: `(iss, iat, exp)`.
    pub last_jwt: Option<(u64, u64, u64)>,
    pub repos: BTreeMap<String, Repo>,
    /// Calls per `METHOD /route/{template}`.
    pub counters: BTreeMap<String, usize>,
    /// GETs answered `304 Not Modified`.
    pub not_modified: usize,
    /// Calls no route answers (`METHOD /path`): each one a 501.
    pub unexpected: Vec<String>,
    pub faults: Vec<(String, Fault, usize)>,
    /// Every n-th call (of any route) fails with this fault: `(n, fault, calls seen)`.
    pub periodic_fault: Option<(usize, Fault, usize)>,
    pub deliveries: Vec<Delivery>,
    pub redelivery_requests: Vec<u64>,
    /// How long every mutating call takes (to make overlapping writes observable).
    pub write_latency: Duration,
    /// Mutating calls being answered right now, and the most there ever were at once.
    pub writes_in_flight: usize,
    pub max_writes_in_flight: usize,
    /// Where webhooks go; none are made without one.
    pub webhook_target: Option<Target>,
    /// Webhooks made and not yet posted, oldest first.
    pub pending_webhooks: VecDeque<Pending>,
    /// App manifest codes waiting to be exchanged, and those exchanged.
    pub manifests: super::manifests::Manifests,
    /// Installation permissions, branch protection and rulesets.
    pub protections: super::protection::Protections,
    next_id: u64,
}

/// An installation of the App.
pub struct InstallationRec {
    pub account: String,
}

/// A repository.
pub struct Repo {
    pub id: u64,
    pub full_name: String,
    pub installation: u64,
    pub default_branch: String,
    pub archived: bool,
    pub branches: BTreeMap<String, String>,
    pub commits: HashMap<String, Commit>,
    pub trees: HashMap<String, Files>,
    pub pulls: BTreeMap<u64, Pull>,
    pub comments: Vec<Comment>,
    /// Statuses per commit, oldest first.
    pub statuses: HashMap<String, Vec<Status>>,
    pub check_runs: Vec<CheckRun>,
    pub next_number: u64,
}

/// A commit.
#[derive(Clone)]
pub struct Commit {
    pub tree: String,
    pub parents: Vec<String>,
    pub message: String,
}

/// A pull request.
#[derive(Clone, Debug)]
pub struct Pull {
    pub number: u64,
    pub title: String,
    pub body: String,
    pub user: String,
    pub head_ref: String,
    pub head_sha: String,
    pub base_ref: String,
    /// The base branch's head when the PR was opened (what its changes are relative to).
    pub base_sha: String,
    pub open: bool,
    pub draft: bool,
    pub merged: bool,
    pub merge_commit_sha: Option<String>,
    /// `None` reads as `null` (GitHub still computing).
    pub mergeable_state: Option<String>,
    pub labels: Vec<String>,
    pub requested_reviewers: Vec<String>,
    pub requested_teams: Vec<String>,
    pub reviews: Vec<Review>,
}

/// A review.
#[derive(Clone, Debug)]
pub struct Review {
    pub id: u64,
    pub user: String,
    pub state: String,
    pub commit_id: String,
}

/// A conversation comment.
#[derive(Clone, Debug)]
pub struct Comment {
    pub id: u64,
    pub issue: u64,
    pub user: String,
    pub body: String,
}

/// A commit status.
#[derive(Clone, Debug)]
pub struct Status {
    pub id: u64,
    pub context: String,
    pub state: String,
    pub description: Option<String>,
    pub target_url: Option<String>,
    pub creator: String,
}

/// A check run.
#[derive(Clone, Debug)]
pub struct CheckRun {
    pub id: u64,
    pub name: String,
    pub head_sha: String,
    pub status: String,
    pub conclusion: Option<String>,
    pub title: Option<String>,
    pub summary: Option<String>,
    /// The slug of the App that created it.
    pub app_slug: String,
}

/// One webhook delivery attempt.
#[derive(Clone, Debug)]
pub struct Delivery {
    pub id: u64,
    pub guid: String,
    pub event: String,
    pub action: Option<String>,
    pub status_code: u16,
    pub redelivery: bool,
    /// The signed body, for redelivery (none for deliveries a test recorded by hand).
    pub body: Option<Vec<u8>>,
}

/// Why a git operation was refused (answered 422 or 404).
#[derive(Debug)]
pub enum Refusal {
    NotFound,
    Unprocessable(String),
}

impl State {
    pub fn new(app_id: u64) -> Self {
        Self {
            app_id,
            app_slug: "amiroll".to_owned(),
            token_lifetime: Duration::from_secs(3600),
            installations: BTreeMap::new(),
            tokens: HashMap::new(),
            tokens_minted: 0,
            last_jwt: None,
            repos: BTreeMap::new(),
            counters: BTreeMap::new(),
            unexpected: Vec::new(),
            not_modified: 0,
            faults: Vec::new(),
            periodic_fault: None,
            deliveries: Vec::new(),
            redelivery_requests: Vec::new(),
            write_latency: Duration::ZERO,
            writes_in_flight: 0,
            max_writes_in_flight: 0,
            webhook_target: None,
            pending_webhooks: VecDeque::new(),
            manifests: Default::default(),
            protections: Default::default(),
            next_id: 1000,
        }
    }

    /// A fresh id (also used to make SHAs).
    pub fn id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// A fresh 40-hex SHA.
    pub fn sha(&mut self) -> String {
        let id = self.id();
        format!("{id:040x}")
    }

    /// The login the App's own writes appear under.
    pub fn bot_login(&self) -> String {
        format!("{}[bot]", self.app_slug)
    }

    /// Mints an installation token.
    pub fn mint_token(&mut self, installation: u64) -> (String, SystemTime) {
        self.tokens_minted += 1;
        let token = format!("ghs_sim{}", self.sha());
        let expires = SystemTime::now() + self.token_lifetime;
        self.tokens.insert(token.clone(), (installation, expires));
        (token, expires)
    }

    /// Stores `files` as a tree, returning its SHA.
    pub fn store_tree(&mut self, repo: &str, files: Files) -> String {
        let sha = self.sha();
        if let Some(repo) = self.repos.get_mut(repo) {
            repo.trees.insert(sha.clone(), files);
        }
        sha
    }

    /// Stores a commit, returning its SHA.
    pub fn store_commit(
        &mut self,
        repo: &str,
        tree: String,
        parents: Vec<String>,
        message: &str,
    ) -> String {
        let sha = self.sha();
        if let Some(repo) = self.repos.get_mut(repo) {
            repo.commits.insert(
                sha.clone(),
                Commit {
                    tree,
                    parents,
                    message: message.to_owned(),
                },
            );
        }
        sha
    }

    /// Commits `files` (replacing those paths) on top of `branch`, creating it from the default
    /// branch if needed; returns the new commit.
    pub fn commit_files(
        &mut self,
        repo: &str,
        branch: &str,
        files: &[(&str, &[u8])],
        message: &str,
    ) -> String {
        let (parent, mut tree) = {
            let r = &self.repos[repo];
            let parent = r
                .branches
                .get(branch)
                .or_else(|| r.branches.get(&r.default_branch))
                .cloned();
            let tree = parent
                .as_ref()
                .map(|p| r.files_at_commit(p).unwrap_or_default())
                .unwrap_or_default();
            (parent, tree)
        };
        for (path, content) in files {
            tree.insert((*path).to_owned(), content.to_vec());
        }
        let tree_sha = self.store_tree(repo, tree);
        let sha = self.store_commit(repo, tree_sha, parent.into_iter().collect(), message);
        if let Some(r) = self.repos.get_mut(repo) {
            r.branches.insert(branch.to_owned(), sha.clone());
        }
        sha
    }

    /// Merges an open pull request: a merge commit on the base branch carrying the PR's changes.
    pub fn merge(&mut self, repo: &str, number: u64) -> Result<String, Refusal> {
        let (base_ref, base_head, head_sha, merge_base) = {
            let r = self.repos.get_mut(repo).ok_or(Refusal::NotFound)?;
            r.refresh_heads();
            let pull = r.pulls.get(&number).ok_or(Refusal::NotFound)?;
            if !pull.open {
                return Err(Refusal::Unprocessable(
                    "Pull Request is not mergeable".into(),
                ));
            }
            let base_head = r
                .branches
                .get(&pull.base_ref)
                .cloned()
                .ok_or(Refusal::NotFound)?;
            (
                pull.base_ref.clone(),
                base_head,
                pull.head_sha.clone(),
                pull.base_sha.clone(),
            )
        };
        let r = &self.repos[repo];
        let before = r.files_at_commit(&merge_base).unwrap_or_default();
        let after = r.files_at_commit(&head_sha).unwrap_or_default();
        let mut merged = r.files_at_commit(&base_head).unwrap_or_default();
        for (path, content) in &after {
            if before.get(path) != Some(content) {
                merged.insert(path.clone(), content.clone());
            }
        }
        for path in before.keys() {
            if !after.contains_key(path) {
                merged.remove(path);
            }
        }
        let tree = self.store_tree(repo, merged);
        let message = format!("Merge pull request #{number}");
        let sha = self.store_commit(repo, tree, vec![base_head, head_sha], &message);
        let r = self.repos.get_mut(repo).ok_or(Refusal::NotFound)?;
        r.branches.insert(base_ref, sha.clone());
        if let Some(pull) = r.pulls.get_mut(&number) {
            pull.open = false;
            pull.merged = true;
            pull.merge_commit_sha = Some(sha.clone());
        }
        Ok(sha)
    }

    /// Takes the fault to inject into a call of `route`, if one is pending.
    pub fn take_fault(&mut self, route: &str) -> Option<Fault> {
        if let Some((period, fault, seen)) = &mut self.periodic_fault {
            *seen += 1;
            if *seen % *period == 0 {
                return Some(fault.clone());
            }
        }
        let index = self
            .faults
            .iter()
            .position(|(r, _, left)| (r == route || r == "*") && *left > 0)?;
        let (_, fault, left) = &mut self.faults[index];
        *left -= 1;
        let fault = fault.clone();
        if *left == 0 {
            self.faults.remove(index);
        }
        Some(fault)
    }
}

impl Repo {
    /// The files of a commit.
    pub fn files_at_commit(&self, sha: &str) -> Option<Files> {
        let commit = self.commits.get(sha)?;
        self.trees.get(&commit.tree).cloned()
    }

    /// A branch name or commit SHA to a commit SHA.
    pub fn resolve(&self, git_ref: &str) -> Option<String> {
        let name = git_ref.strip_prefix("refs/heads/").unwrap_or(git_ref);
        if let Some(sha) = self.branches.get(name) {
            return Some(sha.clone());
        }
        self.commits
            .contains_key(git_ref)
            .then(|| git_ref.to_owned())
    }

    /// Whether `ancestor` is `sha` or one of its ancestors.
    pub fn descends_from(&self, sha: &str, ancestor: &str) -> bool {
        let mut stack = vec![sha.to_owned()];
        let mut seen = std::collections::HashSet::new();
        while let Some(current) = stack.pop() {
            if current == ancestor {
                return true;
            }
            if seen.insert(current.clone())
                && let Some(commit) = self.commits.get(&current)
            {
                stack.extend(commit.parents.iter().cloned());
            }
        }
        false
    }

    /// Open pull requests follow their head branch.
    pub fn refresh_heads(&mut self) {
        for pull in self.pulls.values_mut().filter(|p| p.open) {
            if let Some(sha) = self.branches.get(&pull.head_ref) {
                pull.head_sha = sha.clone();
            }
        }
    }
}
