//! The HTTPS agent's host lookups, each kept for a short while. ureq looks
//! the host up before every request, even one that goes out on a pooled
//! connection, and with a timeout (which AWS calls have) it does so on a
//! thread of its own: a thread started and a DNS lookup for every call to
//! a host the pool is already connected to. AWS's endpoints are few and
//! stable, so an answer is reused for [`KEEP`], shorter than the minute
//! AWS's DNS names are usually kept for.
//!
//! Built on ureq's `unversioned` resolver trait, as the runtime's own
//! client is (ureq is pinned exactly for that, Cargo.toml).

use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use ureq::config::Config;
use ureq::http::Uri;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::NextTimeout;

/// How long a looked-up address is used before it is looked up again.
pub const KEEP: Duration = Duration::from_secs(30);

/// ureq's own resolver, its answers kept per scheme, host and port.
#[derive(Debug, Default)]
pub struct KeptResolver {
    inner: DefaultResolver,
    /// Recent answers: `scheme://host:port`, when, what. A few entries: the
    /// services a function calls.
    kept: Mutex<Vec<(String, Instant, ResolvedSocketAddrs)>>,
}

impl KeptResolver {
    fn kept(&self, key: &str, now: Instant) -> Option<ResolvedSocketAddrs> {
        let kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
        kept.iter()
            .find(|(k, at, _)| k == key && now.saturating_duration_since(*at) < KEEP)
            .map(|(_, _, addrs)| addrs.clone())
    }

    fn keep(&self, key: String, now: Instant, addrs: &ResolvedSocketAddrs) {
        let mut kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
        kept.retain(|(k, at, _)| *k != key && now.saturating_duration_since(*at) < KEEP);
        kept.push((key, now, addrs.clone()));
    }
}

impl Resolver for KeptResolver {
    fn resolve(
        &self,
        uri: &Uri,
        config: &Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let key = match (uri.scheme_str(), uri.authority()) {
            (Some(scheme), Some(authority)) => format!("{scheme}://{authority}"),
            // Not a whole URL: ureq's own resolver says what is wrong.
            _ => return self.inner.resolve(uri, config, timeout),
        };
        let now = Instant::now();
        if let Some(addrs) = self.kept(&key, now) {
            return Ok(addrs);
        }
        let addrs = self.inner.resolve(uri, config, timeout)?;
        self.keep(key, now, &addrs);
        Ok(addrs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ureq::Agent;

    fn resolve(resolver: &KeptResolver, url: &str) -> Vec<std::net::SocketAddr> {
        let uri: Uri = url.parse().unwrap();
        let config = Agent::config_builder().build();
        let addrs = resolver
            .resolve(&uri, &config, NextTimeout::default())
            .unwrap();
        addrs.iter().copied().collect()
    }

    #[test]
    fn an_answer_is_reused_while_fresh_and_per_host() {
        let resolver = KeptResolver::default();
        let a = resolve(&resolver, "https://127.0.0.1:4001/x");
        assert_eq!(a, ["127.0.0.1:4001".parse().unwrap()]);
        assert_eq!(resolver.kept.lock().unwrap().len(), 1);
        // The same host again: from what was kept (still one entry).
        assert_eq!(resolve(&resolver, "https://127.0.0.1:4001/y"), a);
        assert_eq!(resolver.kept.lock().unwrap().len(), 1);
        // Another port is another host.
        let b = resolve(&resolver, "https://127.0.0.1:4002/");
        assert_eq!(b, ["127.0.0.1:4002".parse().unwrap()]);
        assert_eq!(resolver.kept.lock().unwrap().len(), 2);
        // Once stale, looked up again and kept anew.
        let now = Instant::now();
        let stale = now.checked_sub(KEEP + Duration::from_secs(1)).unwrap();
        for entry in resolver.kept.lock().unwrap().iter_mut() {
            entry.1 = stale;
        }
        assert!(resolver.kept("https://127.0.0.1:4001", now).is_none());
        assert_eq!(resolve(&resolver, "https://127.0.0.1:4001/"), a);
        assert_eq!(resolver.kept.lock().unwrap().len(), 1, "stale ones dropped");
    }

    #[test]
    fn a_kept_answer_is_used_instead_of_a_lookup_for_30_seconds() {
        // Port 4002's answer kept as port 4001's: what a lookup would not
        // give, so each resolve below says whether a lookup was made.
        let resolver = KeptResolver::default();
        resolve(&resolver, "https://127.0.0.1:4002/");
        let other = resolver.kept.lock().unwrap()[0].2.clone();
        let marked = ["127.0.0.1:4002".parse().unwrap()];
        let looked_up = ["127.0.0.1:4001".parse().unwrap()];
        for (age, expected) in [(0, &marked), (29, &marked), (31, &looked_up)] {
            let at = Instant::now()
                .checked_sub(Duration::from_secs(age))
                .unwrap();
            *resolver.kept.lock().unwrap() =
                vec![("https://127.0.0.1:4001".into(), at, other.clone())];
            assert_eq!(
                &resolve(&resolver, "https://127.0.0.1:4001/x"),
                expected,
                "an answer {age} s old"
            );
        }
    }
}
