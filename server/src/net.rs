//! Client addresses: which address a request comes from, believing `X-Forwarded-For` / `Forwarded`
//! only from configured proxies.

use std::net::IpAddr;
use std::str::FromStr;

/// An IP network such as `10.0.0.0/8` or `::1/128` (a bare address is a single host).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    network: IpAddr,
    prefix: u8,
}

impl FromStr for Cidr {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let (address, prefix) = match text.split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (text, None),
        };
        let network: IpAddr = address
            .trim()
            .parse()
            .map_err(|_| format!("{text:?} is not an address or CIDR"))?;
        let max = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => p
                .trim()
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("{text:?} has a prefix length outside 0..={max}"))?,
            None => max,
        };
        Ok(Self { network, prefix })
    }
}

impl Cidr {
    /// Whether `address` is inside this network.
    pub fn contains(&self, address: IpAddr) -> bool {
        let address = canonical(address);
        match (canonical(self.network), address) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                prefix_equal(&net.octets(), &ip.octets(), self.prefix.min(32))
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                prefix_equal(&net.octets(), &ip.octets(), self.prefix)
            }
            _ => false,
        }
    }
}

fn canonical(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => v6
            .to_ipv4_mapped()
            .map(IpAddr::V4)
            .unwrap_or(IpAddr::V6(v6)),
        v4 => v4,
    }
}

fn prefix_equal(a: &[u8], b: &[u8], prefix: u8) -> bool {
    let full = usize::from(prefix / 8);
    let rest = prefix % 8;
    if a.get(..full) != b.get(..full) {
        return false;
    }
    if rest == 0 {
        return true;
    }
    let mask = 0xffu8 << (8 - rest);
    match (a.get(full), b.get(full)) {
        (Some(x), Some(y)) => x & mask == y & mask,
        _ => false,
    }
}

/// The client address of a request from `peer`: the peer itself, unless the peer is a trusted proxy,
/// in which case the forwarded chain is walked from the right, skipping trusted proxies, to the first
/// address that is not one.
pub fn client_address(
    peer: IpAddr,
    trusted: &[Cidr],
    forwarded: Option<&str>,
    x_forwarded_for: Option<&str>,
) -> IpAddr {
    let is_trusted = |ip: IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(peer) {
        return peer;
    }
    let chain: Vec<IpAddr> = match (forwarded, x_forwarded_for) {
        (Some(forwarded), _) => forwarded_for_values(forwarded),
        (None, Some(list)) => list.split(',').filter_map(parse_node).collect(),
        (None, None) => Vec::new(),
    };
    chain
        .into_iter()
        .rev()
        .find(|ip| !is_trusted(*ip))
        .unwrap_or(peer)
}

/// The `for=` values of an RFC 7239 `Forwarded` header, in order.
fn forwarded_for_values(header: &str) -> Vec<IpAddr> {
    header
        .split(',')
        .flat_map(|element| element.split(';'))
        .filter_map(|pair| {
            let (name, value) = pair.split_once('=')?;
            name.trim()
                .eq_ignore_ascii_case("for")
                .then(|| parse_node(value))
                .flatten()
        })
        .collect()
}

/// An address from a forwarded node: `1.2.3.4`, `"[2001:db8::1]:443"`, `1.2.3.4:80`.
fn parse_node(node: &str) -> Option<IpAddr> {
    let node = node.trim().trim_matches('"');
    if let Ok(ip) = node.parse() {
        return Some(ip);
    }
    if let Some(rest) = node.strip_prefix('[') {
        return rest.split(']').next()?.parse().ok();
    }
    node.rsplit_once(':')?.0.parse().ok()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn forwarded_headers_are_believed_only_from_trusted_proxies() {
        let trusted: Vec<Cidr> = vec!["10.0.0.0/8".parse().unwrap(), "::1".parse().unwrap()];
        let xff = Some("198.51.100.7, 10.1.2.3");
        assert_eq!(
            client_address(ip("203.0.113.9"), &trusted, None, xff),
            ip("203.0.113.9")
        );
        assert_eq!(
            client_address(ip("10.0.0.1"), &trusted, None, xff),
            ip("198.51.100.7")
        );
        let forwarded = Some("for=192.0.2.60;proto=http, for=\"[2001:db8::1]:4711\"");
        assert_eq!(
            client_address(ip("::1"), &trusted, forwarded, None),
            ip("2001:db8::1")
        );
        assert_eq!(
            client_address(ip("10.0.0.1"), &trusted, None, None),
            ip("10.0.0.1")
        );
        assert!("10.0.0.0/33".parse::<Cidr>().is_err());
        assert!("nonsense".parse::<Cidr>().is_err());
        let v4: Cidr = "127.0.0.0/8".parse().unwrap();
        assert!(v4.contains(ip("::ffff:127.0.0.1")));
        assert!(!v4.contains(ip("128.0.0.1")));
    }
}
