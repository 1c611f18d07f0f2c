//! Where a webhook may point: http(s) on a public address. Loopback, private,
//! link-local and other special addresses are refused (unless the operator
//! allows them), so that a webhook cannot reach the internal network; the
//! address is checked when a subscription is registered and again before
//! every attempt (a name may come to resolve elsewhere).

use std::net::IpAddr;

/// Why a URL may not be posted to, or `Ok` with its host and port.
pub(crate) async fn check(url: &str, allow_private: bool) -> Result<(), String> {
    let parsed = reqwest::Url::parse(url).map_err(|_| "is not a URL".to_owned())?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err("must be an http:// or https:// URL".into());
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err("must not carry credentials".into());
    }
    let host = parsed.host_str().ok_or_else(|| "has no host".to_owned())?.to_owned();
    let port = parsed.port_or_known_default().unwrap_or(443);
    if allow_private {
        return Ok(());
    }
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let addresses: Vec<IpAddr> = match bare.parse::<IpAddr>() {
        Ok(ip) => vec![ip],
        Err(_) => tokio::net::lookup_host((bare, port))
            .await
            .map_err(|_| format!("the name {host} does not resolve"))?
            .map(|a| a.ip())
            .collect(),
    };
    match addresses.iter().find(|ip| !public(**ip)) {
        Some(ip) => Err(format!("reaches {ip}, a loopback, private or reserved address")),
        None if addresses.is_empty() => Err(format!("the name {host} does not resolve")),
        None => Ok(()),
    }
}

fn public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || a == 0
                || (a == 100 && (64..128).contains(&b))
                || (a == 198 && (b == 18 || b == 19))
                || a >= 240)
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return public(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::public;

    #[test]
    fn internal_addresses_are_not_public() {
        for internal in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "0.0.0.0",
        ] {
            assert!(!public(internal.parse().unwrap()), "{internal}");
        }
        for outside in ["8.8.8.8", "114.114.114.114", "2400:3200::1"] {
            assert!(public(outside.parse().unwrap()), "{outside}");
        }
    }
}
