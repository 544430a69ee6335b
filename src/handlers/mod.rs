//! The thin shell around the rollout core: one handler per event decides *which* repository to
//! bring up to date; [`reconcile`] gathers the facts from GitHub, asks the pure core what to do, and
//! does it through the GitHub port. Every event ends in the same idempotent reconciliation, so a
//! redelivered, reordered or missed event cannot leave a rollout half-done.

pub mod aws;
mod check_run;
mod execute;
mod gather;
mod installation;
mod issue_comment;
mod pull_request;
mod push;
mod reconcile;
mod release;
mod review;
mod status;

use std::sync::Arc;

use anyhow::Context as _;

use crate::events::Event;
use crate::github::ids::{InstallationId, RepoName};
use crate::github::port::GitHubApp;
use crate::server::{Delivery, EventHandler};

pub use reconcile::{ReconcileOutcome, ReleaseInput, reconcile};

use self::aws::AwsFacts;

/// Who amiroll is on GitHub: how it recognises its own pull requests, comments and check runs (a
/// marker alone proves nothing: anyone can paste one).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BotIdentity {
    /// The App's bot login, e.g. `amiroll[bot]`.
    pub login: String,
    /// The App's slug, as check runs name their App.
    pub slug: String,
}

/// What every reconciliation needs besides the GitHub client.
#[derive(Clone, Copy)]
pub struct Context<'a> {
    /// amiroll on GitHub.
    pub bot: &'a BotIdentity,
    /// AWS, when the engine may read it.
    pub aws: Option<&'a dyn AwsFacts>,
}

/// The rollout engine: handles every event, and reconciles every repository on demand. Cheap to
/// clone (the App client is shared), so the server and the periodic reconciliation share one.
pub struct Engine<A: GitHubApp> {
    app: Arc<A>,
    /// Asked of GitHub once, on first need, so amiroll starts (and answers `/healthz`) even while
    /// GitHub is unreachable; `/readyz` says when it is not.
    bot: Arc<tokio::sync::OnceCell<BotIdentity>>,
    aws: Option<Arc<dyn AwsFacts>>,
}

impl<A: GitHubApp> Clone for Engine<A> {
    fn clone(&self) -> Self {
        Self {
            app: Arc::clone(&self.app),
            bot: Arc::clone(&self.bot),
            aws: self.aws.clone(),
        }
    }
}

impl<A: GitHubApp> Engine<A> {
    /// An engine acting as the App `app`.
    pub fn new(app: Arc<A>) -> Self {
        Self {
            app,
            bot: Arc::default(),
            aws: None,
        }
    }

    /// Lets the engine read AWS: releases during periodic reconciliation, and ECS to prove that
    /// running tasks moved. Without it, those checklist items are left to people.
    pub fn with_aws(mut self, aws: Arc<dyn AwsFacts>) -> Self {
        self.aws = Some(aws);
        self
    }

    async fn context(&self) -> anyhow::Result<Context<'_>> {
        Ok(Context {
            bot: self.bot().await?,
            aws: self.aws.as_deref(),
        })
    }

    /// The App's identity on GitHub, asked once.
    pub async fn bot(&self) -> anyhow::Result<&BotIdentity> {
        self.bot
            .get_or_try_init(|| async {
                let info = self
                    .app
                    .app_info()
                    .await
                    .context("Cannot read the GitHub App's identity")?;
                tracing::info!(bot = info.bot_login(), "acting as the GitHub App");
                anyhow::Ok(BotIdentity {
                    login: info.bot_login(),
                    slug: info.slug,
                })
            })
            .await
    }

    /// Brings one repository up to date (no new release).
    pub async fn reconcile_repository(
        &self,
        installation: InstallationId,
        repo: &RepoName,
    ) -> anyhow::Result<ReconcileOutcome> {
        let client = self
            .app
            .installation(installation)
            .with_context(|| format!("Cannot act as installation {installation}"))?;
        reconcile(&client, &self.context().await?, repo, ReleaseInput::None).await
    }

    /// Every repository the App can act on: what a periodic reconciliation walks. Each one is
    /// then reconciled as an [`Event::Reconcile`] in its own lane, bringing each rollout to where
    /// its events would have brought it (missing checklists and gates, a release or a promotion
    /// missed while amiroll was down).
    pub async fn repositories(&self) -> anyhow::Result<Vec<(InstallationId, RepoName)>> {
        release::every_repository(self.app.as_ref()).await
    }

    /// Asks GitHub to deliver again the recent webhook deliveries that never succeeded because of
    /// amiroll (a 5xx, or no answer), at most three attempts per delivery; a delivery amiroll
    /// refused on purpose (4xx) is not retried. Returns how many were asked for.
    pub async fn redeliver_failed(&self) -> anyhow::Result<usize> {
        let deliveries = self
            .app
            .hook_deliveries(100)
            .await
            .context("Cannot list the App's webhook deliveries")?;
        let mut by_guid: std::collections::BTreeMap<
            &str,
            Vec<&crate::github::types::HookDelivery>,
        > = Default::default();
        for delivery in &deliveries {
            by_guid
                .entry(delivery.guid.as_str())
                .or_default()
                .push(delivery);
        }
        let mut asked = 0;
        for attempts in by_guid.values() {
            let ours_to_retry = attempts
                .iter()
                .all(|d| d.status_code == 0 || d.status_code >= 500);
            if !ours_to_retry || attempts.len() >= 3 {
                continue;
            }
            let Some(newest) = attempts.iter().max_by_key(|d| d.id) else {
                continue;
            };
            match self.app.redeliver(newest.id).await {
                Ok(()) => asked += 1,
                Err(err) => {
                    tracing::warn!(delivery = newest.guid, "cannot ask for a redelivery: {err}")
                }
            }
        }
        Ok(asked)
    }
}

impl<A> EventHandler for Engine<A>
where
    A: GitHubApp + 'static,
    A::Client: 'static,
{
    async fn handle(&self, delivery: Delivery) -> anyhow::Result<()> {
        match delivery.event {
            Event::PullRequest(event) => pull_request::handle(self, event).await,
            Event::PullRequestReview(event) => review::handle(self, event).await,
            Event::IssueComment(event) => issue_comment::handle(self, event).await,
            Event::Status(event) => status::handle(self, event).await,
            Event::CheckRun(event) => check_run::handle(self, event).await,
            Event::CheckSuite(event) => check_run::handle_suite(self, event).await,
            Event::Push(event) => push::handle(self, event).await,
            Event::Installation(event) => installation::handle(self, event).await,
            Event::InstallationRepositories(event) => {
                installation::handle_repositories(self, event).await
            }
            Event::Release(release) => release::handle(self, release).await,
            Event::Reconcile(request) => {
                let client = self.app.installation(request.installation)?;
                reconcile(
                    &client,
                    &self.context().await?,
                    &request.repository,
                    ReleaseInput::LookUp,
                )
                .await
                .map(drop)
            }
        }
    }
}

/// Reconciles `repo` for an event that may carry no installation (GitHub App webhooks always do).
async fn reconcile_for<A: GitHubApp>(
    engine: &Engine<A>,
    installation: Option<InstallationId>,
    repo: &RepoName,
) -> anyhow::Result<()> {
    let Some(installation) = installation else {
        tracing::debug!(%repo, "event without an installation: nothing amiroll can act as");
        return Ok(());
    };
    engine
        .reconcile_repository(installation, repo)
        .await
        .map(drop)
}
