//! Limits sign-in attempts and failed authentications per client address, with a token bucket,
//! so that one machine cannot spray passwords across many usernames (the per-username throttle
//! alone would let it try three passwords on every account without any wait).

use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// Addresses remembered at once. A bucket that has refilled is forgotten first, since it holds
/// nothing a fresh one would not.
pub(crate) const MAX_TRACKED_ADDRESSES: usize = 10_000;

/// Where a request came from: the TCP peer, or the address a trusted proxy put in its header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClientAddress(pub IpAddr);

impl ClientAddress {
    /// For requests whose origin is not known (none today); they share one bucket.
    pub const UNKNOWN: ClientAddress = ClientAddress(IpAddr::V6(Ipv6Addr::UNSPECIFIED));

    /// The key of the bucket: the address itself for IPv4, its /64 network for IPv6, since one
    /// subscriber usually holds a whole /64 and could otherwise take a fresh bucket per request.
    fn bucket_key(self) -> IpAddr {
        match self.0 {
            IpAddr::V4(v4) => IpAddr::V4(v4),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => IpAddr::V4(v4),
                None => {
                    let segments = v6.segments();
                    IpAddr::V6(Ipv6Addr::new(
                        segments[0],
                        segments[1],
                        segments[2],
                        segments[3],
                        0,
                        0,
                        0,
                        0,
                    ))
                }
            },
        }
    }
}

impl std::fmt::Display for ClientAddress {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(formatter)
    }
}

/// The sign-in limits a deployment configures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignInLimits {
    /// Attempts one address may make at once before it must wait for the refill.
    pub burst: u32,
    /// Attempts given back per minute to each address.
    pub refill_per_minute: u32,
    /// argon2 checks running at once over all clients; each holds 19 MiB.
    pub password_check_concurrency: usize,
}

impl Default for SignInLimits {
    fn default() -> SignInLimits {
        SignInLimits {
            burst: 20,
            refill_per_minute: 10,
            password_check_concurrency: std::thread::available_parallelism()
                .map_or(2, |count| count.get()),
        }
    }
}

/// The address may try again after this long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryAfter(pub Duration);

impl RetryAfter {
    /// Whole seconds, at least one, as a Retry-After header or a message says it.
    pub fn seconds(self) -> u64 {
        self.0.as_secs_f64().ceil().max(1.0) as u64
    }
}

struct Bucket {
    tokens: f64,
    refilled_at: Instant,
}

pub(crate) struct AddressThrottle {
    burst: f64,
    tokens_per_second: f64,
    max_tracked_addresses: usize,
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

impl AddressThrottle {
    pub(crate) fn new(limits: &SignInLimits, max_tracked_addresses: usize) -> AddressThrottle {
        debug_assert!(limits.burst > 0 && limits.refill_per_minute > 0);
        AddressThrottle {
            burst: f64::from(limits.burst.max(1)),
            tokens_per_second: f64::from(limits.refill_per_minute.max(1)) / 60.0,
            max_tracked_addresses: max_tracked_addresses.max(1),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one attempt from the address's bucket, or says how long until one is back.
    pub(crate) fn take(&self, client: ClientAddress, now: Instant) -> Result<(), RetryAfter> {
        // Plain numbers, valid after any partial update: a poisoned lock has nothing to repair.
        let mut buckets = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        let key = client.bucket_key();
        if !buckets.contains_key(&key) && buckets.len() >= self.max_tracked_addresses {
            self.forget_refilled(&mut buckets, now);
            if buckets.len() >= self.max_tracked_addresses {
                let least_recently_used = buckets
                    .iter()
                    .min_by_key(|(_, bucket)| bucket.refilled_at)
                    .map(|(address, _)| *address);
                if let Some(address) = least_recently_used {
                    buckets.remove(&address);
                }
            }
        }
        let bucket = buckets.entry(key).or_insert(Bucket {
            tokens: self.burst,
            refilled_at: now,
        });
        let elapsed = now.saturating_duration_since(bucket.refilled_at);
        bucket.tokens =
            (bucket.tokens + elapsed.as_secs_f64() * self.tokens_per_second).min(self.burst);
        bucket.refilled_at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            return Ok(());
        }
        let missing = 1.0 - bucket.tokens;
        Err(RetryAfter(Duration::from_secs_f64(
            missing / self.tokens_per_second,
        )))
    }

    fn forget_refilled(&self, buckets: &mut HashMap<IpAddr, Bucket>, now: Instant) {
        let seconds_to_refill = self.burst / self.tokens_per_second;
        buckets.retain(|_, bucket| {
            let idle = now.saturating_duration_since(bucket.refilled_at);
            bucket.tokens + idle.as_secs_f64() * self.tokens_per_second < self.burst
                && idle.as_secs_f64() < seconds_to_refill
        });
    }

    #[cfg(test)]
    pub(crate) fn tracked_addresses(&self) -> usize {
        self.buckets
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }
}

impl AddressThrottle {
    /// Gives back an attempt that turned out to be a successful sign-in, so that colleagues
    /// signing in behind one NAT at a shift change do not empty the bucket.
    pub(crate) fn give_back(&self, client: ClientAddress) {
        let mut buckets = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(bucket) = buckets.get_mut(&client.bucket_key()) {
            bucket.tokens = (bucket.tokens + 1.0).min(self.burst);
        }
    }
}

/// The two sign-in limits that are shared by all requests: the per-address buckets, and the
/// permits of the argon2 checks.
pub(crate) struct SignInGate {
    pub(crate) addresses: AddressThrottle,
    /// Each argon2 hash holds 19 MiB for tens of milliseconds; a burst of sign-ins must queue
    /// here instead of filling the blocking thread pool and the memory.
    pub(crate) password_checks: tokio::sync::Semaphore,
}

impl SignInGate {
    pub(crate) fn new(limits: &SignInLimits) -> SignInGate {
        SignInGate {
            addresses: AddressThrottle::new(limits, MAX_TRACKED_ADDRESSES),
            password_checks: tokio::sync::Semaphore::new(limits.password_check_concurrency.max(1)),
        }
    }
}

impl super::Auth {
    /// The same accounts with these sign-in limits (fresh buckets).
    pub fn with_sign_in_limits(self, limits: &SignInLimits) -> super::Auth {
        super::Auth {
            sign_in_gate: std::sync::Arc::new(SignInGate::new(limits)),
            ..self
        }
    }

    /// Takes one attempt from the client's bucket before a sign-in or after a failed
    /// authentication; `Err` says when the client may try again.
    pub fn take_attempt(&self, client: ClientAddress) -> Result<(), RetryAfter> {
        let taken = self.sign_in_gate.addresses.take(client, Instant::now());
        if let Err(retry_after) = taken {
            tracing::warn!(
                %client,
                retry_after_seconds = retry_after.seconds(),
                "sign-in refused: too many attempts from this address"
            );
        }
        taken
    }

    /// A successful sign-in costs its address nothing.
    pub fn give_back_attempt(&self, client: ClientAddress) {
        self.sign_in_gate.addresses.give_back(client);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn address(text: &str) -> ClientAddress {
        ClientAddress(text.parse().unwrap())
    }

    fn limits(burst: u32, refill_per_minute: u32) -> SignInLimits {
        SignInLimits {
            burst,
            refill_per_minute,
            password_check_concurrency: 1,
        }
    }

    #[test]
    fn an_address_gets_its_burst_then_waits_for_the_refill() {
        let throttle = AddressThrottle::new(&limits(3, 60), 10);
        let now = Instant::now();
        for _ in 0..3 {
            assert_eq!(throttle.take(address("10.0.0.1"), now), Ok(()));
        }
        let refused = throttle.take(address("10.0.0.1"), now).unwrap_err();
        assert_eq!(refused.seconds(), 1);
        // Another address has its own bucket.
        assert_eq!(throttle.take(address("10.0.0.2"), now), Ok(()));
        // One token a second comes back.
        let later = now + Duration::from_millis(1001);
        assert_eq!(throttle.take(address("10.0.0.1"), later), Ok(()));
        assert!(throttle.take(address("10.0.0.1"), later).is_err());
    }

    #[test]
    fn addresses_of_one_ipv6_network_share_a_bucket() {
        let throttle = AddressThrottle::new(&limits(2, 1), 10);
        let now = Instant::now();
        assert_eq!(throttle.take(address("2001:db8:1:2::1"), now), Ok(()));
        assert_eq!(throttle.take(address("2001:db8:1:2::ffff"), now), Ok(()));
        assert!(throttle.take(address("2001:db8:1:2:aaaa::9"), now).is_err());
        assert_eq!(throttle.take(address("2001:db8:1:3::1"), now), Ok(()));
        // An IPv4 address seen through an IPv6 socket is the IPv4 address.
        assert_eq!(throttle.take(address("::ffff:10.0.0.7"), now), Ok(()));
        assert_eq!(throttle.take(address("10.0.0.7"), now), Ok(()));
        assert!(throttle.take(address("10.0.0.7"), now).is_err());
    }

    #[test]
    fn the_map_stays_bounded_and_forgets_refilled_buckets_first() {
        let throttle = AddressThrottle::new(&limits(1, 60), 3);
        let now = Instant::now();
        for last_octet in 0..100 {
            let _ = throttle.take(address(&format!("10.0.1.{last_octet}")), now);
        }
        assert_eq!(throttle.tracked_addresses(), 3);
        // An emptied bucket survives newcomers while it is the most recent.
        let later = now + Duration::from_millis(10);
        assert_eq!(throttle.take(address("10.9.9.9"), later), Ok(()));
        assert!(throttle.take(address("10.9.9.9"), later).is_err());
        assert_eq!(throttle.tracked_addresses(), 3);
    }
}
