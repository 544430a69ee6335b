//! `amiroll serve`: runs the GitHub App server (webhook intake, SNS trigger, operator API, SSM
//! poller, health and metrics) until SIGTERM or SIGINT, then shuts down gracefully.

use std::future::Future;
use std::sync::Arc;
use std::time::SystemTime;

use anyhow::Context as _;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};
use tracing_subscriber::EnvFilter;

use crate::ami::api::{ApiToken, OperatorApi};
use crate::ami::sns::{Clock, ReqwestFetcher, SnsEndpoint};
use crate::ami::ssm::{AwsParameterStore, SsmSource};
use crate::ami::{CheckRequest, Poller, PollerConfig, Release};
use crate::cli::Exit;
use crate::events::{Event, ReconcileRequest};
use crate::github::port::GitHubApp;
use crate::github::{AppCredentials, ClientSettings, OctocrabApp};
use crate::handlers::Engine;
use crate::handlers::aws::LiveAws;
use crate::metrics::Metrics;
use crate::server::{
    Delivery, DeliveryId, DrainReport, LogFormat, Queue, QueueRefused, ReadinessProbe, Server,
    ServerOptions, Settings, SettingsArgs, cached_probe,
};

/// Arguments of `amiroll serve`.
#[derive(Debug, clap::Args)]
#[command(after_long_help = AFTER_HELP)]
pub struct ServeArgs {
    /// The server's settings.
    #[command(flatten)]
    pub settings: SettingsArgs,
    /// Print the resolved settings (secrets shown as [redacted]) and exit without serving.
    #[arg(long)]
    pub print_settings: bool,
}

const AFTER_HELP: &str = "\
Routes:
  POST /webhooks/github  GitHub webhooks (signed with the webhook secret; 202 once queued)
  POST /webhooks/sns     the SNS trigger (mounted when AMIROLL_SNS_TOPICS is set)
  POST /api/check        ask for an SSM read now (Authorization: Bearer AMIROLL_API_TOKEN)
  GET  /healthz          200 while the process runs
  GET  /readyz           200 when ready for traffic, 503 while shutting down
  GET  /metrics          Prometheus metrics (OpenMetrics text)

Precedence:
  Flags and environment variables override the settings file (--config-file, YAML), which
  overrides the defaults. The App id, the private key and the webhook secret are required.
  AWS settings come from the standard AWS variables (AWS_REGION, AWS_ENDPOINT_URL, credentials).

Shutdown:
  On SIGTERM or SIGINT amiroll stops accepting deliveries (503, so GitHub records them as
  failed and they can be redelivered), lets open requests finish, then gives queued work up to
  --shutdown-deadline; deliveries still unhandled then are logged by id.

Exit status:
  0  stopped after a shutdown signal
  1  the server could not start (address in use, ...) or failed
  2  the settings are missing or invalid (the message names the setting)";

/// Runs `amiroll serve` until SIGTERM or SIGINT.
pub async fn run(args: ServeArgs) -> Exit {
    let settings = match Settings::resolve(args.settings) {
        Ok(settings) => settings,
        Err(err) => {
            eprintln!("error: {err}");
            return Exit::BadInput;
        }
    };
    if args.print_settings {
        println!("{settings:#?}");
        return Exit::Ok;
    }
    init_logging(settings.log_format);
    match serve(settings, shutdown_signal()).await {
        Ok(_) => Exit::Ok,
        Err(err) => {
            tracing::error!(error = format!("{err:#}"), "amiroll serve failed");
            eprintln!("error: {err:#}");
            Exit::Failure
        }
    }
}

/// Installs the global log subscriber (level from `RUST_LOG`, default `info`).
fn init_logging(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let installed = match format {
        LogFormat::Human => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
    if installed.is_err() {
        eprintln!("warning: a log subscriber was already installed");
    }
}

/// Completes on the first SIGTERM or SIGINT.
pub async fn shutdown_signal() {
    let interrupt = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => tracing::info!("SIGINT received"),
        () = terminate => tracing::info!("SIGTERM received"),
    }
}

/// Wires everything `settings` asks for and serves until `shutdown` completes.
pub async fn serve(
    settings: Settings,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<DrainReport> {
    let metrics = Metrics::new();
    let credentials =
        AppCredentials::from_pem(settings.app_id, settings.private_key.expose().as_bytes())
            .context("Cannot use the App's private key")?;
    let app = Arc::new(
        OctocrabApp::new(
            &credentials,
            ClientSettings::new(settings.github_api_url.as_str()),
            Some(metrics.clone()),
        )
        .context("Cannot build the GitHub client")?,
    );
    let engine = Engine::new(Arc::clone(&app)).with_aws(Arc::new(LiveAws::new(None)));
    if let Err(err) = engine.bot().await {
        // Not fatal: GitHub may be down for a moment. `/readyz` stays 503 until it answers.
        tracing::warn!(
            "cannot reach GitHub as the App yet (check AMIROLL_APP_ID, the key and AMIROLL_GITHUB_API_URL): {err:#}"
        );
    }
    let readiness: ReadinessProbe = {
        let app = Arc::clone(&app);
        Arc::new(move || {
            let app = Arc::clone(&app);
            Box::pin(async move { app.app_info().await.is_ok() })
        })
    };
    let server = Server::new(
        ServerOptions::from_settings(&settings),
        engine.clone(),
        metrics,
    )
    .with_readiness(cached_probe(readiness, std::time::Duration::from_secs(30)));
    let (checks, checks_rx) = mpsc::channel::<CheckRequest>(1);
    let api_token = match &settings.api_token {
        Some(token) => Some(ApiToken::new(token.expose()).context("Cannot use AMIROLL_API_TOKEN")?),
        None => None,
    };
    let mut server = server.merge(OperatorApi::new(api_token, checks.clone()).router());
    if settings.sns.allowed_topics.is_empty() {
        tracing::info!("no AMIROLL_SNS_TOPICS: the SNS endpoint is not mounted");
    } else {
        let fetcher = Arc::new(ReqwestFetcher::new().context("Cannot build the SNS fetcher")?);
        let endpoint = SnsEndpoint::new(settings.sns.clone(), fetcher, checks, Clock::system());
        server = server.merge(endpoint.router());
    }

    let (stop, stopped) = watch::channel(false);
    match settings.poll_interval {
        Some(interval) => {
            let store = AwsParameterStore::new(&settings.aws_region, None).await;
            let source = SsmSource::new(store, settings.ssm_parameter.clone());
            let poller = Poller::new(vec![source], PollerConfig::every(interval));
            let (releases, releases_rx) = mpsc::channel(16);
            tokio::spawn(forward_releases(releases_rx, server.queue().clone()));
            tokio::spawn(poller.run(releases, checks_rx, stopped.clone()));
            tracing::info!(
                parameter = %settings.ssm_parameter,
                region = settings.aws_region,
                interval = %humantime::format_duration(interval),
                "SSM poller started"
            );
        }
        None => {
            drop(checks_rx);
            tracing::info!("AMIROLL_POLL_INTERVAL is 0: the SSM poller is disabled");
        }
    }

    match settings.reconcile_interval {
        Some(interval) => {
            tokio::spawn(maintain(
                engine,
                server.queue().clone(),
                interval,
                stopped.clone(),
            ));
        }
        None => {
            tracing::info!("AMIROLL_RECONCILE_INTERVAL is 0: periodic reconciliation is disabled")
        }
    }

    let listener = TcpListener::bind(settings.listen)
        .await
        .with_context(|| format!("Cannot listen on {}", settings.listen))?;
    let address = listener
        .local_addr()
        .context("Cannot read the listen address")?;
    tracing::info!(
        listen = %address,
        github_api_url = %settings.github_api_url,
        app_id = settings.app_id,
        "amiroll serve is listening"
    );
    let shutdown = async move {
        shutdown.await;
        stop.send_replace(true);
    };
    let report = server
        .serve(listener, shutdown, settings.shutdown_deadline)
        .await
        .context("Cannot serve HTTP")?;
    Ok(report)
}

/// At start-up and every `interval`: asks GitHub to redeliver what failed, and queues a
/// reconciliation of every repository (each in its own lane, so it never races that repository's
/// webhooks). Stops when `stopped` turns true.
async fn maintain<A: GitHubApp + 'static>(
    engine: Engine<A>,
    queue: Queue,
    interval: std::time::Duration,
    mut stopped: watch::Receiver<bool>,
) where
    A::Client: 'static,
{
    let mut round: u64 = 0;
    loop {
        round += 1;
        match engine.redeliver_failed().await {
            Ok(0) => {}
            Ok(asked) => {
                tracing::info!(asked, "asked GitHub to redeliver failed webhook deliveries")
            }
            Err(err) => tracing::warn!("cannot check for failed deliveries: {err:#}"),
        }
        match engine.repositories().await {
            Ok(repositories) => {
                for (installation, repository) in repositories {
                    let delivery = Delivery {
                        id: DeliveryId::internal(format!("reconcile-{round}-{repository}")),
                        event: Event::Reconcile(ReconcileRequest {
                            installation,
                            repository,
                        }),
                        received_at: SystemTime::now(),
                    };
                    if let Err(refused) = queue.enqueue(delivery) {
                        tracing::warn!(
                            ?refused,
                            "reconciliation not queued; the next round retries"
                        );
                        break;
                    }
                }
            }
            Err(err) => tracing::warn!("cannot list repositories to reconcile: {err:#}"),
        }
        tokio::select! {
            () = tokio::time::sleep(interval) => {}
            _ = stopped.wait_for(|stop| *stop) => return,
        }
    }
}

/// Offers each release the poller emits to the queue, as an [`Event::Release`]; waits and retries
/// while the queue is full, stops when it closes.
async fn forward_releases(mut releases: mpsc::Receiver<Release>, queue: Queue) {
    let mut sequence: u64 = 0;
    while let Some(release) = releases.recv().await {
        sequence += 1;
        let started = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |since| since.as_secs());
        let delivery = Delivery {
            id: DeliveryId::internal(format!("release-{started}-{sequence}")),
            event: Event::Release(release),
            received_at: SystemTime::now(),
        };
        loop {
            match queue.enqueue(delivery.clone()) {
                Ok(_) => break,
                Err(QueueRefused::Full) => {
                    tracing::warn!("the queue is full: the release waits");
                    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                }
                Err(QueueRefused::Closed) => return,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ami::AmiId;
    use crate::server::{EventHandler, QueueConfig};

    struct Forward(mpsc::UnboundedSender<Delivery>);

    impl EventHandler for Forward {
        async fn handle(&self, delivery: Delivery) -> anyhow::Result<()> {
            self.0.send(delivery)?;
            Ok(())
        }
    }

    #[tokio::test]
    async fn releases_from_the_poller_reach_the_handler_in_the_releases_lane() {
        let (handled, mut received) = mpsc::unbounded_channel();
        let queue = Queue::new(QueueConfig::default(), Forward(handled), Metrics::new());
        let (releases, releases_rx) = mpsc::channel(4);
        let forwarding = tokio::spawn(forward_releases(releases_rx, queue));

        let ami: AmiId = "ami-0123456789abcdef0".parse().unwrap();
        releases.send(Release::manual(ami.clone())).await.unwrap();
        releases.send(Release::manual(ami.clone())).await.unwrap();
        drop(releases);
        forwarding.await.unwrap();

        for _ in 0..2 {
            let delivery = received.recv().await.unwrap();
            assert!(
                delivery.id.as_str().starts_with("release-"),
                "{}",
                delivery.id
            );
            assert_eq!(delivery.event.lane(), crate::events::Lane::Releases);
            let Event::Release(release) = delivery.event else {
                panic!("not a release: {:?}", delivery.event);
            };
            assert_eq!(release.ami_id, ami);
        }
    }
}
