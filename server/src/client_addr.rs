//! Where a request comes from, for the portal's push context and the audit log.
//! The TCP peer is the client, unless the peer is a configured trusted proxy
//! (`--trusted-proxy`): then the client is the right-most `X-Forwarded-For`
//! entry that is not itself a trusted proxy. A header from anyone else is
//! ignored, so a caller cannot choose the address the phone shows.

use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;

use crate::state::{AppState, Shared};

/// One address or CIDR block, e.g. `10.0.0.0/8`, `192.0.2.7`, `fd00::/8`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    network: IpAddr,
    prefix: u8,
}

impl Cidr {
    pub fn contains(&self, address: IpAddr) -> bool {
        match (self.network, address.to_canonical()) {
            (IpAddr::V4(network), IpAddr::V4(address)) => prefix_match(
                u32::from(network).into(),
                u32::from(address).into(),
                self.prefix,
                32,
            ),
            (IpAddr::V6(network), IpAddr::V6(address)) => {
                prefix_match(u128::from(network), u128::from(address), self.prefix, 128)
            }
            _ => false,
        }
    }
}

fn prefix_match(network: u128, address: u128, prefix: u8, bits: u8) -> bool {
    if prefix == 0 {
        return true;
    }
    let shift = u32::from(bits - prefix);
    (network >> shift) == (address >> shift)
}

#[derive(Debug, thiserror::Error)]
#[error("{0:?} is not an IP address or CIDR block")]
pub struct CidrError(String);

impl FromStr for Cidr {
    type Err = CidrError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let error = || CidrError(text.to_owned());
        let (address, prefix) = match text.split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (text, None),
        };
        let network = IpAddr::from_str(address.trim())
            .map_err(|_| error())?
            .to_canonical();
        let bits = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(prefix) => prefix.trim().parse::<u8>().map_err(|_| error())?,
            None => bits,
        };
        if prefix > bits {
            return Err(error());
        }
        Ok(Self { network, prefix })
    }
}

/// The proxies whose `X-Forwarded-For` is believed; empty by default.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(pub Vec<Cidr>);

impl TrustedProxies {
    pub fn trusts(&self, address: IpAddr) -> bool {
        self.0.iter().any(|cidr| cidr.contains(address))
    }

    /// The client behind `peer`, given the request's `X-Forwarded-For` values.
    pub fn client(&self, peer: IpAddr, forwarded_for: &[&str]) -> IpAddr {
        let mut client = peer.to_canonical();
        if !self.trusts(client) {
            return client;
        }
        let hops = forwarded_for
            .iter()
            .flat_map(|value| value.split(','))
            .map(str::trim)
            .collect::<Vec<_>>();
        for hop in hops.into_iter().rev() {
            let Ok(address) = IpAddr::from_str(hop) else {
                break;
            };
            client = address.to_canonical();
            if !self.trusts(client) {
                break;
            }
        }
        client
    }
}

/// The client address of this request (see the module comment).
#[derive(Debug, Clone)]
pub struct ClientAddr(pub String);

impl FromRequestParts<Shared> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Shared,
    ) -> Result<Self, Self::Rejection> {
        Ok(Self(client_of(parts, state)))
    }
}

pub fn client_of(parts: &Parts, state: &AppState) -> String {
    let Some(ConnectInfo(peer)) = parts.extensions.get::<ConnectInfo<SocketAddr>>() else {
        return "unknown".to_owned();
    };
    let forwarded: Vec<&str> = parts
        .headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .collect();
    state
        .trusted_proxies
        .client(peer.ip(), &forwarded)
        .to_string()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn only_a_trusted_peer_may_name_the_client() {
        let proxies = TrustedProxies(vec!["10.0.0.0/8".parse().unwrap(), "::1".parse().unwrap()]);
        let ip = |text: &str| text.parse::<IpAddr>().unwrap();
        assert_eq!(
            proxies.client(ip("203.0.113.9"), &["198.51.100.1"]),
            ip("203.0.113.9")
        );
        assert_eq!(
            proxies.client(ip("10.1.2.3"), &["198.51.100.1"]),
            ip("198.51.100.1")
        );
        // A client cannot prepend its own choice: the right-most untrusted hop counts.
        assert_eq!(
            proxies.client(ip("10.1.2.3"), &["6.6.6.6, 198.51.100.1, 10.9.9.9"]),
            ip("198.51.100.1")
        );
        assert_eq!(proxies.client(ip("::1"), &[]), ip("::1"));
        assert_eq!(
            proxies.client(ip("::ffff:10.0.0.1"), &["192.0.2.1"]),
            ip("192.0.2.1")
        );
        assert!("10.0.0.0/33".parse::<Cidr>().is_err());
        assert!("nonsense".parse::<Cidr>().is_err());
    }
}
