//! Where a media download may go with the Graph API token: Meta's media host, and the
//! configured Graph API's own origin. Everything else is refused before a connection is made:
//! another host, an address literal, a redirect off the list, and a Meta name that resolves to
//! a private or loopback address.
//!
//! A media URL comes from a webhook (whose signature a leaked app secret can forge) or from the
//! Graph API's media lookup, and the download carries the bearer token. Without these checks a
//! forged webhook could have siaga read internal hosts and hand them the token.
//!
//! The list is exact on purpose. Every media URL Meta documents for the Cloud API, from the
//! media lookup (`GET /{media-id}`) and in webhooks since November 2025, is
//! `https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=…` (Meta's media reference
//! and image webhook reference; the fixtures in `tests/fixtures` carry the same host). If Meta
//! moves media elsewhere, downloads fail loudly (`siaga_media_refused_total`, a log line naming
//! the host) rather than silently trusting a wildcard.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use reqwest::Url;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// Meta's media hosts: reached over https on port 443 only, and only at public addresses.
pub const META_MEDIA_HOSTS: &[&str] = &["lookaside.fbsbx.com"];
/// Meta's download answers directly; a few hops leave room for a CDN without allowing loops.
pub(super) const MAX_REDIRECTS: usize = 3;

/// Why a media URL, a redirect or a resolved address was refused. It travels inside reqwest's
/// error for redirects and name resolution, and is found again by `refusal_in`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub(super) struct Refusal(pub(super) String);

/// The refusal somewhere in the causes of `error`, if any.
pub(super) fn refusal_in(error: &(dyn std::error::Error + 'static)) -> Option<Refusal> {
    let mut cause = Some(error);
    while let Some(current) = cause {
        if let Some(refusal) = current.downcast_ref::<Refusal>() {
            return Some(refusal.clone());
        }
        cause = current.source();
    }
    None
}

/// The origins a media download may reach (see the module documentation).
#[derive(Debug, Clone)]
pub struct MediaHosts {
    /// Scheme, host and port of the configured Graph API.
    graph_origin: (String, Option<String>, Option<u16>),
    graph_host: Option<String>,
}

fn origin_of(url: &Url) -> (String, Option<String>, Option<u16>) {
    (
        url.scheme().to_owned(),
        url.host_str().map(str::to_ascii_lowercase),
        url.port_or_known_default(),
    )
}

impl MediaHosts {
    pub fn new(graph_url: &Url) -> MediaHosts {
        MediaHosts {
            graph_origin: origin_of(graph_url),
            graph_host: graph_url.host_str().map(str::to_ascii_lowercase),
        }
    }

    /// Whether the token may be sent to `url`; the error says why not.
    pub fn check(&self, url: &Url) -> Result<(), String> {
        if origin_of(url) == self.graph_origin {
            return Ok(());
        }
        // `domain()` is `None` for an address literal: only names are on Meta's list.
        let Some(host) = url.domain() else {
            return Err(format!(
                "media host {} is not on the allowlist",
                url.host_str().unwrap_or("(none)")
            ));
        };
        if !META_MEDIA_HOSTS.contains(&host) {
            return Err(format!("media host {host} is not on the allowlist"));
        }
        if url.scheme() != "https" || url.port_or_known_default() != Some(443) {
            return Err(format!(
                "media from {host} must come over https on port 443"
            ));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err("a media url must not carry credentials".to_owned());
        }
        Ok(())
    }

    /// The resolver of the download client: Meta's names must resolve to public addresses;
    /// the Graph API's own host (a loopback mock in tests) may resolve to anything.
    pub(super) fn resolver(&self) -> Arc<PublicAddressResolver> {
        Arc::new(PublicAddressResolver {
            trusted_host: self.graph_host.clone(),
        })
    }
}

/// Resolves with the system resolver and keeps only public addresses, except for the trusted
/// host. The addresses checked are the ones connected to, so a name cannot resolve to a public
/// address for the check and a private one for the connection.
#[derive(Debug)]
pub(super) struct PublicAddressResolver {
    trusted_host: Option<String>,
}

impl PublicAddressResolver {
    async fn lookup(
        &self,
        host: String,
    ) -> Result<Vec<SocketAddr>, Box<dyn std::error::Error + Send + Sync>> {
        let resolved: Vec<SocketAddr> =
            tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
        if self.trusted_host.as_deref() == Some(host.as_str()) {
            return Ok(resolved);
        }
        let public: Vec<SocketAddr> = resolved
            .iter()
            .copied()
            .filter(|address| is_public(address.ip()))
            .collect();
        if public.is_empty() {
            return Err(Box::new(Refusal(format!(
                "media host {host} resolves to no public address ({resolved:?})"
            ))));
        }
        Ok(public)
    }
}

impl Resolve for PublicAddressResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_ascii_lowercase();
        let resolver = PublicAddressResolver {
            trusted_host: self.trusted_host.clone(),
        };
        Box::pin(async move {
            let addresses = resolver.lookup(host).await?;
            let addresses: Addrs = Box::new(addresses.into_iter());
            Ok(addresses)
        })
    }
}

/// Whether `address` is reachable on the public internet: not loopback, private, link-local,
/// shared (carrier NAT), multicast, documentation, benchmarking or reserved, also when an
/// IPv4 address is wrapped in IPv6.
pub fn is_public(address: IpAddr) -> bool {
    match address {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = embedded_v4(v6) {
                return is_public_v4(v4);
            }
            is_public_v6(v6)
        }
    }
}

fn is_public_v4(address: Ipv4Addr) -> bool {
    let [a, b, c, _] = address.octets();
    let private_or_special = address.is_unspecified()
        || address.is_loopback()
        || address.is_private()
        || address.is_link_local()
        || address.is_broadcast()
        || address.is_multicast()
        || address.is_documentation()
        || a == 0
        || (a == 100 && (64..128).contains(&b)) // shared address space (carrier NAT)
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 198 && (b == 18 || b == 19)) // benchmarking
        || a >= 240; // reserved
    !private_or_special
}

fn is_public_v6(address: Ipv6Addr) -> bool {
    let first = address.segments()[0];
    let private_or_special = address.is_unspecified()
        || address.is_loopback()
        || address.is_multicast()
        || (first & 0xfe00) == 0xfc00 // unique local
        || (first & 0xffc0) == 0xfe80 // link-local
        || (first & 0xffc0) == 0xfec0 // site-local (deprecated)
        || (first == 0x2001 && address.segments()[1] == 0x0db8) // documentation
        || first == 0x0100; // discard-only
    !private_or_special
}

/// The IPv4 address inside an IPv4-mapped, IPv4-compatible, NAT64 (64:ff9b::/96) or 6to4
/// (2002::/16) address.
fn embedded_v4(address: Ipv6Addr) -> Option<Ipv4Addr> {
    if let Some(v4) = address.to_ipv4_mapped() {
        return Some(v4);
    }
    let segments = address.segments();
    let from_low = || {
        let [.., high, low] = segments;
        Ipv4Addr::from((u32::from(high) << 16) | u32::from(low))
    };
    match segments {
        [0, 0, 0, 0, 0, 0, _, _] if !address.is_loopback() && !address.is_unspecified() => {
            Some(from_low())
        }
        [0x64, 0xff9b, 0, 0, 0, 0, _, _] => Some(from_low()),
        [0x2002, high, low, ..] => Some(Ipv4Addr::from((u32::from(high) << 16) | u32::from(low))),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hosts() -> MediaHosts {
        MediaHosts::new(&Url::parse("https://graph.facebook.com").unwrap())
    }

    fn check(url: &str) -> Result<(), String> {
        hosts().check(&Url::parse(url).unwrap())
    }

    #[test]
    fn meta_media_urls_and_the_graph_origin_are_allowed() {
        assert!(check("https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=1").is_ok());
        assert!(check("https://LOOKASIDE.fbsbx.com:443/x").is_ok());
        assert!(check("https://graph.facebook.com/v25.0/123").is_ok());
    }

    #[test]
    fn other_hosts_addresses_schemes_ports_and_credentials_are_refused() {
        for refused in [
            "https://127.0.0.2/media",
            "http://lookaside.fbsbx.com/x",
            "https://lookaside.fbsbx.com:8443/x",
            "https://evil.lookaside.fbsbx.com/x",
            "https://lookaside.fbsbx.com.evil.example/x",
            "https://fbsbx.com/x",
            "https://user:secret@lookaside.fbsbx.com/x",
            "https://169.254.169.254/latest/meta-data/",
            "https://[::1]/x",
            "http://graph.facebook.com/v25.0/123",
        ] {
            assert!(check(refused).is_err(), "{refused} must be refused");
        }
    }

    #[test]
    fn a_loopback_graph_url_allows_its_own_origin_only() {
        let hosts = MediaHosts::new(&Url::parse("http://127.0.0.1:4000").unwrap());
        assert!(
            hosts
                .check(&Url::parse("http://127.0.0.1:4000/download/1").unwrap())
                .is_ok()
        );
        assert!(
            hosts
                .check(&Url::parse("http://127.0.0.1:4001/download/1").unwrap())
                .is_err()
        );
        assert!(
            hosts
                .check(&Url::parse("http://127.0.0.2:4000/download/1").unwrap())
                .is_err()
        );
    }

    #[test]
    fn only_public_addresses_are_public() {
        for private in [
            "127.0.0.2",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "198.18.0.1",
            "224.0.0.1",
            "255.255.255.255",
            "240.0.0.1",
            "192.0.0.8",
            "::1",
            "::",
            "fc00::1",
            "fd12::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "64:ff9b::a00:1",
            "2002:c0a8:101::1",
            "2001:db8::1",
            "ff02::1",
            "::127.0.0.1",
        ] {
            let address: IpAddr = private.parse().unwrap();
            assert!(!is_public(address), "{private} is not public");
        }
        for public in [
            "157.240.1.1",
            "31.13.64.1",
            "8.8.8.8",
            "2a03:2880:f12f:83:face:b00c::25de",
            "::ffff:157.240.1.1",
        ] {
            let address: IpAddr = public.parse().unwrap();
            assert!(is_public(address), "{public} is public");
        }
    }

    #[tokio::test]
    async fn a_name_resolving_to_loopback_is_refused_unless_it_is_the_graph_host() {
        let untrusted = PublicAddressResolver { trusted_host: None };
        let refused = untrusted.lookup("localhost".to_owned()).await;
        assert!(
            refused.is_err(),
            "localhost resolves to loopback only: {refused:?}"
        );
        let trusted = PublicAddressResolver {
            trusted_host: Some("localhost".to_owned()),
        };
        assert!(trusted.lookup("localhost".to_owned()).await.is_ok());
    }
}
