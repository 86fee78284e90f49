//! How long fetched credentials are kept, and who fetches: one fetch in
//! flight at a time for every thread of the process (single flight), run
//! outside the lock; the threads that need keys meanwhile wait for it, each
//! no longer than its own deadline, or go on with keys that still work. A
//! failed fetch is not tried again before a backoff (1 s, doubling to 30 s),
//! unless it was cut short by its own caller's deadline (`Error::Timeout`),
//! and keys close to expiry are fetched again once, not on every call.
//!
//! Pure: the clock and the fetch are passed in (`Cache::get`), so each rule
//! is tested without a network; only the wait itself takes real time.

use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime};

use crate::aws::credentials::{Credentials, Source};
use crate::aws::error::Error;
use crate::aws::time;

/// Credentials are fetched again this long before they expire, as the SDKs
/// do, so that no request is signed with keys about to lapse.
pub const REFRESH_BEFORE_EXPIRY: Duration = Duration::from_secs(5 * 60);

/// After a failed fetch, none is started for this long; each further
/// failure in a row doubles it, up to [`BACKOFF_MAX`].
pub const BACKOFF_FIRST: Duration = Duration::from_secs(1);

/// The longest wait between two failing fetches.
pub const BACKOFF_MAX: Duration = Duration::from_secs(30);

/// The credentials in use, shared by every thread that calls AWS.
#[derive(Debug)]
pub struct Cache {
    source: Source,
    state: Mutex<State>,
    /// Told when a fetch ends, well or not.
    fetched: Condvar,
}

/// What the cache knows, under its lock. `Debug` shows keys redacted.
#[derive(Debug, Default)]
struct State {
    /// The keys in use, and when to start fetching new ones (`None`: never,
    /// they do not expire).
    current: Option<(Credentials, Option<SystemTime>)>,
    /// A thread is fetching.
    fetching: bool,
    /// The last fetch failed.
    failed: Option<Failed>,
    /// How many threads wait for the fetch in flight (for tests, and for
    /// `Debug`).
    waiting: usize,
}

/// A failed fetch: what went wrong, and when the next may start.
#[derive(Debug, Clone)]
struct Failed {
    why: String,
    retry_at: SystemTime,
    backoff: Duration,
}

/// What a caller does next, decided under the lock.
#[derive(Debug)]
enum Step {
    /// Sign with these.
    Use(Credentials),
    /// No keys, and no fetch may start yet: this error, at once.
    Fail(String),
    /// Fetch, this thread.
    Fetch,
    /// Another thread fetches and there are no keys that work: wait for it.
    Wait,
}

impl State {
    fn step(&self, now: SystemTime) -> Step {
        let backing_off = self.failed.as_ref().filter(|f| now < f.retry_at);
        if let Some((keys, refresh_at)) = self.current.as_ref().filter(|(c, _)| valid_at(c, now)) {
            let due = refresh_at.is_some_and(|at| at <= now);
            return if due && !self.fetching && backing_off.is_none() {
                Step::Fetch
            } else {
                Step::Use(keys.clone())
            };
        }
        if self.fetching {
            return Step::Wait;
        }
        match backing_off {
            Some(failed) => Step::Fail(format!(
                "{} (at the last fetch; the next is in {} ms)",
                failed.why,
                failed
                    .retry_at
                    .duration_since(now)
                    .unwrap_or_default()
                    .as_millis()
            )),
            None => Step::Fetch,
        }
    }

    /// Keeps what a fetch that ended at `now` brought, and returns what its
    /// caller gets.
    fn record(
        &mut self,
        now: SystemTime,
        outcome: Result<Credentials, Error>,
    ) -> Result<Credentials, Error> {
        let outcome = outcome.and_then(|keys| match keys.expires() {
            Some(at) if at <= now => Err(Error::Credentials(format!(
                "the container credentials endpoint handed out keys that expired at {}",
                rfc3339(at)
            ))),
            _ => Ok(keys),
        });
        match outcome {
            Ok(keys) => {
                let refresh_at = keys.expires().map(|at| refresh_time(at, now));
                match keys.expires() {
                    Some(at) if at <= now + REFRESH_BEFORE_EXPIRY => log::warn!(
                        "aws: the container credentials endpoint handed out keys expiring in {} s: \
                         they are used, and fetched again in {} s",
                        at.duration_since(now).unwrap_or_default().as_secs(),
                        refresh_at
                            .and_then(|r| r.duration_since(now).ok())
                            .unwrap_or_default()
                            .as_secs()
                    ),
                    expires => log::debug!(
                        "aws: credentials fetched from the container endpoint, expiring {}",
                        expires.map_or("never".into(), time::amz_date)
                    ),
                }
                self.current = Some((keys.clone(), refresh_at));
                self.failed = None;
                Ok(keys)
            }
            // Cut short by its caller's deadline: not the endpoint's
            // failure, so no backoff for the callers with time to wait.
            Err(e @ Error::Timeout { .. }) => {
                match self.current.as_ref().filter(|(c, _)| valid_at(c, now)) {
                    Some((still_good, _)) => Ok(still_good.clone()),
                    None => Err(e),
                }
            }
            Err(e) => {
                let backoff = self
                    .failed
                    .as_ref()
                    .map_or(BACKOFF_FIRST, |f| (f.backoff * 2).min(BACKOFF_MAX));
                let why = match &e {
                    Error::Credentials(why) => why.clone(),
                    other => other.to_string(),
                };
                self.failed = Some(Failed {
                    why,
                    retry_at: now + backoff,
                    backoff,
                });
                match self.current.as_ref().filter(|(c, _)| valid_at(c, now)) {
                    Some((still_good, _)) => {
                        log::warn!(
                            "aws: keeping credentials that expire soon, fetched again in {} ms: {e}",
                            backoff.as_millis()
                        );
                        Ok(still_good.clone())
                    }
                    None => Err(e),
                }
            }
        }
    }
}

/// `2015-08-30T12:36:00Z`, as the endpoint writes `Expiration`.
fn rfc3339(at: SystemTime) -> String {
    let d = time::amz_date(at);
    format!(
        "{}-{}-{}T{}:{}:{}Z",
        &d[0..4],
        &d[4..6],
        &d[6..8],
        &d[9..11],
        &d[11..13],
        &d[13..15]
    )
}

/// Whether `keys` still work at all at `now`.
fn valid_at(keys: &Credentials, now: SystemTime) -> bool {
    keys.expires().is_none_or(|at| now < at)
}

/// When to start fetching again keys that expire `at`, fetched at `now`:
/// five minutes before they expire, or, for keys handed out with less
/// than that left, half-way to their expiry (so once, not on every call).
fn refresh_time(at: SystemTime, now: SystemTime) -> SystemTime {
    match at.checked_sub(REFRESH_BEFORE_EXPIRY) {
        Some(early) if early > now => early,
        _ => now + at.duration_since(now).unwrap_or_default() / 2,
    }
}

/// Marks the fetch over when dropped, even by a panicking fetch, and wakes
/// the threads that wait for it.
struct InFlight<'a>(&'a Cache);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.lock().fetching = false;
        self.0.fetched.notify_all();
    }
}

impl Cache {
    /// An empty cache for `source`.
    pub fn new(source: Source) -> Cache {
        Cache {
            source,
            state: Mutex::new(State::default()),
            fetched: Condvar::new(),
        }
    }

    /// Where the credentials come from.
    pub fn source(&self) -> &Source {
        &self.source
    }

    /// The credentials to sign with, `clock` telling the time:
    /// - the cached ones while they are fresh;
    /// - else, if no other thread is fetching, what `fetch` gets, called on
    ///   this thread without holding the lock;
    /// - while another thread fetches: the cached keys if they still work
    ///   (they are close to expiry), else its result, waited for until
    ///   `until` at the latest, and then an `Error::Credentials` saying so;
    /// - after a failed fetch, for the backoff: the cached keys if they
    ///   still work, else the failure again, at once, without fetching (a
    ///   fetch that ran out of its caller's time, `Error::Timeout`, sets
    ///   no backoff).
    pub fn get(
        &self,
        clock: impl Fn() -> SystemTime,
        until: Option<SystemTime>,
        fetch: impl FnOnce(&Source) -> Result<Credentials, Error>,
    ) -> Result<Credentials, Error> {
        match &self.source {
            Source::Static(credentials) => return Ok(credentials.clone()),
            Source::Missing(why) => return Err(Error::Credentials(why.clone())),
            Source::Container { .. } => {}
        }
        let mut state = self.lock();
        loop {
            let now = clock();
            match state.step(now) {
                Step::Use(keys) => return Ok(keys),
                Step::Fail(why) => return Err(Error::Credentials(why)),
                Step::Fetch => break,
                Step::Wait => {
                    let left = until.map(|until| until.duration_since(now).unwrap_or_default());
                    if left.is_some_and(|left| left.is_zero()) {
                        return Err(Error::Credentials(
                            "another call's fetch from the container credentials endpoint \
                             had not ended when this call's time was up"
                                .into(),
                        ));
                    }
                    state.waiting += 1;
                    state = match left {
                        None => self
                            .fetched
                            .wait(state)
                            .unwrap_or_else(PoisonError::into_inner),
                        Some(left) => {
                            self.fetched
                                .wait_timeout(state, left)
                                .unwrap_or_else(PoisonError::into_inner)
                                .0
                        }
                    };
                    state.waiting -= 1;
                }
            }
        }
        state.fetching = true;
        drop(state);
        let in_flight = InFlight(self);
        let outcome = fetch(&self.source);
        let outcome = self.lock().record(clock(), outcome);
        drop(in_flight);
        outcome
    }

    /// How many threads wait for a fetch in flight.
    #[cfg(test)]
    fn waiting(&self) -> usize {
        self.lock().waiting
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;
    use std::sync::mpsc;
    use std::time::UNIX_EPOCH;

    const T0: Duration = Duration::from_secs(1_800_000_000);

    fn container() -> Cache {
        Cache::new(Source::Container {
            uri: "http://127.0.0.1/c".into(),
            token: None,
        })
    }

    fn at(secs: f64) -> SystemTime {
        UNIX_EPOCH + T0 + Duration::from_secs_f64(secs)
    }

    fn keys(name: &str, expires: SystemTime) -> Credentials {
        Credentials::new(name, "S", None, Some(expires))
    }

    fn down() -> Result<Credentials, Error> {
        Err(Error::Credentials("endpoint down".into()))
    }

    fn never(_: &Source) -> Result<Credentials, Error> {
        panic!("fetched")
    }

    const HOUR: f64 = 3600.0;

    #[test]
    fn fresh_keys_are_kept_and_fetched_again_five_minutes_before_they_expire() {
        let cache = container();
        let c = cache
            .get(|| at(0.0), None, |_| Ok(keys("K1", at(HOUR))))
            .unwrap();
        assert_eq!(c.access_key_id(), "K1");
        let c = cache.get(|| at(HOUR - 301.0), None, never).unwrap();
        assert_eq!(c.access_key_id(), "K1", "fresh: kept");
        let c = cache
            .get(
                || at(HOUR - 299.0),
                None,
                |_| Ok(keys("K2", at(2.0 * HOUR))),
            )
            .unwrap();
        assert_eq!(c.access_key_id(), "K2", "within five minutes: fetched");
        let c = cache.get(|| at(HOUR), None, never).unwrap();
        assert_eq!(c.access_key_id(), "K2");
    }

    #[test]
    fn keys_handed_out_close_to_expiry_are_fetched_again_once_half_way() {
        let cache = container();
        let fetches = Cell::new(0);
        let fetch = |name: &'static str, expires: SystemTime| {
            let fetches = &fetches;
            move |_: &Source| {
                fetches.set(fetches.get() + 1);
                Ok(keys(name, expires))
            }
        };
        // Four minutes left: used, and not fetched again for two.
        let c = cache.get(|| at(0.0), None, fetch("K1", at(240.0))).unwrap();
        assert_eq!(c.access_key_id(), "K1");
        for t in [1.0, 60.0, 119.0] {
            let c = cache.get(|| at(t), None, never).unwrap();
            assert_eq!(c.access_key_id(), "K1", "at {t} s");
        }
        let c = cache
            .get(|| at(120.0), None, fetch("K2", at(HOUR)))
            .unwrap();
        assert_eq!((c.access_key_id(), fetches.get()), ("K2", 2));
    }

    #[test]
    fn keys_that_have_expired_when_handed_out_are_an_error_and_back_off() {
        let cache = container();
        let err = cache
            .get(|| at(10.0), None, |_| Ok(keys("K1", at(0.0))))
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "no AWS credentials: the container credentials endpoint handed out keys that expired at 2027-01-15T08:00:00Z"
        );
        let err = cache.get(|| at(10.5), None, never).unwrap_err();
        assert!(err.to_string().contains("expired at"), "{err}");
    }

    #[test]
    fn a_failed_fetch_backs_off_doubling_and_a_success_resets_it() {
        let cache = container();
        let fetches = Cell::new(0);
        let failing = |_: &Source| {
            fetches.set(fetches.get() + 1);
            down()
        };
        let err = cache.get(|| at(0.0), None, failing).unwrap_err();
        assert_eq!(err.to_string(), "no AWS credentials: endpoint down");
        // Inside the backoff: the failure again, at once, without a fetch.
        let err = cache.get(|| at(0.4), None, never).unwrap_err();
        assert_eq!(
            err.to_string(),
            "no AWS credentials: endpoint down (at the last fetch; the next is in 600 ms)"
        );
        cache.get(|| at(1.0), None, failing).unwrap_err();
        cache.get(|| at(2.9), None, never).unwrap_err(); // 2 s now
        cache.get(|| at(3.0), None, failing).unwrap_err();
        cache.get(|| at(6.9), None, never).unwrap_err(); // 4 s
        assert_eq!(fetches.get(), 3);
        // Up to the cap.
        let mut t = 7.0;
        for _ in 0..10 {
            cache.get(|| at(t), None, failing).unwrap_err();
            t += BACKOFF_MAX.as_secs_f64();
        }
        cache.get(|| at(t - 0.1), None, never).unwrap_err();
        assert_eq!(fetches.get(), 13, "every 30 s, not less often");
        // A success, then a failure: 1 s again.
        cache
            .get(|| at(t), None, |_| Ok(keys("K", at(t + 400.0))))
            .unwrap();
        let c = cache.get(|| at(t + 200.0), None, |_| down()).unwrap();
        assert_eq!(c.access_key_id(), "K", "keys that still work are kept");
        let c = cache.get(|| at(t + 200.5), None, never).unwrap();
        assert_eq!(c.access_key_id(), "K", "inside the backoff, kept");
        let c = cache.get(|| at(t + 201.0), None, |_| down()).unwrap();
        assert_eq!(c.access_key_id(), "K", "tried again after 1 s");
        let err = cache.get(|| at(t + 400.0), None, |_| down()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "no AWS credentials: endpoint down",
            "expired keys are not kept"
        );
        let err = cache.get(|| at(t + 400.5), None, never).unwrap_err();
        assert_eq!(
            err.to_string(),
            "no AWS credentials: endpoint down (at the last fetch; the next is in 3500 ms)",
            "the third failure in a row: 4 s"
        );
    }

    #[test]
    fn a_fetch_cut_short_by_its_callers_deadline_does_not_back_off() {
        let cache = container();
        let cut_short = |_: &Source| {
            Err(Error::Timeout {
                operation: "the container credentials fetch".into(),
                what: "global".into(),
            })
        };
        let err = cache.get(|| at(0.0), None, cut_short).unwrap_err();
        assert!(matches!(err, Error::Timeout { .. }), "{err}");
        let c = cache
            .get(|| at(0.1), None, |_| Ok(keys("K", at(HOUR))))
            .unwrap();
        assert_eq!(c.access_key_id(), "K", "fetched again at once");
    }

    #[test]
    fn static_and_missing_sources_never_fetch() {
        let now = SystemTime::now;
        let cache = Cache::new(Source::Static(Credentials::new("A", "S", None, None)));
        assert_eq!(cache.get(now, None, never).unwrap().access_key_id(), "A");
        let cache = Cache::new(Source::Missing("why".into()));
        let err = cache.get(now, None, never).unwrap_err();
        assert_eq!(err.to_string(), "no AWS credentials: why");
    }

    /// Starts a fetch on a thread of its own that lasts until `release`
    /// is sent to (or dropped), then hands out `K1`; returns when it is in
    /// flight.
    fn fetch_in_flight(
        cache: &'static Cache,
        expires: SystemTime,
    ) -> (mpsc::Sender<()>, std::thread::JoinHandle<Credentials>) {
        let (release, released) = mpsc::channel::<()>();
        let (started, in_flight) = mpsc::channel();
        let fetcher = std::thread::spawn(move || {
            cache
                .get(SystemTime::now, None, |_| {
                    started.send(()).unwrap();
                    // Released by the test, or by the watchdog below when
                    // a broken cache keeps the test from releasing it.
                    let _ = released.recv_timeout(Duration::from_secs(60));
                    Ok(keys("K1", expires))
                })
                .unwrap()
        });
        in_flight.recv().unwrap();
        (release, fetcher)
    }

    fn leak(cache: Cache) -> &'static Cache {
        Box::leak(Box::new(cache))
    }

    #[test]
    fn one_fetch_in_flight_and_the_others_wait_for_it() {
        let cache = leak(container());
        let later = SystemTime::now() + Duration::from_secs(3 * 3600);
        let (release, fetcher) = fetch_in_flight(cache, later);
        let waiters: Vec<_> = (0..4)
            .map(|_| std::thread::spawn(|| cache.get(SystemTime::now, None, never)))
            .collect();
        // Each is waiting on the condition variable, not on the lock; a
        // cache that fetched under its lock never gets there.
        let watch = std::time::Instant::now();
        while cache.waiting() < 4 {
            assert!(
                watch.elapsed() < Duration::from_secs(60),
                "no waiter got past the lock"
            );
            std::thread::yield_now();
        }
        release.send(()).unwrap();
        assert_eq!(fetcher.join().unwrap().access_key_id(), "K1");
        for waiter in waiters {
            assert_eq!(waiter.join().unwrap().unwrap().access_key_id(), "K1");
        }
    }

    #[test]
    fn a_waiter_gives_up_at_its_own_deadline() {
        let cache = leak(container());
        let later = SystemTime::now() + Duration::from_secs(3 * 3600);
        let (release, fetcher) = fetch_in_flight(cache, later);
        let until = SystemTime::now() + Duration::from_millis(50);
        let err = cache.get(SystemTime::now, Some(until), never).unwrap_err();
        assert_eq!(
            err.to_string(),
            "no AWS credentials: another call's fetch from the container credentials endpoint \
             had not ended when this call's time was up"
        );
        assert!(SystemTime::now() >= until);
        // Returned while the fetch was still in flight.
        release.send(()).unwrap();
        fetcher.join().unwrap();
        let c = cache.get(SystemTime::now, Some(until), never).unwrap();
        assert_eq!(c.access_key_id(), "K1");
    }

    #[test]
    fn while_one_thread_refreshes_the_others_use_the_keys_that_still_work() {
        let cache = leak(container());
        let soon = SystemTime::now() + Duration::from_secs(200);
        cache
            .get(SystemTime::now, None, |_| Ok(keys("K0", soon)))
            .unwrap();
        // Half-way is 100 s away: force the refresh now with a clock ahead.
        let ahead = || SystemTime::now() + Duration::from_secs(150);
        let (release, released) = mpsc::channel::<()>();
        let (started, in_flight) = mpsc::channel();
        let refresher = std::thread::spawn(move || {
            cache
                .get(ahead, None, |_| {
                    started.send(()).unwrap();
                    let _ = released.recv_timeout(Duration::from_secs(60));
                    Ok(keys("K1", soon + Duration::from_secs(3600)))
                })
                .unwrap()
        });
        in_flight.recv().unwrap();
        let c = cache.get(ahead, None, never).unwrap();
        assert_eq!(c.access_key_id(), "K0", "not waiting for the refresh");
        release.send(()).unwrap();
        assert_eq!(refresher.join().unwrap().access_key_id(), "K1");
        assert_eq!(cache.get(ahead, None, never).unwrap().access_key_id(), "K1");
    }

    #[test]
    fn a_panicking_fetch_lets_the_next_caller_fetch() {
        let cache = leak(container());
        let panicked =
            std::thread::spawn(|| cache.get(SystemTime::now, None, |_| panic!("fetch panicked")))
                .join();
        assert!(panicked.is_err());
        let later = SystemTime::now() + Duration::from_secs(3600);
        let c = cache
            .get(SystemTime::now, None, |_| Ok(keys("K", later)))
            .unwrap();
        assert_eq!(c.access_key_id(), "K");
    }

    #[test]
    fn debug_never_shows_a_secret() {
        let cache = container();
        let later = SystemTime::now() + Duration::from_secs(3600);
        cache
            .get(SystemTime::now, None, |_| {
                Ok(Credentials::new(
                    "AKIDMARKER",
                    "SECRETMARKER",
                    Some("TOKENMARKER".into()),
                    Some(later),
                ))
            })
            .unwrap();
        let shown = format!("{cache:?}");
        for secret in ["AKIDMARKER", "SECRETMARKER", "TOKENMARKER"] {
            assert!(!shown.contains(secret), "{shown}");
        }
    }
}
