//! The per-client rate limit of the public endpoints: a token bucket per client address, kept
//! as one "theoretical arrival time" (GCRA), with time passed in so the arithmetic is tested
//! with explicit instants. Buckets live in a bounded cache and are forgotten once idle long
//! enough to be full again, so memory stays bounded whatever the number of clients.

use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use http::header::HeaderMap;

/// Most client buckets held at once; past it the least recently used are forgotten (such a
/// client starts again with a full bucket).
pub const MAX_CLIENTS: u64 = 100_000;

/// `n` requests per minute: a burst of `n`, then one every `60 s / n`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    /// Time for one token to come back.
    interval: Duration,
    /// How far ahead of now the bucket may be booked: `interval × (n − 1)`.
    tolerance: Duration,
}

impl Rate {
    /// `n` per minute; `n` = 0 is treated as 1.
    pub fn per_minute(n: u32) -> Self {
        let n = n.max(1);
        let interval = Duration::from_secs(60) / n;
        Self {
            interval,
            tolerance: interval * (n - 1),
        }
    }

    /// How long after its last request a bucket is full again: a whole minute.
    fn refill(&self) -> Duration {
        self.tolerance + self.interval
    }
}

/// One client's bucket.
#[derive(Debug, Clone, Copy)]
pub struct Bucket {
    /// When the bucket would be full again if no more requests came.
    full_at: Instant,
}

impl Bucket {
    /// A full bucket.
    pub fn new(now: Instant) -> Self {
        Self { full_at: now }
    }

    /// Takes one token at `now`, or says how long until one is available.
    pub fn take(&mut self, rate: Rate, now: Instant) -> Result<(), Duration> {
        let booked = self.full_at.max(now);
        let ahead = booked - now;
        if ahead > rate.tolerance {
            return Err(ahead - rate.tolerance);
        }
        self.full_at = booked + rate.interval;
        Ok(())
    }
}

/// Buckets by client address.
pub struct RateLimiter {
    rate: Rate,
    buckets: moka::future::Cache<IpAddr, Arc<Mutex<Bucket>>>,
}

impl RateLimiter {
    pub fn new(per_minute: u32) -> Self {
        let rate = Rate::per_minute(per_minute);
        let buckets = moka::future::Cache::builder()
            .max_capacity(MAX_CLIENTS)
            .time_to_idle(rate.refill())
            .build();
        Self { rate, buckets }
    }

    /// Takes a token for `client` at `now`; `Err` is how long to wait.
    pub async fn check(&self, client: IpAddr, now: Instant) -> Result<(), Duration> {
        let bucket = self
            .buckets
            .get_with(bucket_key(client), async move {
                Arc::new(Mutex::new(Bucket::new(now)))
            })
            .await;
        // The guard is held for two comparisons; a poisoned lock still holds a valid Instant.
        let mut bucket = bucket.lock().unwrap_or_else(|e| e.into_inner());
        bucket.take(self.rate, now)
    }
}

/// The address a bucket is kept for: IPv4 as is, IPv6 by its /64 (one subscriber's usual
/// allocation, so rotating through a prefix does not buy more requests).
fn bucket_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

/// The client's address: the peer's, unless the peer is a trusted proxy; then the right-most
/// address in `X-Forwarded-For` that is not a trusted proxy (addresses left of it could have
/// been written by the client). An unreadable entry stops the walk at the last address read.
pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: impl Fn(IpAddr) -> bool) -> IpAddr {
    if !trusted(peer) {
        return peer;
    }
    let entries: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .collect();
    let mut client = peer;
    for entry in entries.iter().rev() {
        let Some(ip) = parse_forwarded(entry) else {
            return client;
        };
        client = ip;
        if !trusted(ip) {
            return ip;
        }
    }
    client
}

/// `1.2.3.4`, `1.2.3.4:5678`, `2001:db8::1` or `[2001:db8::1]:443`.
fn parse_forwarded(entry: &str) -> Option<IpAddr> {
    let entry = entry.trim();
    entry
        .parse::<IpAddr>()
        .ok()
        .or_else(|| entry.parse::<SocketAddr>().ok().map(|s| s.ip()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    #[test]
    fn burst_then_refusal_with_the_wait_then_recovery() {
        let rate = Rate::per_minute(3);
        let t0 = Instant::now();
        let mut b = Bucket::new(t0);
        for _ in 0..3 {
            assert_eq!(b.take(rate, t0), Ok(()));
        }
        // One token comes back every 20 s.
        assert_eq!(b.take(rate, t0), Err(secs(20)));
        assert_eq!(b.take(rate, t0 + secs(5)), Err(secs(15)));
        assert_eq!(b.take(rate, t0 + secs(20)), Ok(()));
        assert_eq!(b.take(rate, t0 + secs(20)), Err(secs(20)));
        // A minute of quiet refills it completely, no more.
        let later = t0 + secs(20) + secs(60);
        for _ in 0..3 {
            assert_eq!(b.take(rate, later), Ok(()));
        }
        assert!(b.take(rate, later).is_err());
    }

    #[test]
    fn steady_traffic_at_the_rate_is_never_refused() {
        let rate = Rate::per_minute(120);
        let t0 = Instant::now();
        let mut b = Bucket::new(t0);
        for i in 0..1000u32 {
            assert_eq!(b.take(rate, t0 + Duration::from_millis(500) * i), Ok(()));
        }
    }

    #[tokio::test]
    async fn limiter_keeps_a_bucket_per_client() {
        let limiter = RateLimiter::new(2);
        let now = Instant::now();
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        assert!(limiter.check(a, now).await.is_ok());
        assert!(limiter.check(a, now).await.is_ok());
        assert_eq!(limiter.check(a, now).await, Err(secs(30)));
        assert!(limiter.check(b, now).await.is_ok());
        assert!(limiter.check(a, now + secs(30)).await.is_ok());
    }

    #[test]
    fn ipv6_clients_share_their_64() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::9".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(bucket_key(a), bucket_key(b));
        assert_ne!(bucket_key(a), bucket_key(c));
        let mapped: IpAddr = "::ffff:192.0.2.7".parse().unwrap();
        assert_eq!(bucket_key(mapped), "192.0.2.7".parse::<IpAddr>().unwrap());
    }

    fn xff(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append("x-forwarded-for", v.parse().unwrap());
        }
        h
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let trusted_net: ipnet::IpNet = "10.0.0.0/8".parse().unwrap();
        let trusted = |ip: IpAddr| trusted_net.contains(&ip);
        let proxy: IpAddr = "10.1.1.1".parse().unwrap();
        let stranger: IpAddr = "198.51.100.9".parse().unwrap();
        let headers = xff(&["6.6.6.6, 203.0.113.5"]);
        assert_eq!(client_ip(stranger, &headers, trusted), stranger);
        // The client forged 6.6.6.6; the right-most untrusted entry is the real one.
        assert_eq!(
            client_ip(proxy, &headers, trusted),
            "203.0.113.5".parse::<IpAddr>().unwrap()
        );
        // Several proxies, over two header lines, with ports.
        let chain = xff(&["203.0.113.5:4711", "10.2.2.2, 10.3.3.3"]);
        assert_eq!(
            client_ip(proxy, &chain, trusted),
            "203.0.113.5".parse::<IpAddr>().unwrap()
        );
        // Nothing but proxies: the left-most of them.
        assert_eq!(
            client_ip(proxy, &xff(&["10.9.9.9"]), trusted),
            "10.9.9.9".parse::<IpAddr>().unwrap()
        );
        // No header, or junk right of the proxy: the last address we could read.
        assert_eq!(client_ip(proxy, &HeaderMap::new(), trusted), proxy);
        assert_eq!(
            client_ip(proxy, &xff(&["203.0.113.5, unknown"]), trusted),
            proxy
        );
        assert_eq!(
            client_ip(proxy, &xff(&["[2001:db8::7]:443"]), trusted),
            "2001:db8::7".parse::<IpAddr>().unwrap()
        );
    }
}
