//! The server over a real socket. Graceful shutdown: once the signal comes, no new delivery is
//! accepted, and every delivery accepted before it is handled; what cannot finish within the
//! deadline is reported by id rather than silently dropped. And a client that never finishes
//! sending its body is answered 408 instead of holding the connection.

mod server_common;

use std::collections::BTreeSet;
use std::time::Duration;

use amiroll::server::{DrainReport, Queue, Server, sign};
use server_common::{Recorder, SECRET, pull_request_payload, server};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

struct Running {
    url: String,
    queue: Queue,
    stop: oneshot::Sender<()>,
    task: JoinHandle<std::io::Result<DrainReport>>,
}

async fn start(server: Server, deadline: Duration) -> Running {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/webhooks/github", listener.local_addr().unwrap());
    let queue = server.queue().clone();
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(server.serve(
        listener,
        async move {
            let _ = stopped.await;
        },
        deadline,
    ));
    Running {
        url,
        queue,
        stop,
        task,
    }
}

async fn post(client: &reqwest::Client, url: &str, repo: &str, id: &str) -> reqwest::Result<u16> {
    let body = pull_request_payload(repo, 1);
    let response = client
        .post(url)
        .header("x-github-event", "pull_request")
        .header("x-github-delivery", id)
        .header("x-hub-signature-256", sign(SECRET.as_bytes(), &body))
        .body(body)
        .send()
        .await?;
    Ok(response.status().as_u16())
}

async fn wait_until_closed(queue: &Queue) {
    for _ in 0..6_000 {
        if queue.is_closed() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("the queue never closed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_refuses_new_deliveries_and_handles_every_accepted_one() {
    let recorder = Recorder::held();
    let running = start(server(100, recorder.clone()), Duration::from_secs(60)).await;
    let client = reqwest::Client::new();

    let mut accepted = BTreeSet::new();
    for n in 0..20 {
        let id = format!("s-{n}");
        let status = post(&client, &running.url, &format!("org/repo-{}", n % 3), &id)
            .await
            .unwrap();
        assert_eq!(status, 202);
        accepted.insert(id);
    }
    assert!(recorder.handled().is_empty(), "the handler is held");

    running.stop.send(()).unwrap();
    wait_until_closed(&running.queue).await;
    // After the signal a delivery is refused (503) or the connection is refused: never accepted.
    let late = post(&reqwest::Client::new(), &running.url, "org/late", "late").await;
    assert!(
        !matches!(late, Ok(202)),
        "a delivery was accepted after shutdown: {late:?}"
    );

    recorder.release();
    let report = running.task.await.unwrap().unwrap();
    assert!(report.abandoned.is_empty(), "{report:?}");
    let handled: BTreeSet<String> = recorder
        .handled()
        .iter()
        .map(|d| d.id.as_str().to_owned())
        .collect();
    assert_eq!(
        handled, accepted,
        "every accepted delivery was handled, and only those"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn work_left_at_the_deadline_is_reported_by_id() {
    let recorder = Recorder::held();
    let running = start(server(100, recorder.clone()), Duration::from_millis(200)).await;
    let client = reqwest::Client::new();
    for (repo, id) in [("org/a", "a-1"), ("org/a", "a-2"), ("org/b", "b-1")] {
        assert_eq!(post(&client, &running.url, repo, id).await.unwrap(), 202);
    }
    drop(client);

    running.stop.send(()).unwrap();
    let report = running.task.await.unwrap().unwrap();
    let abandoned: BTreeSet<&str> = report.abandoned.iter().map(|id| id.as_str()).collect();
    assert_eq!(abandoned, BTreeSet::from(["a-1", "a-2", "b-1"]));
    assert!(recorder.handled().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_that_never_finishes_arriving_is_answered_408() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let mut options = server_common::options(10);
    options.body_timeout = Duration::from_millis(200);
    let server = Server::new(options, Recorder::new(), amiroll::metrics::Metrics::new());
    let metrics = server.metrics().clone();
    let running = start(server, Duration::from_secs(5)).await;
    let address = running
        .url
        .trim_start_matches("http://")
        .trim_end_matches("/webhooks/github")
        .to_owned();

    let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    let head = "POST /webhooks/github HTTP/1.1\r\nhost: amiroll\r\nx-github-event: push\r\n\
                x-github-delivery: slow-1\r\ncontent-length: 1000\r\n\r\n{\"ref\":";
    stream.write_all(head.as_bytes()).await.unwrap();
    // The rest of the body never comes; the server answers on its own.
    let mut answer = Vec::new();
    let mut buffer = [0u8; 1024];
    while !answer.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut buffer).await.unwrap();
        assert!(n > 0, "connection closed without an answer");
        answer.extend_from_slice(&buffer[..n]);
    }
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(
        metrics
            .render()
            .contains(r#"amiroll_webhooks_total{event="unverified",outcome="body_timeout"} 1"#)
    );

    drop(stream);
    running.stop.send(()).unwrap();
    running.task.await.unwrap().unwrap();
}
