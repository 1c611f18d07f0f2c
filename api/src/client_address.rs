//! Whose request it is, behind a load balancer (`GRIDLINE_TRUSTED_PROXIES`):
//! when the connection comes from a trusted proxy, the client is the
//! right-most `X-Forwarded-For` address that is not itself a trusted proxy
//! (or `Forwarded`'s `for=`); from anyone else those headers are ignored, so
//! a client cannot spoof its way past login throttling or into the audit log.

use std::net::IpAddr;

/// An address block: an address and how many of its leading bits count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Block {
    net: IpAddr,
    bits: u8,
}

impl Block {
    fn parse(text: &str) -> Result<Self, String> {
        let (addr, bits) = match text.split_once('/') {
            Some((addr, bits)) => (addr, Some(bits)),
            None => (text, None),
        };
        let net: IpAddr = addr.trim().parse().map_err(|_| format!("'{text}' is not an address or CIDR block"))?;
        let max = if net.is_ipv4() { 32 } else { 128 };
        let bits = match bits {
            Some(b) => b
                .trim()
                .parse::<u8>()
                .ok()
                .filter(|b| *b <= max)
                .ok_or_else(|| format!("'{text}': bad prefix length"))?,
            None => max,
        };
        Ok(Self { net, bits })
    }

    fn contains(&self, ip: IpAddr) -> bool {
        match (self.net, canonical(ip)) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = if self.bits == 0 { 0 } else { u32::MAX << (32 - u32::from(self.bits)) };
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = if self.bits == 0 { 0 } else { u128::MAX << (128 - u32::from(self.bits)) };
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// An IPv4 address written as IPv6 (`::ffff:10.0.0.1`) is the IPv4 one.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// The proxies whose forwarding headers are believed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<Block>);

impl TrustedProxies {
    /// Comma-separated addresses or CIDR blocks.
    ///
    /// # Errors
    /// Which entry is not an address or block.
    pub fn parse(list: &str) -> Result<Self, String> {
        list.split(',').map(str::trim).filter(|s| !s.is_empty()).map(Block::parse).collect::<Result<_, _>>().map(Self)
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|b| b.contains(ip))
    }

    /// The client's address, given the connection's peer and its headers.
    pub fn client(&self, peer: IpAddr, forwarded_for: Option<&str>, forwarded: Option<&str>) -> IpAddr {
        if !self.trusts(peer) {
            return peer;
        }
        let hops: Vec<IpAddr> = match (forwarded_for, forwarded) {
            (Some(xff), _) => xff.split(',').filter_map(address).collect(),
            (None, Some(fwd)) => fwd
                .split(',')
                .flat_map(|element| element.split(';'))
                .filter_map(|pair| pair.trim().strip_prefix("for=").or_else(|| pair.trim().strip_prefix("For=")))
                .filter_map(address)
                .collect(),
            (None, None) => Vec::new(),
        };
        hops.into_iter().rev().find(|ip| !self.trusts(*ip)).unwrap_or(peer)
    }
}

/// An address as proxies write it: bare, quoted, in brackets, with a port.
fn address(raw: &str) -> Option<IpAddr> {
    let text = raw.trim().trim_matches('"');
    if let Ok(ip) = text.parse::<IpAddr>() {
        return Some(canonical(ip));
    }
    if let Some(inner) = text.strip_prefix('[') {
        return inner.split_once(']').and_then(|(ip, _)| ip.parse().ok()).map(canonical);
    }
    text.rsplit_once(':').and_then(|(ip, _)| ip.parse().ok()).map(canonical)
}

#[cfg(test)]
mod tests {
    use super::TrustedProxies;

    #[test]
    fn the_client_is_the_right_most_address_no_trusted_proxy_wrote() {
        let lb = TrustedProxies::parse("10.0.0.0/8, 192.168.1.5").unwrap();
        let ip = |s: &str| s.parse().unwrap();
        // From the load balancer: the last hop it did not add itself.
        assert_eq!(lb.client(ip("10.1.2.3"), Some("203.0.113.9, 198.51.100.7"), None), ip("198.51.100.7"));
        assert_eq!(lb.client(ip("10.1.2.3"), Some("203.0.113.9, 10.9.9.9"), None), ip("203.0.113.9"));
        assert_eq!(lb.client(ip("::ffff:10.1.2.3"), Some("203.0.113.9"), None), ip("203.0.113.9"));
        assert_eq!(
            lb.client(ip("192.168.1.5"), None, Some("for=\"[2001:db8::1]:4711\";proto=https")),
            ip("2001:db8::1")
        );
        assert_eq!(lb.client(ip("10.1.2.3"), Some("not-an-address"), None), ip("10.1.2.3"));
        // From anyone else the headers are ignored.
        assert_eq!(lb.client(ip("203.0.113.50"), Some("198.51.100.7"), None), ip("203.0.113.50"));
        assert_eq!(TrustedProxies::default().client(ip("127.0.0.1"), Some("1.2.3.4"), None), ip("127.0.0.1"));
        assert!(TrustedProxies::parse("10.0.0.0/33").is_err());
        assert!(TrustedProxies::parse("example.com").is_err());
    }
}
