//! A notification published on a moto SNS topic reaches the running endpoint over HTTP, passes the
//! real signature check (moto signs with version 2 and a certificate it serves itself), and turns
//! into a request to re-read SSM. moto also shows the endpoint's strictness: it leaves `Subject` out
//! of what it signs, so a moto message with a subject is (rightly) refused.

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use amiroll::ami::sns::{
    Clock, FetchError, FetchFuture, Fetcher, SnsEndpoint, SnsSettings, TopicArn,
};
use amiroll::ami::{CheckRequest, ReleaseOrigin};
use support::moto::MotoServer;
use tokio::sync::mpsc;
use url::Url;

const REGION: &str = "us-east-1";
const TOPIC: &str = "arn:aws:sns:us-east-1:123456789012:amiroll-ami-releases";

/// Fetches `https://sns.<region>.amazonaws.com/<cert>.pem` from moto, which serves the certificates
/// it signs with at that path. moto's server picks the service from the request's credential scope,
/// not its host, so the request carries a (dummy) SigV4 header naming `sns`. Records what it fetched.
struct MotoCertificates {
    moto: String,
    fetched: Mutex<Vec<String>>,
}

impl Fetcher for MotoCertificates {
    fn get<'a>(&'a self, url: &'a Url) -> FetchFuture<'a> {
        Box::pin(async move {
            self.fetched.lock().unwrap().push(url.to_string());
            let host = url.host_str().unwrap_or_default().to_owned();
            let response = reqwest::Client::new()
                .get(format!("{}{}", self.moto, url.path()))
                .header("host", host)
                .header(
                    "authorization",
                    "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/sns/aws4_request, \
                     SignedHeaders=host, Signature=0",
                )
                .send()
                .await
                .map_err(|err| FetchError::Transport {
                    url: url.to_string(),
                    reason: err.to_string(),
                })?;
            if !response.status().is_success() {
                return Err(FetchError::Status {
                    url: url.to_string(),
                    status: response.status().as_u16(),
                });
            }
            Ok(response.bytes().await.unwrap_or_default().to_vec())
        })
    }
}

/// amiroll's SNS endpoint serving on a loopback port, allowing [`TOPIC`] and fetching moto's
/// certificates; the server task owns the endpoint, so aborting it closes the trigger channel.
struct Running {
    fetcher: Arc<MotoCertificates>,
    triggered: mpsc::Receiver<CheckRequest>,
    address: std::net::SocketAddr,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
}

async fn serve_endpoint(moto: &MotoServer) -> Running {
    let fetcher = Arc::new(MotoCertificates {
        moto: moto.endpoint_url(),
        fetched: Mutex::new(Vec::new()),
    });
    let (checks, triggered) = mpsc::channel::<CheckRequest>(8);
    let settings = SnsSettings {
        allowed_topics: TopicArn::parse_list(TOPIC).unwrap(),
        ..SnsSettings::default()
    };
    let endpoint = SnsEndpoint::new(settings, fetcher.clone(), checks, Clock::system());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let server = tokio::spawn(axum::serve(listener, endpoint.router()).into_future());
    Running {
        fetcher,
        triggered,
        address,
        server,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_moto_notification_is_verified_and_triggers_an_ssm_read() {
    let moto = MotoServer::start();
    let Running {
        fetcher,
        mut triggered,
        address,
        ..
    } = serve_endpoint(&moto).await;

    // Amazon (moto) publishes on the topic amiroll subscribed to over HTTP.
    let message_id = tokio::task::spawn_blocking({
        let script = format!(
            r#"
import boto3
sns = boto3.client("sns", region_name="{REGION}")
arn = sns.create_topic(Name="amiroll-ami-releases")["TopicArn"]
assert arn == "{TOPIC}", arn
sns.subscribe(TopicArn=arn, Protocol="http", Endpoint="http://{address}/webhooks/sns")
print(sns.publish(TopicArn=arn, Message='{{"ECSAmis": []}}')["MessageId"])
"#
        );
        move || moto.boto3(REGION, &script)
    })
    .await
    .unwrap();

    let request = tokio::time::timeout(Duration::from_secs(30), triggered.recv())
        .await
        .expect("the endpoint asked for an SSM read")
        .expect("the check channel is open");
    assert_eq!(request.origin, ReleaseOrigin::Sns { message_id });
    let fetched = fetcher.fetched.lock().unwrap().clone();
    assert_eq!(fetched.len(), 1, "{fetched:?}");
    assert!(
        fetched[0].starts_with("https://sns.us-east-1.amazonaws.com/SimpleNotificationService-")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_moto_notification_with_a_subject_is_refused_because_moto_did_not_sign_it() {
    let moto = MotoServer::start();
    let Running {
        fetcher,
        mut triggered,
        address,
        server,
    } = serve_endpoint(&moto).await;

    tokio::task::spawn_blocking({
        let script = format!(
            r#"
import boto3
sns = boto3.client("sns", region_name="{REGION}")
arn = sns.create_topic(Name="amiroll-ami-releases")["TopicArn"]
sns.subscribe(TopicArn=arn, Protocol="http", Endpoint="http://{address}/webhooks/sns")
sns.publish(TopicArn=arn, Message="new AMI", Subject="ECS AMI update")
"#
        );
        move || moto.boto3(REGION, &script)
    })
    .await
    .unwrap();

    // moto's POST has been answered by the time publish returns; nothing may have been triggered.
    server.abort();
    assert!(
        triggered.recv().await.is_none(),
        "a subject moto did not sign was accepted"
    );
    // It was refused on its signature: the certificate was fetched and the check ran.
    assert_eq!(fetcher.fetched.lock().unwrap().len(), 1);
}
