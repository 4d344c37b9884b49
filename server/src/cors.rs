//! Which other sites' pages may talk to Tidings: the origins of
//! `CORS_ALLOWED_ORIGINS` (comma-separated) and `CLIENT_URL` (seed 004's
//! name for its front end). Their pages may open `/socket.io/` and call the
//! notification and dashboard APIs, authenticated by a channel token their
//! own back end minted with an API key; no credentials (staff cookies stay
//! on this site). Any other origin gets no CORS headers and no socket.

use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Method};
use tower_http::cors::{AllowOrigin, CorsLayer};

/// The origins allowed besides this site's own, normalised to
/// `scheme://host[:port]` without a trailing slash.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AllowedOrigins(Vec<String>);

impl AllowedOrigins {
    /// Parses a comma-separated list; a URL's path is ignored.
    pub fn parse(lists: &[&str]) -> Result<Self, String> {
        let mut origins = Vec::new();
        for item in lists.iter().flat_map(|l| l.split(',')).map(str::trim).filter(|s| !s.is_empty()) {
            let url = url::Url::parse(item).map_err(|e| format!("`{item}` is not an origin: {e}"))?;
            if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
                return Err(format!("`{item}` is not an http(s) origin"));
            }
            let origin = url.origin().ascii_serialization();
            if !origins.contains(&origin) {
                origins.push(origin);
            }
        }
        Ok(Self(origins))
    }

    pub fn contains(&self, origin: &str) -> bool {
        self.0.iter().any(|o| o.eq_ignore_ascii_case(origin))
    }

    /// Whether a request may go on: it names no origin (not a browser, or
    /// a same-origin GET), names this site, or names an allowed origin.
    pub fn admits(&self, headers: &HeaderMap) -> bool {
        match origin(headers) {
            None => true,
            Some(origin) => same_origin(origin, headers) || self.contains(origin),
        }
    }

    /// CORS answers for the allowed origins: the methods and headers a
    /// front end's API calls use, and no credentials.
    pub fn layer(&self) -> CorsLayer {
        let allowed = self.clone();
        CorsLayer::new()
            .allow_origin(AllowOrigin::predicate(move |origin: &HeaderValue, _| origin.to_str().is_ok_and(|o| allowed.contains(o))))
            .allow_methods([Method::GET, Method::POST, Method::PATCH])
            .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE, HeaderName::from_static("x-tenant-id")])
            .max_age(std::time::Duration::from_secs(600))
    }
}

fn origin(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::ORIGIN).and_then(|v| v.to_str().ok())
}

/// Whether `origin` is this site itself (the `Host` the request came to).
fn same_origin(origin: &str, headers: &HeaderMap) -> bool {
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or_default();
    origin.split_once("://").is_some_and(|(_, rest)| rest.eq_ignore_ascii_case(host))
}

/// Whether a request comes from a page of this site (or from no browser at
/// all, which sends no `Origin`): only then does a session cookie count.
pub fn from_this_site(headers: &HeaderMap) -> bool {
    origin(headers).is_none_or(|o| same_origin(o, headers))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(origin: Option<&str>) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_static("tidings.test:3000"));
        if let Some(o) = origin {
            h.insert(header::ORIGIN, HeaderValue::from_str(o).unwrap());
        }
        h
    }

    #[test]
    fn lists_are_normalised_and_merged() {
        let origins = AllowedOrigins::parse(&["https://shop.test/, http://localhost:5173", "https://shop.test"]).unwrap();
        assert_eq!(origins.0, vec!["https://shop.test".to_owned(), "http://localhost:5173".to_owned()]);
        assert!(AllowedOrigins::parse(&["ftp://x.test"]).is_err());
        assert!(AllowedOrigins::parse(&["not a url"]).is_err());
    }

    #[test]
    fn only_listed_origins_and_this_site_are_admitted() {
        let origins = AllowedOrigins::parse(&["https://shop.test"]).unwrap();
        assert!(origins.admits(&headers(None)));
        assert!(origins.admits(&headers(Some("http://tidings.test:3000"))));
        assert!(origins.admits(&headers(Some("https://shop.test"))));
        assert!(!origins.admits(&headers(Some("https://evil.test"))));
        assert!(!from_this_site(&headers(Some("https://shop.test"))));
        assert!(from_this_site(&headers(None)));
    }
}
