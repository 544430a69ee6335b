//! The backstop that never misses a release: SSM is read once at start-up and then every few
//! minutes (with jitter, so that many amiroll instances do not read in step), and at once when a
//! [`CheckRequest`] arrives (a verified SNS notification, an operator).
//!
//! What is emitted, on the release channel:
//! - at start-up, the current release of every (parameter, region) pair, unconditionally: the
//!   poller keeps no state across restarts, and the rollout core decides idempotently, from what
//!   GitHub holds, whether a release is new;
//! - on a tick, a pair's release only when its AMI differs from the last one seen for that pair;
//! - on a check request, every pair's current release, carrying the request's origin, even when
//!   unchanged: whoever asked wants the rollout core to look again (e.g. after a GitHub outage
//!   made it fail), and the core's decisions are idempotent. Requests are coalesced upstream
//!   (see [`request_check`](super::request_check)), so this cannot flood the core.
//!
//! A failed read is logged and retried at the next tick; it never stops the loop. The loop stops
//! when the shutdown signal fires or nobody receives releases any more.

use std::collections::HashMap;
use std::time::Duration;

use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

use super::ssm::{ParameterStore, SsmSource};
use super::{AmiId, CheckRequest, Release, ReleaseOrigin};

/// How often the poller reads SSM.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PollerConfig {
    /// The mean time between two scheduled reads.
    pub interval: Duration,
    /// How far each wait may stray from `interval`, as a fraction of it (`0.1` is ±10%). Values
    /// outside `0.0..=0.5` are clamped into it.
    pub jitter: f64,
}

impl PollerConfig {
    /// The default interval: Amazon publishes a few releases a month, and a read is cheap.
    pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(15 * 60);
    /// The default jitter: ±10%.
    pub const DEFAULT_JITTER: f64 = 0.1;

    /// A configuration reading every `interval`, with the default jitter.
    pub fn every(interval: Duration) -> Self {
        Self {
            interval,
            jitter: Self::DEFAULT_JITTER,
        }
    }

    /// The wait before the next scheduled read, for `unit` drawn uniformly from `-1.0..=1.0`
    /// (values outside are clamped): `interval × (1 + jitter × unit)`.
    pub fn delay(&self, unit: f64) -> Duration {
        let jitter = if self.jitter.is_finite() {
            self.jitter.clamp(0.0, 0.5)
        } else {
            0.0
        };
        let unit = if unit.is_finite() {
            unit.clamp(-1.0, 1.0)
        } else {
            0.0
        };
        let factor = 1.0 + jitter * unit;
        Duration::try_from_secs_f64(self.interval.as_secs_f64() * factor).unwrap_or(self.interval)
    }
}

impl Default for PollerConfig {
    fn default() -> Self {
        Self::every(Self::DEFAULT_INTERVAL)
    }
}

/// The last AMI seen for each (parameter, region) pair: decides whether a scheduled read
/// produced something worth emitting.
#[derive(Clone, Debug, Default)]
pub struct LastSeen {
    amis: HashMap<(String, String), AmiId>,
}

impl LastSeen {
    /// Records `release` and says whether its AMI differs from the last one seen for its
    /// (parameter, region) pair. The first release of a pair always differs.
    pub fn record(&mut self, release: &Release) -> bool {
        let key = (release.parameter.clone(), release.region.clone());
        let previous = self.amis.insert(key, release.ami_id.clone());
        previous.as_ref() != Some(&release.ami_id)
    }
}

/// What woke the poller up.
enum Trigger {
    /// The start-up read or a scheduled one.
    Tick,
    /// Someone asked for a check.
    Check(CheckRequest),
}

/// The release receiver is gone: nobody needs the poller any more.
struct ReleasesClosed;

/// Reads every configured source on a schedule and on request; see the module documentation.
pub struct Poller<S> {
    sources: Vec<SsmSource<S>>,
    config: PollerConfig,
    last_seen: LastSeen,
}

impl<S: ParameterStore> Poller<S> {
    /// A poller over `sources`, one per configured (parameter, region) pair.
    pub fn new(sources: Vec<SsmSource<S>>, config: PollerConfig) -> Self {
        Self {
            sources,
            config,
            last_seen: LastSeen::default(),
        }
    }

    /// Runs until `shutdown` becomes `true` (or its sender is dropped), or until `releases` has
    /// no receiver. Reads at once on start, then on every tick and every request from `checks`;
    /// when `checks` closes, ticks go on. A read in progress is abandoned at shutdown.
    pub async fn run(
        mut self,
        releases: mpsc::Sender<Release>,
        mut checks: mpsc::Receiver<CheckRequest>,
        mut shutdown: watch::Receiver<bool>,
    ) {
        let mut checks_open = true;
        let mut next_tick = Instant::now();
        loop {
            let trigger = tokio::select! {
                biased;
                () = shutdown_signalled(&mut shutdown) => break,
                request = checks.recv(), if checks_open => match request {
                    Some(request) => Trigger::Check(request),
                    None => {
                        checks_open = false;
                        continue;
                    }
                },
                () = tokio::time::sleep_until(next_tick) => Trigger::Tick,
            };
            if matches!(trigger, Trigger::Tick) {
                next_tick = next_tick_after(self.config.delay(rand::random_range(-1.0..=1.0)));
            }
            tokio::select! {
                biased;
                () = shutdown_signalled(&mut shutdown) => break,
                outcome = self.poll(trigger, &releases) => if outcome.is_err() {
                    tracing::info!("nobody receives releases any more; the SSM poller stops");
                    return;
                },
            }
        }
        tracing::info!("the SSM poller stops: shutting down");
    }

    /// Reads every source once and emits what `trigger` calls for.
    async fn poll(
        &mut self,
        trigger: Trigger,
        releases: &mpsc::Sender<Release>,
    ) -> Result<(), ReleasesClosed> {
        let (origin, always_emit) = match &trigger {
            Trigger::Tick => (ReleaseOrigin::Ssm, false),
            Trigger::Check(request) => {
                tracing::info!(
                    origin = ?request.origin,
                    hint = request.hint.as_deref().unwrap_or(""),
                    "check requested: reading SSM now"
                );
                (request.origin.clone(), true)
            }
        };
        for source in &self.sources {
            match source.read(origin.clone()).await {
                Ok(release) => {
                    let changed = self.last_seen.record(&release);
                    if changed || always_emit {
                        tracing::info!(
                            parameter = %source.parameter(),
                            region = source.region(),
                            ami = %release.ami_id,
                            name = release.label(),
                            changed,
                            "emitting the recommended AMI"
                        );
                        releases.send(release).await.map_err(|_| ReleasesClosed)?;
                    } else {
                        tracing::debug!(
                            parameter = %source.parameter(),
                            region = source.region(),
                            ami = %release.ami_id,
                            "the recommended AMI is unchanged"
                        );
                    }
                }
                Err(err) => tracing::warn!(
                    parameter = %source.parameter(),
                    region = source.region(),
                    retryable = err.is_retryable(),
                    "cannot read the recommended AMI, will try again at the next tick: {err}"
                ),
            }
        }
        Ok(())
    }
}

/// When to read next: `delay` from now, or a year from now if that cannot be represented.
fn next_tick_after(delay: Duration) -> Instant {
    const YEAR: Duration = Duration::from_secs(365 * 24 * 60 * 60);
    let now = Instant::now();
    now.checked_add(delay)
        .or_else(|| now.checked_add(YEAR))
        .unwrap_or(now)
}

/// Completes when `shutdown` holds `true` or its sender is gone.
async fn shutdown_signalled(shutdown: &mut watch::Receiver<bool>) {
    loop {
        if *shutdown.borrow_and_update() {
            return;
        }
        if shutdown.changed().await.is_err() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn release(parameter: &str, region: &str, ami: &str) -> Release {
        let mut release = Release::manual(ami.parse().unwrap());
        release.parameter = parameter.to_owned();
        release.region = region.to_owned();
        release
    }

    #[test]
    fn the_first_release_of_a_pair_is_new_and_a_repeat_is_not() {
        let mut seen = LastSeen::default();
        assert!(seen.record(&release("/p", "us-east-1", "ami-cad827b7")));
        assert!(!seen.record(&release("/p", "us-east-1", "ami-cad827b7")));
    }

    #[test]
    fn a_changed_ami_is_new_even_when_it_goes_back() {
        let mut seen = LastSeen::default();
        assert!(seen.record(&release("/p", "us-east-1", "ami-cad827b7")));
        assert!(seen.record(&release("/p", "us-east-1", "ami-0bb273345f0961e90")));
        assert!(seen.record(&release("/p", "us-east-1", "ami-cad827b7")));
    }

    #[test]
    fn pairs_are_tracked_separately() {
        let mut seen = LastSeen::default();
        assert!(seen.record(&release("/p", "us-east-1", "ami-cad827b7")));
        assert!(seen.record(&release("/p", "eu-west-1", "ami-cad827b7")));
        assert!(seen.record(&release("/q", "us-east-1", "ami-cad827b7")));
        assert!(!seen.record(&release("/p", "eu-west-1", "ami-cad827b7")));
    }

    #[test]
    fn delay_strays_at_most_by_the_jitter() {
        let config = PollerConfig::every(Duration::from_secs(600));
        assert_eq!(config.delay(0.0), Duration::from_secs(600));
        assert_eq!(config.delay(-1.0), Duration::from_secs(540));
        assert_eq!(config.delay(1.0), Duration::from_secs(660));
        assert_eq!(
            config.delay(7.0),
            Duration::from_secs(660),
            "unit is clamped"
        );
        assert_eq!(config.delay(f64::NAN), Duration::from_secs(600));
    }

    #[test]
    fn delay_survives_odd_configurations() {
        let wild = PollerConfig {
            interval: Duration::from_secs(600),
            jitter: 3.0,
        };
        assert_eq!(
            wild.delay(-1.0),
            Duration::from_secs(300),
            "jitter is clamped to 50%"
        );
        let none = PollerConfig {
            interval: Duration::from_secs(600),
            jitter: -1.0,
        };
        assert_eq!(none.delay(1.0), Duration::from_secs(600));
        let huge = PollerConfig::every(Duration::MAX);
        assert_eq!(huge.delay(1.0), Duration::MAX, "no overflow panic");
    }
}
