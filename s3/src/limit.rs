//! Rate limiting: per client, a token bucket for requests per second and a
//! bound on requests in flight. A request over either is refused with S3's
//! `503 SlowDown` and a `Retry-After`, which SDKs answer by backing off and
//! retrying.
//!
//! A client is the access key a request was signed with once the signature
//! has been verified, and otherwise (anonymous requests, and requests whose
//! signature fails) the address it came from. So a flood of bogus access
//! keys is charged to its address, never given a bucket of its own per key,
//! and IPv6 addresses count by /64, the block one host usually owns.
//!
//! The table of clients stays bounded: an entry with no request in flight
//! and a full bucket says nothing a fresh entry would not, so it is dropped
//! when the table fills up; if that is not enough, idle entries go whatever
//! their bucket holds (which only forgives those clients, never refuses
//! anyone more). Entries with requests in flight are bounded by the
//! connection cap.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use parking_lot::Mutex;

/// Clients the table keeps state for before it evicts idle ones. An entry
/// costs about a hundred bytes, so this holds the table to a few MiB.
const MAX_SUBJECTS: usize = 16 * 1024;

/// How much a client may ask for. Zero turns a bound off; both are off by
/// default.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RateLimit {
    /// Requests per second each client may sustain (the bucket's refill
    /// rate); 0: no rate limit.
    pub requests_per_sec: u32,
    /// Requests a client may make in one burst (the bucket's size); at
    /// least one. 0 means as many as `requests_per_sec`.
    pub burst: u32,
    /// Requests of one client in flight at once; 0: no bound.
    pub max_concurrent: u32,
}

impl RateLimit {
    fn is_off(&self) -> bool {
        self.requests_per_sec == 0 && self.max_concurrent == 0
    }

    fn burst(&self) -> f64 {
        f64::from(if self.burst == 0 {
            self.requests_per_sec
        } else {
            self.burst
        })
        .max(1.0)
    }
}

/// Whom a request is charged to.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Subject {
    /// A verified access key.
    Key(String),
    /// An address: IPv4 whole, IPv6 by its /64.
    Addr(IpAddr),
}

impl Subject {
    /// The subject for requests from `addr` that no verified key signed.
    pub fn addr(addr: IpAddr) -> Subject {
        match addr {
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => Subject::Addr(IpAddr::V4(v4)),
                None => {
                    let prefix = u128::from(v6) & !((1u128 << 64) - 1);
                    Subject::Addr(IpAddr::V6(prefix.into()))
                }
            },
            v4 => Subject::Addr(v4),
        }
    }
}

/// Why a request was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The client's bucket is empty; a token comes back after this long.
    Rate { retry_after: Duration },
    /// The client has as many requests in flight as it may.
    Concurrency,
}

impl Refusal {
    /// Whole seconds for `Retry-After`: at least one, as the header has no
    /// finer unit.
    pub fn retry_after_secs(&self) -> u64 {
        match self {
            Refusal::Rate { retry_after } => retry_after.as_secs_f64().ceil().max(1.0) as u64,
            Refusal::Concurrency => 1,
        }
    }

    /// The reason, for the log.
    pub fn reason(&self) -> &'static str {
        match self {
            Refusal::Rate { .. } => "request rate over the limit",
            Refusal::Concurrency => "too many requests in flight",
        }
    }
}

/// A token bucket: holds up to `burst` tokens, refilled at `rate` per
/// second; a request takes one. Time comes from the caller, so tests run
/// it on a clock of their own.
#[derive(Clone, Debug)]
struct TokenBucket {
    tokens: f64,
    at: Instant,
}

impl TokenBucket {
    fn full(burst: f64, now: Instant) -> TokenBucket {
        TokenBucket {
            tokens: burst,
            at: now,
        }
    }

    fn refill(&mut self, rate: f64, burst: f64, now: Instant) {
        // A clock that went backwards (it cannot with Instant, but a test
        // clock might) adds nothing.
        let elapsed = now.saturating_duration_since(self.at).as_secs_f64();
        self.tokens = (self.tokens + elapsed * rate).min(burst);
        self.at = now.max(self.at);
    }

    /// Takes a token, or says how long until there is one.
    fn take(&mut self, rate: f64, burst: f64, now: Instant) -> Result<(), Duration> {
        self.refill(rate, burst, now);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - self.tokens) / rate))
        }
    }

    fn is_full(&self, rate: f64, burst: f64, now: Instant) -> bool {
        let mut b = self.clone();
        b.refill(rate, burst, now);
        b.tokens >= burst
    }
}

struct Entry {
    bucket: TokenBucket,
    in_flight: u32,
}

/// The rate limiter of one endpoint. Cheap to share.
pub struct Limiter {
    config: RateLimit,
    subjects: Mutex<HashMap<Subject, Entry>>,
    refused: AtomicU64,
}

/// A request admitted while the concurrency bound is on; dropping it ends
/// the request's share.
pub struct Permit {
    limiter: Arc<Limiter>,
    subject: Subject,
}

impl Limiter {
    pub fn new(config: RateLimit) -> Limiter {
        Limiter {
            config,
            subjects: Mutex::new(HashMap::new()),
            refused: AtomicU64::new(0),
        }
    }

    pub fn config(&self) -> &RateLimit {
        &self.config
    }

    /// Requests refused since the start.
    pub fn refused(&self) -> u64 {
        self.refused.load(Ordering::Relaxed)
    }

    /// Clients the table holds state for.
    pub fn tracked(&self) -> usize {
        self.subjects.lock().len()
    }

    /// Admits one request of `subject` at `now`, or refuses it. The permit,
    /// if any, must live as long as the request (its response included).
    pub fn admit(
        self: &Arc<Self>,
        subject: Subject,
        now: Instant,
    ) -> Result<Option<Permit>, Refusal> {
        let c = self.config;
        if c.is_off() {
            return Ok(None);
        }
        let rate = f64::from(c.requests_per_sec);
        let burst = c.burst();
        let mut subjects = self.subjects.lock();
        if subjects.len() >= MAX_SUBJECTS && !subjects.contains_key(&subject) {
            evict(&mut subjects, &c, now);
        }
        let entry = subjects.entry(subject.clone()).or_insert_with(|| Entry {
            bucket: TokenBucket::full(burst, now),
            in_flight: 0,
        });
        let verdict = if c.max_concurrent > 0 && entry.in_flight >= c.max_concurrent {
            Err(Refusal::Concurrency)
        } else if c.requests_per_sec > 0 {
            entry
                .bucket
                .take(rate, burst, now)
                .map_err(|retry_after| Refusal::Rate { retry_after })
        } else {
            Ok(())
        };
        if let Err(r) = verdict {
            self.refused.fetch_add(1, Ordering::Relaxed);
            return Err(r);
        }
        if c.max_concurrent == 0 {
            return Ok(None);
        }
        entry.in_flight += 1;
        Ok(Some(Permit {
            limiter: self.clone(),
            subject,
        }))
    }
}

/// Makes room in a full table: first the entries a fresh one would equal,
/// then, if the table is still over three quarters full, idle entries
/// whatever their bucket holds. Stopping at three quarters leaves room for
/// many new clients before the next sweep, so the sweeps' cost is spread
/// over the insertions that made them necessary.
fn evict(subjects: &mut HashMap<Subject, Entry>, c: &RateLimit, now: Instant) {
    let rate = f64::from(c.requests_per_sec);
    let burst = c.burst();
    subjects.retain(|_, e| {
        e.in_flight > 0 || (c.requests_per_sec > 0 && !e.bucket.is_full(rate, burst, now))
    });
    let target = MAX_SUBJECTS / 4 * 3;
    if subjects.len() > target {
        let mut excess = subjects.len() - target;
        subjects.retain(|_, e| {
            if excess > 0 && e.in_flight == 0 {
                excess -= 1;
                false
            } else {
                true
            }
        });
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        let c = self.limiter.config;
        let mut subjects = self.limiter.subjects.lock();
        if let Some(e) = subjects.get_mut(&self.subject) {
            e.in_flight = e.in_flight.saturating_sub(1);
            // Without a rate there is nothing else to remember.
            if e.in_flight == 0 && c.requests_per_sec == 0 {
                subjects.remove(&self.subject);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: f64) -> Duration {
        Duration::from_secs_f64(s)
    }

    #[test]
    fn bucket_spends_its_burst_then_refills_at_the_rate() {
        let t0 = Instant::now();
        let mut b = TokenBucket::full(3.0, t0);
        for _ in 0..3 {
            assert_eq!(b.take(2.0, 3.0, t0), Ok(()));
        }
        // Empty: one token comes back after 1/rate.
        assert_eq!(b.take(2.0, 3.0, t0), Err(secs(0.5)));
        assert_eq!(b.take(2.0, 3.0, t0 + secs(0.25)), Err(secs(0.25)));
        assert_eq!(b.take(2.0, 3.0, t0 + secs(0.5)), Ok(()));
        assert_eq!(b.take(2.0, 3.0, t0 + secs(0.5)), Err(secs(0.5)));
        // A long pause fills it to the burst, never beyond.
        let later = t0 + secs(100.0);
        assert!(b.is_full(2.0, 3.0, later));
        for _ in 0..3 {
            assert_eq!(b.take(2.0, 3.0, later), Ok(()));
        }
        assert!(b.take(2.0, 3.0, later).is_err());
    }

    #[test]
    fn bucket_ignores_a_clock_that_goes_back() {
        let t0 = Instant::now() + secs(10.0);
        let mut b = TokenBucket::full(1.0, t0);
        assert_eq!(b.take(1.0, 1.0, t0), Ok(()));
        assert!(b.take(1.0, 1.0, t0 - secs(5.0)).is_err());
        assert_eq!(b.take(1.0, 1.0, t0 + secs(1.0)), Ok(()));
    }

    #[test]
    fn limiter_refuses_over_the_rate_per_subject() {
        let l = Arc::new(Limiter::new(RateLimit {
            requests_per_sec: 10,
            burst: 2,
            max_concurrent: 0,
        }));
        let t0 = Instant::now();
        let a = Subject::Key("AKA".into());
        let b = Subject::addr("192.0.2.1".parse().unwrap());
        assert!(l.admit(a.clone(), t0).is_ok());
        assert!(l.admit(a.clone(), t0).is_ok());
        let refused = l.admit(a.clone(), t0).err().unwrap();
        assert_eq!(
            refused,
            Refusal::Rate {
                retry_after: secs(0.1)
            }
        );
        assert_eq!(refused.retry_after_secs(), 1);
        // Another client has a bucket of its own.
        assert!(l.admit(b.clone(), t0).is_ok());
        assert!(l.admit(a.clone(), t0 + secs(0.1)).is_ok());
        assert_eq!(l.refused(), 1);
    }

    #[test]
    fn limiter_bounds_requests_in_flight() {
        let l = Arc::new(Limiter::new(RateLimit {
            requests_per_sec: 0,
            burst: 0,
            max_concurrent: 2,
        }));
        let t0 = Instant::now();
        let s = Subject::Key("AKB".into());
        let p1 = l.admit(s.clone(), t0).unwrap().unwrap();
        let p2 = l.admit(s.clone(), t0).unwrap().unwrap();
        assert_eq!(l.admit(s.clone(), t0).err(), Some(Refusal::Concurrency));
        drop(p1);
        let p3 = l.admit(s.clone(), t0).unwrap().unwrap();
        drop((p2, p3));
        // Nothing left to remember about the client.
        assert_eq!(l.tracked(), 0);
        assert_eq!(l.refused(), 1);
    }

    #[test]
    fn limiter_off_admits_everything_and_remembers_nothing() {
        let l = Arc::new(Limiter::new(RateLimit::default()));
        let t0 = Instant::now();
        for i in 0..1000u32 {
            let s = Subject::addr(IpAddr::V4(i.into()));
            assert!(l.admit(s, t0).unwrap().is_none());
        }
        assert_eq!(l.tracked(), 0);
    }

    #[test]
    fn ipv6_counts_by_its_64_and_mapped_ipv4_as_ipv4() {
        let a = Subject::addr("2001:db8:1:2:aaaa::1".parse().unwrap());
        let b = Subject::addr("2001:db8:1:2:bbbb::2".parse().unwrap());
        let c = Subject::addr("2001:db8:1:3::1".parse().unwrap());
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(
            Subject::addr("::ffff:192.0.2.7".parse().unwrap()),
            Subject::addr("192.0.2.7".parse().unwrap())
        );
    }

    #[test]
    fn a_flood_of_subjects_keeps_the_table_bounded() {
        let l = Arc::new(Limiter::new(RateLimit {
            requests_per_sec: 1,
            burst: 5,
            max_concurrent: 0,
        }));
        let t0 = Instant::now();
        // One held request keeps its entry through every sweep.
        let held = Arc::new(Limiter::new(RateLimit {
            requests_per_sec: 1,
            burst: 5,
            max_concurrent: 4,
        }));
        let key = Subject::Key("HELD".into());
        let permit = held.admit(key.clone(), t0).unwrap().unwrap();
        for i in 0..(4 * MAX_SUBJECTS as u32) {
            let s = Subject::addr(IpAddr::V4(i.into()));
            // Each new address is admitted (its bucket starts full)...
            assert!(l.admit(s.clone(), t0).is_ok());
            assert!(held.admit(s, t0).unwrap().is_some());
            // ...and the table never outgrows its bound.
            assert!(l.tracked() <= MAX_SUBJECTS);
        }
        assert!(held.tracked() <= MAX_SUBJECTS);
        // The busy client kept its count: three more, then no more.
        let more: Vec<_> = (0..3)
            .map(|_| held.admit(key.clone(), t0 + secs(10.0)).unwrap())
            .collect();
        assert_eq!(
            held.admit(key.clone(), t0 + secs(10.0)).err(),
            Some(Refusal::Concurrency)
        );
        drop((permit, more));
    }

    #[test]
    fn refilled_buckets_are_forgotten_when_the_table_fills() {
        let l = Arc::new(Limiter::new(RateLimit {
            requests_per_sec: 1,
            burst: 5,
            max_concurrent: 0,
        }));
        let t0 = Instant::now();
        for i in 0..MAX_SUBJECTS as u32 {
            assert!(l.admit(Subject::addr(IpAddr::V4(i.into())), t0).is_ok());
        }
        assert_eq!(l.tracked(), MAX_SUBJECTS);
        // Five seconds on, every one of those buckets is full again: the
        // next new client sweeps them all away.
        assert!(l.admit(Subject::Key("NEW".into()), t0 + secs(5.0)).is_ok());
        assert_eq!(l.tracked(), 1);
    }
}
