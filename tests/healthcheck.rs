//! `amiroll healthcheck`, the container's HEALTHCHECK, run as Docker runs it against a small
//! server that is healthy, broken, gone or hung.

use std::net::SocketAddr;
use std::process::{Command, Output};

use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use tokio::runtime::Runtime;

/// A server answering `/healthz` (200), `/broken` (500 with a reason) and `/hang` (never).
struct TestServer {
    addr: SocketAddr,
    // Keeps the server's runtime alive while the binary runs.
    _runtime: Runtime,
}

impl TestServer {
    fn start() -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let addr = listener.local_addr().unwrap();
        let app = Router::new()
            .route("/healthz", get(|| async { "ok" }))
            .route(
                "/broken",
                get(|| async {
                    (
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "database on fire\nsecond line",
                    )
                }),
            )
            .route("/hang", get(std::future::pending::<&'static str>));
        runtime.spawn(async move { axum::serve(listener, app).await });
        Self {
            addr,
            _runtime: runtime,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}

/// A loopback port nothing listens on (bound, then released).
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

fn healthcheck(args: &[&str], listen: Option<&str>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_amiroll"));
    command.arg("healthcheck").args(args);
    match listen {
        Some(listen) => command.env("AMIROLL_LISTEN", listen),
        None => command.env_remove("AMIROLL_LISTEN"),
    };
    command.output().unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn a_server_answering_200_is_healthy_and_nothing_is_printed() {
    let server = TestServer::start();
    let out = healthcheck(&["--url", &server.url("/healthz")], None);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(out.stdout.is_empty() && out.stderr.is_empty());
}

#[test]
fn the_url_is_derived_from_amiroll_listen_like_the_server_does() {
    let server = TestServer::start();
    let listen = format!("0.0.0.0:{}", server.addr.port());
    let out = healthcheck(&[], Some(&listen));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn a_server_answering_500_is_unhealthy_and_its_reason_is_quoted_on_one_line() {
    let server = TestServer::start();
    let out = healthcheck(&["--url", &server.url("/broken")], None);
    assert_eq!(out.status.code(), Some(1));
    let reason = stderr(&out);
    assert_eq!(reason.lines().count(), 1, "{reason}");
    assert!(reason.contains("answered 500"), "{reason}");
    assert!(reason.contains("database on fire"), "{reason}");
}

#[test]
fn a_closed_port_is_unhealthy_and_says_the_connection_failed() {
    let url = format!("http://127.0.0.1:{}/healthz", closed_port());
    let out = healthcheck(&["--url", &url], None);
    assert_eq!(out.status.code(), Some(1));
    let reason = stderr(&out);
    assert_eq!(reason.lines().count(), 1, "{reason}");
    assert!(reason.contains(&format!("cannot reach {url}")), "{reason}");
}

#[test]
fn a_server_that_never_answers_is_unhealthy_once_the_timeout_passes() {
    let server = TestServer::start();
    let out = healthcheck(&["--url", &server.url("/hang")], None);
    assert_eq!(out.status.code(), Some(1));
    let reason = stderr(&out);
    assert!(reason.contains("did not answer within 2s"), "{reason}");
}

#[test]
fn a_malformed_listen_address_fails_with_1_not_dockers_reserved_2() {
    let out = healthcheck(&[], Some("localhost"));
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("AMIROLL_LISTEN"), "{}", stderr(&out));
}
