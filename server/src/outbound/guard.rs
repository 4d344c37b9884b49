//! Where Tidings may send: http(s) only, and by default only to public
//! addresses, so an endpoint URL cannot make the server reach into its own
//! network (SSRF). The URL is checked when an endpoint is saved; the
//! address is checked by the HTTP client's own resolver ([`GuardedResolver`])
//! at connect time, so the client connects to exactly the addresses that
//! were checked and a DNS answer that changes in between (rebinding) cannot
//! slip through. Redirects are not followed.

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use std::collections::HashMap;
use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum UrlRefused {
    #[error("not a URL: {0}")]
    Malformed(String),
    #[error("only http and https URLs are allowed")]
    Scheme,
    #[error("the URL has no host")]
    NoHost,
    #[error("{0} is an internal address; endpoints must be public")]
    Internal(IpAddr),
    #[error("the host does not resolve")]
    Unresolved,
}

fn in_v4(ip: Ipv4Addr, net: [u8; 4], prefix: u32) -> bool {
    let mask = if prefix == 0 { 0 } else { u32::MAX << (32 - prefix) };
    (u32::from(ip) & mask) == (u32::from(Ipv4Addr::from(net)) & mask)
}

fn in_v6(ip: Ipv6Addr, net: [u16; 8], prefix: u32) -> bool {
    let mask = if prefix == 0 { 0 } else { u128::MAX << (128 - prefix) };
    (u128::from(ip) & mask) == (u128::from(Ipv6Addr::from(net)) & mask)
}

/// Every IPv4 range that is not the public internet (RFC 6890 and friends).
const V4_NOT_PUBLIC: [([u8; 4], u32); 15] = [
    ([0, 0, 0, 0], 8),       // "this network"
    ([10, 0, 0, 0], 8),      // private
    ([100, 64, 0, 0], 10),   // shared address space (CGNAT)
    ([127, 0, 0, 0], 8),     // loopback
    ([169, 254, 0, 0], 16),  // link-local (cloud metadata)
    ([172, 16, 0, 0], 12),   // private
    ([192, 0, 0, 0], 24),    // IETF protocol assignments
    ([192, 0, 2, 0], 24),    // documentation
    ([192, 88, 99, 0], 24),  // 6to4 relay anycast
    ([192, 168, 0, 0], 16),  // private
    ([198, 18, 0, 0], 15),   // benchmarking
    ([198, 51, 100, 0], 24), // documentation
    ([203, 0, 113, 0], 24),  // documentation
    ([224, 0, 0, 0], 4),     // multicast
    ([240, 0, 0, 0], 4),     // reserved, and broadcast
];

/// IPv6 ranges inside global unicast (2000::/3) that are not public.
const V6_NOT_PUBLIC: [([u16; 8], u32); 4] = [
    ([0x2001, 0, 0, 0, 0, 0, 0, 0], 23),     // IETF protocol assignments (Teredo, benchmarking, ORCHID)
    ([0x2001, 0xdb8, 0, 0, 0, 0, 0, 0], 32), // documentation
    ([0x2002, 0, 0, 0, 0, 0, 0, 0], 16),     // 6to4: an IPv4 address in disguise
    ([0x3fff, 0, 0, 0, 0, 0, 0, 0], 20),     // documentation
];

/// Whether `ip` is anything but a public unicast address.
pub fn is_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => V4_NOT_PUBLIC.iter().any(|(net, prefix)| in_v4(v4, *net, *prefix)),
        IpAddr::V6(v6) => {
            // IPv4 in IPv6 clothing is judged as the IPv4 address it carries:
            // IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d) and
            // NAT64 (64:ff9b::a.b.c.d).
            let [a, b, c, d, ..] = v6.octets()[12..] else { unreachable!("16 octets") };
            let carried = Ipv4Addr::new(a, b, c, d);
            if in_v6(v6, [0, 0, 0, 0, 0, 0xffff, 0, 0], 96) || in_v6(v6, [0x64, 0xff9b, 0, 0, 0, 0, 0, 0], 96) {
                return is_internal(IpAddr::V4(carried));
            }
            if in_v6(v6, [0; 8], 96) {
                // ::, ::1 and the deprecated IPv4-compatible form.
                return u32::from(carried) <= 1 || is_internal(IpAddr::V4(carried));
            }
            // Only global unicast is public: this refuses loopback, unique
            // local, link-local, multicast, discard and local NAT64 too.
            !in_v6(v6, [0x2000, 0, 0, 0, 0, 0, 0, 0], 3) || V6_NOT_PUBLIC.iter().any(|(net, prefix)| in_v6(v6, *net, *prefix))
        }
    }
}

/// Checks the URL itself; a literal IP is checked here too (no resolver
/// sees it).
pub fn check_url(raw: &str, allow_internal: bool) -> Result<reqwest::Url, UrlRefused> {
    let url = reqwest::Url::parse(raw.trim()).map_err(|e| UrlRefused::Malformed(e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(UrlRefused::Scheme);
    }
    let host = url.host().ok_or(UrlRefused::NoHost)?;
    let literal = match host {
        url::Host::Ipv4(v4) => Some(IpAddr::V4(v4)),
        url::Host::Ipv6(v6) => Some(IpAddr::V6(v6)),
        url::Host::Domain(_) => None,
    };
    if let Some(ip) = literal.filter(|ip| !allow_internal && is_internal(*ip)) {
        return Err(UrlRefused::Internal(ip));
    }
    Ok(url)
}

type LookupFuture = Pin<Box<dyn Future<Output = std::io::Result<Vec<IpAddr>>> + Send>>;

/// Turns a host name into addresses: the system's resolver, or one a test
/// controls.
pub trait Lookup: Send + Sync + 'static {
    fn lookup(&self, host: String) -> LookupFuture;
}

/// The system's resolver.
pub struct SystemLookup;

impl Lookup for SystemLookup {
    fn lookup(&self, host: String) -> LookupFuture {
        Box::pin(async move { Ok(tokio::net::lookup_host((host.as_str(), 0)).await?.map(|a| a.ip()).collect()) })
    }
}

/// Fixed answers, for tests.
pub struct StaticLookup(pub HashMap<String, Vec<IpAddr>>);

impl Lookup for StaticLookup {
    fn lookup(&self, host: String) -> LookupFuture {
        let found = self.0.get(&host).cloned();
        Box::pin(async move { found.ok_or_else(|| std::io::Error::new(std::io::ErrorKind::NotFound, "no such host")) })
    }
}

/// The HTTP client's resolver: resolves once, refuses the name if any of
/// its addresses is internal, and hands the client exactly the addresses it
/// checked.
pub struct GuardedResolver {
    pub lookup: Arc<dyn Lookup>,
    pub allow_internal: bool,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let lookup = self.lookup.lookup(name.as_str().to_owned());
        let allow_internal = self.allow_internal;
        Box::pin(async move {
            let ips = lookup.await.map_err(|_| UrlRefused::Unresolved)?;
            if ips.is_empty() {
                return Err(UrlRefused::Unresolved.into());
            }
            if let Some(ip) = ips.iter().find(|ip| !allow_internal && is_internal(**ip)) {
                return Err(UrlRefused::Internal(*ip).into());
            }
            // The client sets the URL's port on each address.
            let addrs: Addrs = Box::new(ips.into_iter().map(|ip| SocketAddr::new(ip, 0)));
            Ok(addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn refuses_what_is_not_public_http() {
        assert_eq!(check_url("ftp://example.com/x", false), Err(UrlRefused::Scheme));
        for internal in [
            "http://127.0.0.1:8080/",
            "http://10.1.2.3/",
            "http://192.168.0.1/",
            "http://169.254.169.254/latest",
            "http://[::1]/",
            "http://[fd00::1]/",
            "http://0.0.0.0/",
        ] {
            assert!(matches!(check_url(internal, false), Err(UrlRefused::Internal(_))), "{internal}");
        }
        assert!(check_url("https://hooks.example.com/tidings", false).is_ok());
        assert!(check_url("http://127.0.0.1:8080/", true).is_ok(), "allowed for local development");
        assert!(matches!(check_url("not a url", false), Err(UrlRefused::Malformed(_))));
    }

    #[test]
    fn knows_every_reserved_range_and_ipv4_in_ipv6_clothing() {
        for internal in [
            "0.1.2.3",
            "100.64.0.1",
            "192.0.0.8",
            "192.88.99.1",
            "198.18.0.1",
            "198.19.255.255",
            "224.0.0.1",
            "239.255.255.250",
            "240.0.0.1",
            "255.255.255.255",
            "::",
            "::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "::127.0.0.1",
            "::10.0.0.1",
            "64:ff9b::7f00:1",
            "64:ff9b::a9fe:a9fe",
            "64:ff9b:1::1",
            "2002:7f00:1::",
            "2002:c0a8:101::1",
            "2001::1",
            "2001:db8::1",
            "2001:2::1",
            "3fff::1",
            "fe80::1",
            "fc00::1",
            "fd12:3456::1",
            "ff02::1",
            "100::1",
        ] {
            assert!(is_internal(ip(internal)), "{internal}");
        }
        for public in
            ["8.8.8.8", "1.1.1.1", "93.184.216.34", "2606:4700::1111", "2001:4860:4860::8888", "::ffff:8.8.8.8", "64:ff9b::808:808"]
        {
            assert!(!is_internal(ip(public)), "{public}");
        }
    }

    #[tokio::test]
    async fn the_resolver_refuses_a_name_with_any_internal_address() {
        let answers = HashMap::from([
            ("rebind.test".to_owned(), vec![ip("93.184.216.34"), ip("127.0.0.1")]),
            ("public.test".to_owned(), vec![ip("93.184.216.34")]),
        ]);
        let resolver = GuardedResolver { lookup: Arc::new(StaticLookup(answers)), allow_internal: false };
        let refused = resolver.resolve("rebind.test".parse().unwrap()).await.err().expect("refused");
        assert!(refused.to_string().contains("internal address"), "{refused}");
        let addrs: Vec<_> = resolver.resolve("public.test".parse().unwrap()).await.unwrap_or_else(|e| panic!("resolved: {e}")).collect();
        assert_eq!(addrs, vec![SocketAddr::new(ip("93.184.216.34"), 0)]);
        assert!(resolver.resolve("nowhere.test".parse().unwrap()).await.is_err());
    }
}
