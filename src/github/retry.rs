//! When to try a GitHub call again and how long to wait first: a pure decision from the answer's
//! status and headers, so the policy GitHub documents (honour `retry-after`, wait for
//! `x-ratelimit-reset` when the primary limit is spent, back off on 5xx, give up after a bound) is
//! tested without a clock or a network.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::http::{HeaderMap, StatusCode};

/// How hard to try.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in total, the first included.
    pub max_attempts: u32,
    /// The first back-off; it doubles on each further attempt.
    pub base_delay: Duration,
    /// The longest back-off between two attempts.
    pub max_delay: Duration,
    /// The longest a rate limit may make a call wait; longer waits give up with an error.
    pub max_rate_limit_wait: Duration,
    /// Attempts at a pull request that answers 404 right after it was announced.
    pub fresh_not_found_attempts: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 5,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            max_rate_limit_wait: Duration::from_secs(120),
            fresh_not_found_attempts: 4,
        }
    }
}

/// What to do after a failed attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Wait this long, then try again.
    RetryAfter(Duration),
    /// A rate limit asks for a longer wait than allowed: give up and say so.
    RateLimitedFor(Duration),
    /// Do not try again.
    GiveUp,
}

/// What went wrong on one attempt.
#[derive(Clone, Copy, Debug)]
pub enum Failure<'a> {
    /// GitHub answered with a non-success status.
    Status {
        /// The status.
        status: StatusCode,
        /// The answer's headers.
        headers: &'a HeaderMap,
        /// GitHub's `message`, when it gave one.
        message: &'a str,
    },
    /// No answer: the connection failed or the attempt timed out.
    NoAnswer,
}

impl RetryPolicy {
    /// A policy for tests: same bounds, tiny back-offs.
    pub fn fast() -> Self {
        Self {
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(100),
            max_rate_limit_wait: Duration::from_secs(5),
            ..Self::default()
        }
    }

    /// Decides after attempt number `attempt` (1 for the first) failed with `failure`.
    /// `fresh_not_found` says whether a 404 may be GitHub not having caught up yet.
    pub fn decide(
        &self,
        failure: Failure<'_>,
        attempt: u32,
        fresh_not_found: bool,
        now: SystemTime,
    ) -> Decision {
        let (status, headers, message) = match failure {
            Failure::NoAnswer => return self.backoff(attempt, self.max_attempts),
            Failure::Status {
                status,
                headers,
                message,
            } => (status, headers, message),
        };
        if status.is_server_error() {
            return self.backoff(attempt, self.max_attempts);
        }
        if status == StatusCode::NOT_FOUND && fresh_not_found {
            return self.backoff(attempt, self.fresh_not_found_attempts);
        }
        if status == StatusCode::FORBIDDEN || status == StatusCode::TOO_MANY_REQUESTS {
            if attempt >= self.max_attempts {
                return Decision::GiveUp;
            }
            if let Some(seconds) = header_u64(headers, "retry-after") {
                return self.rate_limit_wait(Duration::from_secs(seconds.max(1)));
            }
            if header_u64(headers, "x-ratelimit-remaining") == Some(0) {
                let reset = header_u64(headers, "x-ratelimit-reset").unwrap_or(0);
                let now = now.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
                // One second past the reset, so that the window has surely turned over.
                let wait = reset.saturating_sub(now).saturating_add(1);
                return self.rate_limit_wait(Duration::from_secs(wait));
            }
            let secondary = status == StatusCode::TOO_MANY_REQUESTS
                || message.to_ascii_lowercase().contains("rate limit");
            if secondary {
                return self.backoff(attempt, self.max_attempts);
            }
        }
        Decision::GiveUp
    }

    /// Exponential back-off, or give up after `bound` attempts.
    fn backoff(&self, attempt: u32, bound: u32) -> Decision {
        if attempt >= bound {
            return Decision::GiveUp;
        }
        let factor = 2u32.saturating_pow(attempt.saturating_sub(1));
        Decision::RetryAfter(self.base_delay.saturating_mul(factor).min(self.max_delay))
    }

    fn rate_limit_wait(&self, wait: Duration) -> Decision {
        if wait > self.max_rate_limit_wait {
            Decision::RateLimitedFor(wait)
        } else {
            Decision::RetryAfter(wait)
        }
    }
}

fn header_u64(headers: &HeaderMap, name: &str) -> Option<u64> {
    headers.get(name)?.to_str().ok()?.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, value.parse().unwrap());
        }
        map
    }

    fn decide(status: u16, pairs: &[(&'static str, &str)], attempt: u32) -> Decision {
        let headers = headers(pairs);
        RetryPolicy::default().decide(
            Failure::Status {
                status: StatusCode::from_u16(status).unwrap(),
                headers: &headers,
                message: "",
            },
            attempt,
            false,
            UNIX_EPOCH + Duration::from_secs(1_000),
        )
    }

    #[test]
    fn server_errors_back_off_exponentially_then_give_up() {
        assert_eq!(
            decide(502, &[], 1),
            Decision::RetryAfter(Duration::from_millis(500))
        );
        assert_eq!(
            decide(500, &[], 2),
            Decision::RetryAfter(Duration::from_secs(1))
        );
        assert_eq!(
            decide(503, &[], 3),
            Decision::RetryAfter(Duration::from_secs(2))
        );
        assert_eq!(decide(500, &[], 5), Decision::GiveUp);
    }

    #[test]
    fn retry_after_is_honoured_and_capped() {
        assert_eq!(
            decide(403, &[("retry-after", "7")], 1),
            Decision::RetryAfter(Duration::from_secs(7))
        );
        assert_eq!(
            decide(429, &[("retry-after", "3600")], 1),
            Decision::RateLimitedFor(Duration::from_secs(3600))
        );
    }

    #[test]
    fn a_spent_primary_limit_waits_for_the_reset() {
        let decision = decide(
            403,
            &[
                ("x-ratelimit-remaining", "0"),
                ("x-ratelimit-reset", "1010"),
            ],
            1,
        );
        assert_eq!(decision, Decision::RetryAfter(Duration::from_secs(11)));
        let past_reset = decide(
            403,
            &[("x-ratelimit-remaining", "0"), ("x-ratelimit-reset", "900")],
            1,
        );
        assert_eq!(past_reset, Decision::RetryAfter(Duration::from_secs(1)));
    }

    #[test]
    fn a_plain_forbidden_or_client_error_is_not_retried() {
        assert_eq!(
            decide(403, &[("x-ratelimit-remaining", "4000")], 1),
            Decision::GiveUp
        );
        assert_eq!(decide(401, &[], 1), Decision::GiveUp);
        assert_eq!(decide(422, &[], 1), Decision::GiveUp);
        assert_eq!(decide(404, &[], 1), Decision::GiveUp);
    }

    #[test]
    fn a_secondary_limit_without_headers_backs_off() {
        let map = HeaderMap::new();
        let decision = RetryPolicy::default().decide(
            Failure::Status {
                status: StatusCode::FORBIDDEN,
                headers: &map,
                message: "You have exceeded a secondary rate limit.",
            },
            1,
            false,
            UNIX_EPOCH,
        );
        assert_eq!(decision, Decision::RetryAfter(Duration::from_millis(500)));
    }

    #[test]
    fn a_fresh_pull_request_404_is_retried_briefly() {
        let map = HeaderMap::new();
        let policy = RetryPolicy::default();
        let not_found = |attempt| {
            policy.decide(
                Failure::Status {
                    status: StatusCode::NOT_FOUND,
                    headers: &map,
                    message: "Not Found",
                },
                attempt,
                true,
                UNIX_EPOCH,
            )
        };
        assert!(matches!(not_found(1), Decision::RetryAfter(_)));
        assert_eq!(not_found(policy.fresh_not_found_attempts), Decision::GiveUp);
    }

    #[test]
    fn no_answer_is_retried_within_the_bound() {
        let policy = RetryPolicy::default();
        assert!(matches!(
            policy.decide(Failure::NoAnswer, 1, false, UNIX_EPOCH),
            Decision::RetryAfter(_)
        ));
        assert_eq!(
            policy.decide(Failure::NoAnswer, policy.max_attempts, false, UNIX_EPOCH),
            Decision::GiveUp
        );
    }
}
