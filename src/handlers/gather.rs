//! Gathers the facts the rollout core decides from, reading GitHub and nothing else. The config and
//! the stages' current values come from the base branch only, never from a pull request's head.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use anyhow::Context as _;

use crate::ami::{AmiId, Release};
use crate::config::{self, CONFIG_PATH, RepoConfig};
use crate::github::ids::{CommentId, CommitSha, PullRequestNumber, RepoName};
use crate::github::port::GitHubClient;
use crate::github::types::{
    CheckConclusion, CheckStatus, IssueComment, PullRequest, PullRequestState,
};
use crate::hcl;
use crate::rollout::atlantis::{self, CommentFact, StatusFact};
use crate::rollout::branch::branch_name;
use crate::rollout::checklist::is_checklist;
use crate::rollout::comment_safety::is_apply_request;
use crate::rollout::decide::{REFUSAL_MARKER, stage_runs};
use crate::rollout::facts::{
    BotPr, ExistingComment, ExistingGate, OpenPr, PrState, RepoFacts, TargetAtHead,
};
use crate::rollout::gate::{GateConclusion, GateVerdict};
use crate::rollout::marker::PrMarker;

use super::reconcile::ReleaseInput;
use super::{BotIdentity, Context};

/// The facts of one repository, and where its base branch stands.
pub struct Gathered {
    /// What the core decides from.
    pub facts: RepoFacts,
    /// The base branch pull requests target.
    pub base_branch: String,
    /// Its head commit, which amiroll's commits build on.
    pub base_sha: CommitSha,
}

/// Reads everything the core needs about `repo`; `None` when the repository has no (valid) config
/// on its default branch, in which case amiroll does nothing there.
pub async fn gather<C: GitHubClient>(
    client: &C,
    context: &Context<'_>,
    repo: &RepoName,
    release: ReleaseInput<'_>,
) -> anyhow::Result<Option<Gathered>> {
    let bot = context.bot;
    let default = client
        .default_branch(repo)
        .await
        .context("Cannot read the default branch")?;
    let Some(config) = read_config(client, repo, default.sha.as_str()).await? else {
        return Ok(None);
    };
    let (base_branch, base_sha) = match &config.base_branch {
        Some(branch) if branch != &default.name => {
            let sha = client
                .branch(repo, branch)
                .await
                .with_context(|| format!("Cannot read the base branch `{branch}`"))?
                .with_context(|| format!("The configured base branch `{branch}` does not exist"))?;
            (branch.clone(), sha)
        }
        _ => (default.name.clone(), default.sha.clone()),
    };

    let release: Option<Release> = match (release, context.aws) {
        (ReleaseInput::Given(release), _) => Some(release.clone()),
        (ReleaseInput::LookUp, Some(aws)) => match aws.latest_release(&config.ami).await {
            Ok(release) => Some(release),
            Err(err) => {
                tracing::warn!(%repo, "cannot read the latest release: {err:#}");
                None
            }
        },
        (ReleaseInput::LookUp | ReleaseInput::None, _) => None,
    };
    let release = release.as_ref();
    let files = read_target_files(client, repo, &config, base_sha.as_str()).await?;
    let open: Vec<PullRequest> = client
        .open_pull_requests(repo)
        .await
        .context("Cannot list open pull requests")?
        .into_iter()
        .filter(|pr| pr.base_ref == base_branch)
        .collect();
    let closed = client
        .recently_closed_pull_requests(repo)
        .await
        .context("Cannot list recently closed pull requests")?;

    let mut reader = Reader {
        client,
        bot,
        aws: context.aws,
        repo,
        config: &config,
        files: &files,
        head_files: HashMap::new(),
    };
    let mut open_prs = Vec::with_capacity(open.len());
    for pr in &open {
        open_prs.push(reader.open_pr(pr).await?);
    }

    // amiroll's own pull requests: those it authored whose body carries its marker, among the open,
    // the recently closed, and the deterministic branches the decisions may need.
    let mut ours: BTreeMap<PullRequestNumber, PullRequest> = open
        .iter()
        .chain(closed.iter().filter(|pr| pr.base_ref == base_branch))
        .filter(|pr| reader.is_ours(pr))
        .map(|pr| (pr.number, pr.clone()))
        .collect();
    for (index, ami) in wanted_rollouts(&config, &files, release, &open_prs) {
        let Some(stage) = config.stages.get(index) else {
            continue;
        };
        let known = ours.values().any(|pr| {
            PrMarker::parse(&pr.body)
                .is_some_and(|m| m.stage == stage.name.as_str() && m.ami == ami)
        });
        if !known {
            let branch = branch_name(&stage.name, &ami);
            for pr in client
                .pull_requests_for_branch(repo, &branch)
                .await
                .with_context(|| format!("Cannot look up pull requests of `{branch}`"))?
            {
                if reader.is_ours(&pr) && pr.base_ref == base_branch {
                    ours.insert(pr.number, pr);
                }
            }
        }
    }
    let mut bot_prs = Vec::with_capacity(ours.len());
    for pr in ours.values() {
        if let Some(bot_pr) = reader.bot_pr(pr).await? {
            bot_prs.push(bot_pr);
        }
    }

    Ok(Some(Gathered {
        facts: RepoFacts {
            config,
            files,
            bot_prs,
            open_prs,
            release: release.cloned(),
        },
        base_branch,
        base_sha,
    }))
}

/// `.github/amiroll.yml` from the default branch; `None` (logged) when missing or invalid.
async fn read_config<C: GitHubClient>(
    client: &C,
    repo: &RepoName,
    sha: &str,
) -> anyhow::Result<Option<RepoConfig>> {
    let Some(bytes) = client
        .file(repo, CONFIG_PATH, sha)
        .await
        .context("Cannot read .github/amiroll.yml")?
    else {
        tracing::debug!(%repo, "no {CONFIG_PATH} on the default branch: nothing to do");
        return Ok(None);
    };
    let text = String::from_utf8(bytes).context("The config is not UTF-8")?;
    match config::parse(&text) {
        Ok(config) => Ok(Some(config)),
        Err(err) => {
            tracing::warn!(%repo, "invalid config, amiroll does nothing here:\n{}", err.render(CONFIG_PATH));
            Ok(None)
        }
    }
}

async fn read_target_files<C: GitHubClient>(
    client: &C,
    repo: &RepoName,
    config: &RepoConfig,
    sha: &str,
) -> anyhow::Result<BTreeMap<String, String>> {
    let paths: BTreeSet<&str> = config
        .stages
        .iter()
        .flat_map(|s| s.targets.iter().map(|t| t.file.as_str()))
        .collect();
    let mut files = BTreeMap::new();
    for path in paths {
        if let Some(bytes) = client
            .file(repo, path, sha)
            .await
            .with_context(|| format!("Cannot read `{path}` on the base branch"))?
        {
            files.insert(
                path.to_owned(),
                String::from_utf8(bytes).with_context(|| format!("`{path}` is not UTF-8"))?,
            );
        }
    }
    Ok(files)
}

/// The `(stage, AMI)` rollouts the decisions may ask about: the release on the first stage, the
/// AMI each stage runs (for promotion), and the AMI each open pull request sets on a later stage
/// (for its gate).
fn wanted_rollouts(
    config: &RepoConfig,
    files: &BTreeMap<String, String>,
    release: Option<&Release>,
    open_prs: &[OpenPr],
) -> BTreeSet<(usize, AmiId)> {
    let mut wanted = BTreeSet::new();
    if let Some(release) = release {
        wanted.insert((0, release.ami_id.clone()));
    }
    // The last stage promotes nothing, so its own rollouts need no look-up.
    for index in 0..config.stages.len().saturating_sub(1) {
        if let Some(ami) = stage_runs(config, files, index) {
            wanted.insert((index, ami));
        }
    }
    for pr in open_prs {
        for (index, targets) in pr.targets.iter().enumerate().skip(1) {
            for target in targets {
                if let TargetAtHead::Set(value) = target
                    && let Ok(ami) = value.parse::<AmiId>()
                {
                    wanted.insert((index - 1, ami));
                }
            }
        }
    }
    wanted
}

/// Reads pull requests, caching what several facts share.
struct Reader<'a, C> {
    client: &'a C,
    bot: &'a BotIdentity,
    aws: Option<&'a dyn super::aws::AwsFacts>,
    repo: &'a RepoName,
    config: &'a RepoConfig,
    files: &'a BTreeMap<String, String>,
    head_files: HashMap<(String, String), Option<String>>,
}

impl<C: GitHubClient> Reader<'_, C> {
    fn is_ours(&self, pr: &PullRequest) -> bool {
        pr.author.eq_ignore_ascii_case(&self.bot.login) && PrMarker::parse(&pr.body).is_some()
    }

    /// What an open pull request does to each target, its gate, and its unanswered applies.
    async fn open_pr(&mut self, pr: &PullRequest) -> anyhow::Result<OpenPr> {
        let changed: BTreeSet<String> = self
            .client
            .pull_request_files(self.repo, pr.number)
            .await
            .with_context(|| format!("Cannot list the files of #{}", pr.number))?
            .into_iter()
            .flat_map(|f| std::iter::once(f.path).chain(f.previous_path))
            .collect();
        let mut targets = Vec::with_capacity(self.config.stages.len());
        for stage in &self.config.stages {
            let mut at_head = Vec::with_capacity(stage.targets.len());
            for target in &stage.targets {
                at_head.push(if changed.contains(&target.file) {
                    self.target_at_head(pr, &target.file, &target.address)
                        .await?
                } else {
                    TargetAtHead::Unchanged
                });
            }
            targets.push(at_head);
        }
        let gated = targets
            .iter()
            .skip(1)
            .flatten()
            .any(|t| *t != TargetAtHead::Unchanged);
        let unanswered_apply_requests = if gated {
            let comments = self.comments(pr.number).await?;
            unanswered_apply_requests(&comments, &self.bot.login)
        } else {
            Vec::new()
        };
        Ok(OpenPr {
            number: pr.number,
            head_sha: pr.head_sha.clone(),
            targets,
            gate: self.existing_gate(&pr.head_sha).await?,
            unanswered_apply_requests,
        })
    }

    async fn target_at_head(
        &mut self,
        pr: &PullRequest,
        file: &str,
        address: &hcl::Address,
    ) -> anyhow::Result<TargetAtHead> {
        let key = (pr.head_sha.to_string(), file.to_owned());
        if !self.head_files.contains_key(&key) {
            let text = match self
                .client
                .file(self.repo, file, pr.head_sha.as_str())
                .await
            {
                Ok(bytes) => bytes.and_then(|b| String::from_utf8(b).ok()),
                Err(crate::github::GitHubError::NotUtf8 { .. }) => None,
                Err(err) => {
                    return Err(err)
                        .with_context(|| format!("Cannot read `{file}` at #{}'s head", pr.number));
                }
            };
            self.head_files.insert(key.clone(), text);
        }
        let Some(Some(text)) = self.head_files.get(&key) else {
            return Ok(TargetAtHead::Unreadable(
                "the file is deleted or not UTF-8".into(),
            ));
        };
        let base = self
            .files
            .get(file)
            .and_then(|t| hcl::get(t, address).ok())
            .map(|found| found.value);
        Ok(match hcl::get(text, address) {
            Ok(found) if Some(&found.value) == base.as_ref() => TargetAtHead::Unchanged,
            Ok(found) => TargetAtHead::Set(found.value),
            Err(err) => TargetAtHead::Unreadable(format!("{file}:{}: {err}", err.location())),
        })
    }

    /// The newest gate check run by this App on `sha`.
    async fn existing_gate(&self, sha: &CommitSha) -> anyhow::Result<Option<ExistingGate>> {
        let runs = self
            .client
            .check_runs(self.repo, sha, &self.config.gate_check_name)
            .await
            .context("Cannot list check runs")?;
        Ok(runs
            .into_iter()
            .filter(|run| {
                run.app_slug
                    .as_deref()
                    .is_none_or(|slug| slug == self.bot.slug)
            })
            .max_by_key(|run| run.id)
            .map(|run| ExistingGate {
                id: run.id,
                verdict: GateVerdict {
                    conclusion: match (run.status, run.conclusion) {
                        (Some(CheckStatus::Completed), Some(CheckConclusion::Success)) => {
                            GateConclusion::Success
                        }
                        (Some(CheckStatus::Completed), _) => GateConclusion::Failure,
                        _ => GateConclusion::Pending,
                    },
                    title: run.title.unwrap_or_default(),
                    summary: run.summary.unwrap_or_default(),
                },
            }))
    }

    async fn comments(&self, number: PullRequestNumber) -> anyhow::Result<Vec<IssueComment>> {
        self.client
            .issue_comments(self.repo, number)
            .await
            .with_context(|| format!("Cannot read the comments of #{number}"))
    }

    /// The facts of one of amiroll's pull requests; `None` for a stage the config no longer has.
    async fn bot_pr(&self, pr: &PullRequest) -> anyhow::Result<Option<BotPr>> {
        let Some(marker) = PrMarker::parse(&pr.body) else {
            return Ok(None);
        };
        let Some((_, stage)) = self.config.stage(&marker.stage) else {
            return Ok(None);
        };
        let state = match (pr.state, pr.merged) {
            (PullRequestState::Open, _) => PrState::Open,
            (_, true) => PrState::Merged,
            (_, false) => PrState::Closed,
        };
        let mut bot_pr = BotPr {
            number: pr.number,
            url: pr.html_url.clone(),
            marker,
            state,
            head_ref: Some(pr.head_ref.clone()),
            head_sha: pr.head_sha.clone(),
            approved: false,
            planned: Default::default(),
            applied: Default::default(),
            tasks_moved: None,
            checklist: None,
        };
        if state == PrState::Closed {
            return Ok(Some(bot_pr));
        }
        let reviews = self
            .client
            .reviews(self.repo, pr.number)
            .await
            .with_context(|| format!("Cannot read the reviews of #{}", pr.number))?;
        bot_pr.approved = is_approved(&reviews);
        let statuses = self
            .client
            .statuses(self.repo, &pr.head_sha)
            .await
            .with_context(|| format!("Cannot read the statuses of #{}", pr.number))?;
        let comments = self.comments(pr.number).await?;
        let status_facts: Vec<StatusFact<'_>> = statuses
            .iter()
            .map(|s| StatusFact {
                context: &s.context,
                state: &s.state,
                description: s.description.as_deref(),
                target_url: s.target_url.as_deref(),
                creator: s.creator.as_deref(),
            })
            .collect();
        let comment_facts: Vec<CommentFact<'_>> = comments
            .iter()
            .map(|c| CommentFact {
                author: &c.author,
                body: &c.body,
                html_url: &c.html_url,
            })
            .collect();
        let view = atlantis::recognise(
            &self.config.atlantis,
            stage.atlantis_project.as_deref(),
            &status_facts,
            &comment_facts,
        );
        bot_pr.planned = view.planned;
        bot_pr.applied = view.applied;
        bot_pr.checklist = comments
            .iter()
            .filter(|c| c.author.eq_ignore_ascii_case(&self.bot.login) && is_checklist(&c.body))
            .min_by_key(|c| c.id)
            .map(|c| ExistingComment {
                id: c.id,
                body: c.body.clone(),
            });
        bot_pr.tasks_moved = self
            .tasks_moved(&bot_pr, stage.ecs_cluster.as_deref())
            .await;
        Ok(Some(bot_pr))
    }
}

impl<C> Reader<'_, C> {
    /// Whether ECS proves the stage's tasks moved: asked only once the stage is applied and until
    /// the checklist shows it (a ticked box stays ticked); `None` when amiroll cannot tell.
    async fn tasks_moved(&self, pr: &BotPr, cluster: Option<&str>) -> Option<bool> {
        let (aws, cluster) = (self.aws?, cluster?);
        let already = pr.checklist.as_ref().is_some_and(|c| {
            crate::rollout::checklist::ticked_ids(&c.body).contains("tasks-moved")
        });
        if already {
            return Some(true);
        }
        if !matches!(pr.applied, crate::rollout::checklist::Mark::Done(_)) {
            return Some(false);
        }
        match aws
            .tasks_moved(&self.config.ami.region, cluster, &pr.marker.ami)
            .await
        {
            Ok(moved) => {
                tracing::info!(repo = %self.repo, cluster, "{moved}");
                Some(moved.is_moved())
            }
            Err(err) => {
                tracing::warn!(repo = %self.repo, cluster, "cannot check ECS: {err:#}");
                None
            }
        }
    }
}

/// Approved when some reviewer's latest approving-or-blocking review approves.
fn is_approved(reviews: &[crate::github::types::Review]) -> bool {
    let mut latest: HashMap<&str, &str> = HashMap::new();
    for review in reviews {
        if matches!(
            review.state.as_str(),
            "APPROVED" | "CHANGES_REQUESTED" | "DISMISSED"
        ) {
            latest.insert(&review.author, &review.state);
        }
    }
    latest.values().any(|state| *state == "APPROVED")
}

/// `atlantis apply` comments by people, newer than the last one amiroll answered.
fn unanswered_apply_requests(comments: &[IssueComment], bot_login: &str) -> Vec<CommentId> {
    let answered = comments
        .iter()
        .filter(|c| c.author.eq_ignore_ascii_case(bot_login))
        .filter_map(|c| {
            let rest = c.body.strip_prefix(REFUSAL_MARKER)?;
            rest.split(" -->").next()?.parse::<u64>().ok()
        })
        .max()
        .unwrap_or(0);
    comments
        .iter()
        .filter(|c| !c.author.eq_ignore_ascii_case(bot_login))
        .filter(|c| c.id.0 > answered && is_apply_request(&c.body))
        .map(|c| c.id)
        .collect()
}
