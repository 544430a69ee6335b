//! A whole amiroll in a test: the simulated GitHub, the real server (router, queue, engine) on a
//! loopback port receiving the simulation's signed webhooks, and the octocrab client talking HTTP to
//! the simulation. Stories drive humans and Atlantis on the simulation and let amiroll react.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

use amiroll::ami::Release;
use amiroll::events::Event;
use amiroll::github::retry::RetryPolicy;
use amiroll::github::{ClientSettings, OctocrabApp, PullRequestNumber};
use amiroll::handlers::Engine;
use amiroll::handlers::aws::AwsFacts;
use amiroll::metrics::Metrics;
use amiroll::server::{Delivery, DeliveryId, QueueConfig, Secret, Server, ServerOptions};

use super::github::SimGitHub;

/// The repository every story works on.
pub const REPO: &str = "CityOfBoston/digital-terraform";
/// The installation id.
pub const INSTALLATION: u64 = 7;
/// Atlantis's login, as the example config names it.
pub const ATLANTIS: &str = "cob-digital-atlantis";
/// A reviewer.
pub const REVIEWER: &str = "jane";
const SECRET: &str = "world webhook secret";
/// The AMI both stages of the example run at first.
pub const OLD_AMI: &str = "ami-0bb273345f0961e90";
/// The AMI the stories release.
pub const NEW_AMI: &str = "ami-0123456789abcdef0";
/// The example config's SSM parameter (Amazon Linux 2, us-east-1).
pub const AL2_PARAMETER: &str = "/aws/service/ecs/optimized-ami/amazon-linux-2/recommended";

/// A release of `ami` on [`AL2_PARAMETER`] in us-east-1, as the poller would hand it over.
pub fn release_of(ami: &str) -> Release {
    let mut release = Release::manual(ami.parse().unwrap());
    release.parameter = AL2_PARAMETER.into();
    release.region = "us-east-1".into();
    release
}

/// The example repository's files, with the config pointed at `parameter`.
pub fn example_files(parameter: &str) -> Vec<(String, Vec<u8>)> {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/example");
    let config = std::fs::read_to_string(format!("{root}/.github/amiroll.yml"))
        .unwrap()
        .replace(
            "/aws/service/ecs/optimized-ami/amazon-linux-2/recommended",
            parameter,
        );
    vec![
        (".github/amiroll.yml".into(), config.into_bytes()),
        (
            "apps/clusters.tf".into(),
            std::fs::read(format!("{root}/apps/clusters.tf")).unwrap(),
        ),
        (
            "atlantis.yaml".into(),
            std::fs::read(format!("{root}/atlantis.yaml")).unwrap(),
        ),
    ]
}

/// amiroll running against a simulated GitHub.
pub struct World {
    /// The simulated GitHub.
    pub sim: SimGitHub,
    /// The engine (also reachable through the server's queue).
    pub engine: Engine<OctocrabApp>,
    server: Server,
    releases: AtomicUsize,
}

impl World {
    /// A simulation holding `files` in [`REPO`], amiroll installed on it and listening.
    pub async fn new(files: &[(String, Vec<u8>)]) -> Self {
        Self::build(files, None).await
    }

    /// The same, with amiroll reading AWS (moto) for releases and ECS.
    pub async fn with_aws(files: &[(String, Vec<u8>)], aws: Arc<dyn AwsFacts>) -> Self {
        Self::build(files, Some(aws)).await
    }

    async fn build(files: &[(String, Vec<u8>)], aws: Option<Arc<dyn AwsFacts>>) -> Self {
        let sim = SimGitHub::start().await;
        sim.add_installation(INSTALLATION, "CityOfBoston");
        let files: Vec<(&str, &[u8])> = files
            .iter()
            .map(|(p, c)| (p.as_str(), c.as_slice()))
            .collect();
        sim.add_repo(INSTALLATION, REPO, "main", &files);
        let settings = ClientSettings {
            retry: RetryPolicy::fast(),
            mutation_spacing: Duration::ZERO,
            ..ClientSettings::new(sim.api_url())
        };
        let metrics = Metrics::new();
        let app = OctocrabApp::new(&sim.credentials(), settings, Some(metrics.clone())).unwrap();
        let mut engine = Engine::new(Arc::new(app));
        engine
            .bot()
            .await
            .expect("the simulated GitHub knows the App");
        if let Some(aws) = aws {
            engine = engine.with_aws(aws);
        }
        let options = ServerOptions {
            webhook_secret: Secret::new(SECRET),
            queue: QueueConfig {
                capacity: 1024,
                workers: 4,
                remembered_deliveries: 10_000,
            },
            max_body_bytes: 1024 * 1024,
            body_timeout: Duration::from_secs(30),
        };
        let server = Server::new(options, engine.clone(), metrics);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/webhooks/github", listener.local_addr().unwrap());
        tokio::spawn(axum::serve(listener, server.router()).into_future());
        sim.send_webhooks_to(&url, SECRET);
        Self {
            sim,
            engine,
            server,
            releases: AtomicUsize::new(0),
        }
    }

    /// The poller found `release`: it enters the queue like any event.
    pub fn release(&self, release: &Release) {
        let n = self.releases.fetch_add(1, Ordering::SeqCst);
        let delivery = Delivery {
            id: DeliveryId::internal(format!("release-{n}")),
            event: Event::Release(release.clone()),
            received_at: SystemTime::now(),
        };
        self.server.queue().enqueue(delivery).unwrap();
    }

    /// Lets everything settle: waits for the queue to empty, delivers the webhooks the simulation
    /// queued (for what people, Atlantis and amiroll did), and again, until nothing is left.
    pub async fn settle(&self) {
        for _ in 0..50 {
            self.idle().await;
            if self.sim.pending_webhooks().is_empty() {
                return;
            }
            self.sim.deliver_webhooks().await;
        }
        panic!("the world never settled: amiroll keeps reacting to its own actions");
    }

    async fn idle(&self) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        while self.server.queue().depth() > 0 {
            assert!(
                tokio::time::Instant::now() < deadline,
                "the queue never emptied"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// The pull requests amiroll opened, in order.
    pub fn bot_pulls(&self) -> Vec<super::github::SimPull> {
        self.sim
            .pulls(REPO)
            .into_iter()
            .filter(|p| p.user.ends_with("[bot]"))
            .collect()
    }

    /// amiroll's comments on a pull request.
    pub fn bot_comments(&self, number: u64) -> Vec<super::github::SimComment> {
        self.sim
            .comments(REPO, PullRequestNumber(number))
            .into_iter()
            .filter(|c| c.user.ends_with("[bot]"))
            .collect()
    }

    /// The head commit of pull request `number`.
    pub fn head(&self, number: u64) -> amiroll::github::CommitSha {
        self.sim
            .pull(REPO, PullRequestNumber(number))
            .head_sha
            .parse()
            .unwrap()
    }

    /// A reviewer approves pull request `number`, and Atlantis reports `context` as `success` with
    /// `description` on its head (e.g. `atlantis/apply: apps/default`, `Apply succeeded.`).
    pub fn approve_and_apply(&self, number: u64, context: &str, description: &str) {
        self.sim
            .review(REPO, PullRequestNumber(number), REVIEWER, "APPROVED");
        self.sim.set_status(
            REPO,
            &self.head(number),
            context,
            "success",
            description,
            ATLANTIS,
        );
    }

    /// The newest gate check run on pull request `number`'s head.
    pub fn gate(&self, number: u64) -> super::github::SimCheckRun {
        self.sim
            .check_runs(REPO, &self.head(number))
            .into_iter()
            .rev()
            .find(|run| run.name == "amiroll/promotion")
            .expect("a gate check run")
    }

    /// The text of `path` on `git_ref`.
    pub fn file(&self, git_ref: &str, path: &str) -> String {
        String::from_utf8(self.sim.file(REPO, git_ref, path).unwrap()).unwrap()
    }
}
