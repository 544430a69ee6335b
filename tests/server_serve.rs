//! `amiroll serve` wired as in production (SSM poller off) against the simulated GitHub: the webhook
//! intake, the operator API and the SNS endpoint are mounted, `/readyz` asks GitHub, the start-up
//! reconciliation gates a pull request opened while amiroll was down, and the shutdown signal stops
//! it cleanly.

mod support;

use std::time::Duration;

use support::github::SimGitHub;
use support::world::{REPO, example_files};

use amiroll::server::settings::FileSettings;
use amiroll::server::{Secret, Settings, SettingsArgs, sign};
use tokio::sync::oneshot;

/// A loopback port that was free a moment ago.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_mounts_every_route_and_stops_on_the_signal() {
    // A repository with a hand-written production pull request opened while amiroll was down.
    let sim = SimGitHub::start().await;
    sim.add_installation(7, "CityOfBoston");
    let files = example_files("/aws/service/ecs/optimized-ami/amazon-linux-2/recommended");
    let files: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(p, c)| (p.as_str(), c.as_slice()))
        .collect();
    sim.add_repo(7, REPO, "main", &files);
    let base = String::from_utf8(sim.file(REPO, "main", "apps/clusters.tf").unwrap()).unwrap();
    let production = base.rfind("ami-0bb273345f0961e90").unwrap();
    let edited = format!(
        "{}ami-0123456789abcdef0{}",
        &base[..production],
        &base[production + 21..]
    );
    sim.push(
        REPO,
        "prod-bump",
        &[("apps/clusters.tf", edited.as_bytes())],
        "Bump production",
    );
    let pr = sim.open_pull(REPO, "bob", "prod-bump", "main", "Bump production", "");
    sim.discard_webhooks();

    let port = free_port();
    let credentials = sim.credentials();
    let args = SettingsArgs {
        app_id: Some(credentials.app_id()),
        private_key: Some(Secret::new(
            String::from_utf8(sim.private_key_pem()).unwrap(),
        )),
        github_api_url: Some(sim.api_url()),
        webhook_secret: Some(Secret::new("serve-secret")),
        listen: Some(format!("127.0.0.1:{port}")),
        poll_interval: Some("0s".into()),
        sns_topics: Some(
            "arn:aws:sns:us-east-1:177427601217:ecs-optimized-amazon-ami-update".into(),
        ),
        ..SettingsArgs::default()
    };
    let settings = Settings::merge(args, FileSettings::default(), None).unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let serving = tokio::spawn(amiroll::cli::serve::serve(settings, async move {
        let _ = stopped.await;
    }));

    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let mut up = false;
    for _ in 0..500 {
        if client.get(format!("{base}/healthz")).send().await.is_ok() {
            up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(up, "amiroll serve did not come up");

    let status = |response: reqwest::Response| response.status().as_u16();
    assert_eq!(
        status(client.get(format!("{base}/readyz")).send().await.unwrap()),
        200
    );
    // The operator API is mounted, and disabled without a token.
    assert_eq!(
        status(
            client
                .post(format!("{base}/api/check"))
                .send()
                .await
                .unwrap()
        ),
        403
    );
    // The SNS endpoint is mounted: a body that is not an SNS message is a 400, not a 404.
    assert_eq!(
        status(
            client
                .post(format!("{base}/webhooks/sns"))
                .body("{}")
                .send()
                .await
                .unwrap()
        ),
        400
    );
    // The webhook intake is mounted and checks signatures.
    let body = br#"{"zen":"Keep it logically awesome."}"#.to_vec();
    let signed = client
        .post(format!("{base}/webhooks/github"))
        .header("x-github-event", "ping")
        .header("x-github-delivery", "ping-1")
        .header("x-hub-signature-256", sign(b"serve-secret", &body))
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(status(signed), 202);
    let unsigned = client
        .post(format!("{base}/webhooks/github"))
        .header("x-github-event", "ping")
        .header("x-github-delivery", "ping-2")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(status(unsigned), 401);
    drop(client);

    // The start-up reconciliation gated the pull request opened while amiroll was down.
    let head = sim.pull(REPO, pr).head_sha.parse().unwrap();
    let mut gated = false;
    for _ in 0..500 {
        if sim
            .check_runs(REPO, &head)
            .iter()
            .any(|run| run.name == "amiroll/promotion")
        {
            gated = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(gated, "no gate on #{pr} after the start-up reconciliation");
    sim.assert_no_unexpected_calls();

    stop.send(()).unwrap();
    let report = serving.await.unwrap().unwrap();
    assert!(report.abandoned.is_empty(), "{report:?}");
}
