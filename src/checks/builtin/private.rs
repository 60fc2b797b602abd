//! connect.private: is the source reached over a private address, or across the internet?

use std::net::IpAddr;

use crate::checks::context::Context;
use crate::checks::probe::{Level, Outcome};

pub(crate) fn run(ctx: &Context) -> Outcome {
    let addrs = &ctx.link.addresses;
    if addrs.is_empty() {
        return Outcome::Skip("skipped: the host's addresses are not known".into());
    }
    let shown = addrs
        .iter()
        .map(|a| format!("{a} ({})", kind(*a).unwrap_or("public")))
        .collect::<Vec<_>>()
        .join(", ");
    // Any public address counts: the client may pick it, so the stream may leave the network.
    if addrs.iter().all(|a| kind(*a).is_some()) {
        Outcome::verdict(Level::Ok, shown, "")
    } else {
        Outcome::verdict(
            Level::Violation,
            shown,
            "the source is reached over a public address: use private connectivity (VPC peering / PrivateLink / VPN)",
        )
    }
}

/// What kind of private address `ip` is, or None when it is public.
pub(crate) fn kind(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) if v4.is_loopback() => Some("loopback"),
        IpAddr::V4(v4) if v4.is_private() => Some("RFC 1918"),
        IpAddr::V4(v4) if v4.is_link_local() => Some("link-local"),
        IpAddr::V6(v6) if v6.is_loopback() => Some("loopback"),
        // An IPv4 address in IPv6 clothing is as private as the IPv4 one.
        IpAddr::V6(v6) if v6.to_ipv4_mapped().is_some() => kind(IpAddr::V4(v6.to_ipv4_mapped()?)),
        IpAddr::V6(v6) => match v6.segments()[0] {
            s if s & 0xfe00 == 0xfc00 => Some("unique local"),
            s if s & 0xffc0 == 0xfe80 => Some("link-local"),
            _ => None,
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn private(s: &str) -> bool {
        kind(s.parse().unwrap()).is_some()
    }

    #[test]
    fn classifies_private_and_public_addresses() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.254",
            "192.168.1.1",
            "169.254.1.1",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:10.0.0.1",
        ] {
            assert!(private(ip), "{ip} is private");
        }
        for ip in ["8.8.8.8", "172.32.0.1", "2001:4860::1", "::ffff:8.8.8.8"] {
            assert!(!private(ip), "{ip} is public");
        }
    }
}
