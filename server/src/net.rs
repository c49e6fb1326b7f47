//! Client addresses: which address a request comes from, believing `X-Forwarded-For` / `Forwarded`
//! only from configured proxies.

use std::net::IpAddr;

use ipnet::IpNet;

/// A trusted network: `10.0.0.0/8`, `::1/128`, or a bare address (a single host).
pub fn parse_network(text: &str) -> Result<IpNet, String> {
    let text = text.trim();
    let parsed = match text.parse::<IpAddr>() {
        Ok(address) => Ok(IpNet::from(address)),
        Err(_) => text.parse::<IpNet>(),
    };
    parsed.map_err(|_| format!("{text:?} is not an address or CIDR"))
}

/// Whether `address` (IPv4-mapped IPv6 counted as IPv4) is inside one of `networks`.
fn inside(networks: &[IpNet], address: IpAddr) -> bool {
    let address = address.to_canonical();
    networks.iter().any(|net| net.contains(&address))
}

/// The client address of a request from `peer`: the peer itself, unless the peer is a trusted proxy,
/// in which case the forwarded chain is walked from the right, skipping trusted proxies, to the first
/// address that is not one.
pub fn client_address(
    peer: IpAddr,
    trusted: &[IpNet],
    forwarded: Option<&str>,
    x_forwarded_for: Option<&str>,
) -> IpAddr {
    let is_trusted = |ip: IpAddr| inside(trusted, ip);
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
        let trusted = vec![
            parse_network("10.0.0.0/8").unwrap(),
            parse_network("::1").unwrap(),
        ];
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
        assert!(parse_network("10.0.0.0/33").is_err());
        assert!(parse_network("nonsense").is_err());
        let v4 = [parse_network("127.0.0.0/8").unwrap()];
        assert!(inside(&v4, ip("::ffff:127.0.0.1")));
        assert!(!inside(&v4, ip("128.0.0.1")));
    }
}
