//! Where Tidings may send: http(s) only, and by default no loopback,
//! link-local, private-range or otherwise internal address, so an endpoint
//! URL cannot make the server reach into its own network (SSRF). Checked
//! when an endpoint is saved and again, after resolving, before each send.

use std::net::{IpAddr, SocketAddr};

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

fn is_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_documentation()
                || v4.octets()[0] == 100 && (v4.octets()[1] & 0xc0) == 64 // 100.64/10, shared address space
                || v4.octets()[0] == 0
        }
        IpAddr::V6(v6) => {
            v6.is_loopback()
                || v6.is_unspecified()
                || (v6.segments()[0] & 0xfe00) == 0xfc00 // unique local
                || (v6.segments()[0] & 0xffc0) == 0xfe80 // link-local
                || v6.to_ipv4_mapped().is_some_and(|v4| is_internal(IpAddr::V4(v4)))
        }
    }
}

/// Checks the URL itself; a literal IP is checked here too.
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

/// Resolves the URL's host and refuses internal addresses.
pub async fn check_resolved(url: &reqwest::Url, allow_internal: bool) -> Result<(), UrlRefused> {
    if allow_internal {
        return Ok(());
    }
    let host = url.host_str().ok_or(UrlRefused::NoHost)?;
    let port = url.port_or_known_default().unwrap_or(443);
    let addrs: Vec<SocketAddr> =
        tokio::net::lookup_host((host.trim_matches(['[', ']']), port)).await.map_err(|_| UrlRefused::Unresolved)?.collect();
    match addrs.iter().find(|a| is_internal(a.ip())) {
        Some(a) => Err(UrlRefused::Internal(a.ip())),
        None if addrs.is_empty() => Err(UrlRefused::Unresolved),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_what_is_not_public_http() {
        assert_eq!(check_url("ftp://example.com/x", false), Err(UrlRefused::Scheme));
        for internal in ["http://127.0.0.1:8080/", "http://10.1.2.3/", "http://192.168.0.1/", "http://169.254.169.254/latest", "http://[::1]/", "http://[fd00::1]/", "http://0.0.0.0/"] {
            assert!(matches!(check_url(internal, false), Err(UrlRefused::Internal(_))), "{internal}");
        }
        assert!(check_url("https://hooks.example.com/tidings", false).is_ok());
        assert!(check_url("http://127.0.0.1:8080/", true).is_ok(), "allowed for local development");
        assert!(matches!(check_url("not a url", false), Err(UrlRefused::Malformed(_))));
    }

    #[tokio::test]
    async fn a_name_that_resolves_to_loopback_is_refused() {
        let url = check_url("http://localhost:9/", false).unwrap();
        assert!(matches!(check_resolved(&url, false).await, Err(UrlRefused::Internal(_))));
        assert!(check_resolved(&url, true).await.is_ok());
    }
}
