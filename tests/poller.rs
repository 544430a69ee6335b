//! The poller's story: it reads SSM at start-up and on every tick, emits a release only when the
//! AMI changes, answers check requests at once, shrugs off failed reads, and stops on shutdown.
//! SSM is an in-memory store whose answer the test changes; the test waits for reads to happen,
//! never for time to pass.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use amiroll::ami::ssm::{ParameterName, ParameterStore, ParameterValue, SsmError, SsmSource};
use amiroll::ami::{CheckRequest, Poller, PollerConfig, Release, ReleaseOrigin};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

/// A guard against hanging forever when the poller misbehaves; never reached when it works.
const GUARD: Duration = Duration::from_secs(30);
const PARAMETER: &str = "/test/ecs/recommended/image_id";
const OLD: &str = "ami-0bb273345f0961e90";
const NEW: &str = "ami-06cc69030d77088a1";

/// What the fake SSM answers.
#[derive(Clone)]
enum Answer {
    Value(&'static str),
    Throttled,
    Hang,
}

/// One region of fake SSM: answers every read with the current [`Answer`] and reports each read.
#[derive(Clone)]
struct FakeSsm {
    region: &'static str,
    answer: Arc<Mutex<Answer>>,
    reads: mpsc::UnboundedSender<&'static str>,
}

impl FakeSsm {
    fn answer(&self, answer: Answer) {
        *self.answer.lock().unwrap() = answer;
    }
}

impl ParameterStore for FakeSsm {
    fn region(&self) -> &str {
        self.region
    }

    async fn get(&self, name: &ParameterName) -> Result<ParameterValue, SsmError> {
        let _ = self.reads.send(self.region);
        let answer = self.answer.lock().unwrap().clone();
        match answer {
            Answer::Value(value) => Ok(ParameterValue {
                value: value.to_owned(),
                version: 1,
            }),
            Answer::Throttled => Err(SsmError::Retryable {
                parameter: name.to_string(),
                region: self.region.to_owned(),
                message: "ThrottlingException: Rate exceeded".to_owned(),
            }),
            Answer::Hang => std::future::pending().await,
        }
    }

    async fn get_many(
        &self,
        _names: &[ParameterName],
    ) -> Result<BTreeMap<String, ParameterValue>, SsmError> {
        Ok(BTreeMap::new())
    }
}

/// A running poller and the test's ends of its channels.
struct Harness {
    regions: Vec<FakeSsm>,
    releases: mpsc::Receiver<Release>,
    reads: mpsc::UnboundedReceiver<&'static str>,
    checks: mpsc::Sender<CheckRequest>,
    shutdown: watch::Sender<bool>,
    task: JoinHandle<()>,
}

/// Starts a poller over one source per region, all answering `OLD`, ticking every `interval`.
fn start(regions: &[&'static str], interval: Duration) -> Harness {
    let (reads_tx, reads) = mpsc::unbounded_channel();
    let fakes: Vec<FakeSsm> = regions
        .iter()
        .map(|region| FakeSsm {
            region,
            answer: Arc::new(Mutex::new(Answer::Value(OLD))),
            reads: reads_tx.clone(),
        })
        .collect();
    let sources = fakes
        .iter()
        .map(|fake| SsmSource::new(fake.clone(), PARAMETER.parse().unwrap()))
        .collect();
    let (releases_tx, releases) = mpsc::channel(16);
    let (checks, checks_rx) = mpsc::channel(4);
    let (shutdown, shutdown_rx) = watch::channel(false);
    let poller = Poller::new(sources, PollerConfig::every(interval));
    let task = tokio::spawn(poller.run(releases_tx, checks_rx, shutdown_rx));
    Harness {
        regions: fakes,
        releases,
        reads,
        checks,
        shutdown,
        task,
    }
}

async fn guarded<T>(what: &str, future: impl Future<Output = T>) -> T {
    tokio::time::timeout(GUARD, future)
        .await
        .unwrap_or_else(|_| panic!("gave up waiting for {what}"))
}

impl Harness {
    async fn next_release(&mut self) -> Release {
        guarded("a release", self.releases.recv())
            .await
            .expect("the poller stopped")
    }

    /// Waits until `count` more reads have started. Reads run one after another, so once a read
    /// has started, everything the reads before it emitted is already in the channel.
    async fn reads_started(&mut self, count: usize) {
        for _ in 0..count {
            guarded("a read", self.reads.recv()).await.unwrap();
        }
    }

    fn nothing_emitted(&mut self) -> bool {
        self.releases.try_recv().is_err()
    }

    async fn stopped(self) {
        guarded("the poller to stop", self.task).await.unwrap();
    }
}

const FAST: Duration = Duration::from_millis(5);
const NEVER: Duration = Duration::from_secs(24 * 60 * 60);

#[tokio::test]
async fn the_start_up_read_always_emits_for_every_pair() {
    let mut poller = start(&["us-east-1", "eu-west-1"], NEVER);
    let first = poller.next_release().await;
    let second = poller.next_release().await;
    assert_eq!(first.ami_id.as_str(), OLD);
    assert_eq!(first.origin, ReleaseOrigin::Ssm);
    assert_eq!(first.parameter, PARAMETER);
    let mut regions = [first.region, second.region];
    regions.sort();
    assert_eq!(regions, ["eu-west-1", "us-east-1"]);
}

#[tokio::test]
async fn the_same_ami_read_again_is_emitted_once() {
    let mut poller = start(&["us-east-1"], FAST);
    assert_eq!(poller.next_release().await.ami_id.as_str(), OLD);
    poller.reads_started(4).await; // the start-up read and three ticks
    assert!(
        poller.nothing_emitted(),
        "an unchanged AMI was emitted again"
    );
}

#[tokio::test]
async fn a_changed_ami_is_emitted() {
    let mut poller = start(&["us-east-1"], FAST);
    assert_eq!(poller.next_release().await.ami_id.as_str(), OLD);

    poller.regions[0].answer(Answer::Value(NEW));

    let release = poller.next_release().await;
    assert_eq!(release.ami_id.as_str(), NEW);
    assert_eq!(release.origin, ReleaseOrigin::Ssm);
}

#[tokio::test]
async fn a_check_request_reads_at_once_and_carries_its_origin() {
    let mut poller = start(&["us-east-1"], NEVER);
    assert_eq!(poller.next_release().await.origin, ReleaseOrigin::Ssm);
    poller.regions[0].answer(Answer::Value(NEW));

    // No tick comes for a day: only the request can make the poller read.
    poller
        .checks
        .send(CheckRequest::sns(
            "m-1",
            Some("ami-06cc69030d77088a1 in us-east-1".into()),
        ))
        .await
        .unwrap();

    let release = poller.next_release().await;
    assert_eq!(release.ami_id.as_str(), NEW);
    assert_eq!(
        release.origin,
        ReleaseOrigin::Sns {
            message_id: "m-1".into()
        }
    );
}

#[tokio::test]
async fn a_check_request_emits_even_an_unchanged_ami() {
    let mut poller = start(&["us-east-1"], NEVER);
    poller.next_release().await;

    poller.checks.send(CheckRequest::manual()).await.unwrap();

    let release = poller.next_release().await;
    assert_eq!(release.ami_id.as_str(), OLD);
    assert_eq!(release.origin, ReleaseOrigin::Manual);
}

#[tokio::test]
async fn failed_reads_do_not_stop_the_loop() {
    let mut poller = start(&["us-east-1", "eu-west-1"], FAST);
    poller.regions[0].answer(Answer::Throttled);

    // The healthy region is not held back by the failing one.
    let healthy = poller.next_release().await;
    assert_eq!(healthy.region, "eu-west-1");

    poller.reads_started(6).await;
    assert!(poller.nothing_emitted());
    poller.regions[0].answer(Answer::Value(NEW));

    let recovered = poller.next_release().await;
    assert_eq!(recovered.region, "us-east-1");
    assert_eq!(recovered.ami_id.as_str(), NEW);
}

#[tokio::test]
async fn shutdown_stops_the_loop() {
    let mut poller = start(&["us-east-1"], FAST);
    poller.next_release().await;
    poller.shutdown.send(true).unwrap();
    poller.stopped().await;
}

#[tokio::test]
async fn shutdown_abandons_a_read_that_hangs() {
    let mut poller = start(&["us-east-1"], FAST);
    poller.regions[0].answer(Answer::Hang);
    poller.reads_started(1).await;
    poller.shutdown.send(true).unwrap();
    poller.stopped().await;
}

#[tokio::test]
async fn dropping_the_shutdown_sender_stops_the_loop() {
    let poller = start(&["us-east-1"], NEVER);
    let Harness { shutdown, task, .. } = poller;
    drop(shutdown);
    guarded("the poller to stop", task).await.unwrap();
}

#[tokio::test]
async fn the_loop_stops_when_nobody_receives_releases() {
    let Harness {
        releases,
        task,
        shutdown,
        checks,
        ..
    } = start(&["us-east-1"], FAST);
    drop(releases);
    guarded("the poller to stop", task).await.unwrap();
    drop((shutdown, checks));
}

#[tokio::test]
async fn ticks_go_on_after_the_check_channel_closes() {
    let mut poller = start(&["us-east-1"], FAST);
    poller.next_release().await;
    let (closed, _) = mpsc::channel(1);
    drop(std::mem::replace(&mut poller.checks, closed));

    poller.regions[0].answer(Answer::Value(NEW));

    assert_eq!(poller.next_release().await.ami_id.as_str(), NEW);
}
