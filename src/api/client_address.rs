//! Which client a request comes from: the TCP peer, or, behind a reverse proxy that is
//! configured as trusted, the address that proxy wrote into its header.

use std::net::{IpAddr, SocketAddr};

use axum::http::{HeaderMap, HeaderName};

use crate::auth::ClientAddress;

/// How the client address of a request is found.
#[derive(Debug, Clone, Default)]
pub struct ClientAddressRule {
    /// Set only behind a proxy that writes this header on every request: anyone who can reach
    /// siaga directly could otherwise name any address in it.
    pub trusted_proxy_header: Option<HeaderName>,
}

impl ClientAddressRule {
    /// The peer address, or the rightmost address in the last trusted-proxy header: the one
    /// the proxy itself appended. Entries to its left came from the client and may be forged.
    /// Without a usable header the peer (the proxy) is used, so such requests share a bucket.
    pub fn client_of(&self, headers: &HeaderMap, peer: Option<SocketAddr>) -> ClientAddress {
        let from_proxy = self.trusted_proxy_header.as_ref().and_then(|name| {
            let last_line = headers.get_all(name).iter().next_back()?;
            let rightmost = last_line.to_str().ok()?.rsplit(',').next()?;
            parse_address(rightmost.trim())
        });
        match (from_proxy, peer) {
            (Some(address), _) => ClientAddress(address),
            (None, Some(peer)) => ClientAddress(peer.ip()),
            (None, None) => ClientAddress::UNKNOWN,
        }
    }
}

/// `203.0.113.7`, `2001:db8::1`, or either with a port (`203.0.113.7:5000`, `[2001:db8::1]:80`).
fn parse_address(text: &str) -> Option<IpAddr> {
    text.parse::<IpAddr>()
        .ok()
        .or_else(|| text.parse::<SocketAddr>().ok().map(|socket| socket.ip()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append("x-forwarded-for", value.parse().unwrap());
        }
        headers
    }

    const PEER: &str = "10.1.1.1:4000";

    #[test]
    fn without_a_trusted_header_the_peer_is_the_client_whatever_headers_say() {
        let rule = ClientAddressRule::default();
        let client = rule.client_of(&headers(&["203.0.113.9"]), Some(PEER.parse().unwrap()));
        assert_eq!(client.to_string(), "10.1.1.1");
        assert_eq!(
            rule.client_of(&HeaderMap::new(), None),
            ClientAddress::UNKNOWN
        );
    }

    #[test]
    fn behind_a_trusted_proxy_the_rightmost_entry_of_the_last_header_counts() {
        let rule = ClientAddressRule {
            trusted_proxy_header: Some(HeaderName::from_static("x-forwarded-for")),
        };
        let peer = Some(PEER.parse().unwrap());
        let forged_then_real = headers(&["1.2.3.4, 5.6.7.8", "198.51.100.2"]);
        assert_eq!(
            rule.client_of(&forged_then_real, peer).to_string(),
            "198.51.100.2"
        );
        assert_eq!(
            rule.client_of(&headers(&["1.2.3.4,[2001:db8::5]:443"]), peer)
                .to_string(),
            "2001:db8::5"
        );
        assert_eq!(
            rule.client_of(&headers(&["unknown"]), peer).to_string(),
            "10.1.1.1"
        );
        assert_eq!(
            rule.client_of(&HeaderMap::new(), peer).to_string(),
            "10.1.1.1"
        );
    }
}
