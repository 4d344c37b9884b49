//! Links a page may follow: an absolute `http(s)` URL or a path on this
//! site. Every URL a tenant, an API key or a webhook can store is checked
//! with [`check_link`] on the way in, and the browser checks again before it
//! navigates, so a stored `javascript:` (or `//evil.example`) never runs.

/// Longest link accepted.
pub const MAX_LINK: usize = 2048;

/// Why a link was refused (the caller names the field).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LinkRefused {
    #[error("must be an absolute http(s) URL or a path on this site (starting with a single /)")]
    Shape,
    #[error("must not contain spaces, control characters or backslashes")]
    Characters,
    #[error("is longer than 2048 characters")]
    TooLong,
}

/// Accepts `https://host/…`, `http://host/…` and `/path…`; refuses every
/// other scheme, protocol-relative `//host` links and anything a browser
/// would reinterpret (whitespace and control characters are stripped by URL
/// parsers, a backslash counts as a slash).
pub fn check_link(link: &str) -> Result<(), LinkRefused> {
    if link.len() > MAX_LINK {
        return Err(LinkRefused::TooLong);
    }
    if link.chars().any(|c| c.is_whitespace() || c.is_control() || c == '\\') {
        return Err(LinkRefused::Characters);
    }
    if let Some(rest) = link.strip_prefix('/') {
        return if rest.starts_with('/') { Err(LinkRefused::Shape) } else { Ok(()) };
    }
    let lower = link.get(..8).unwrap_or(link).to_ascii_lowercase();
    let rest = if lower.starts_with("https://") {
        &link[8..]
    } else if lower.starts_with("http://") {
        &link[7..]
    } else {
        return Err(LinkRefused::Shape);
    };
    match rest.chars().next() {
        Some(c) if c != '/' && c != '?' && c != '#' => Ok(()),
        _ => Err(LinkRefused::Shape),
    }
}

/// The link if it may be followed.
pub fn safe_link(link: Option<&str>) -> Option<&str> {
    link.filter(|l| check_link(l).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_http_urls_and_own_paths() {
        for ok in [
            "/dashboard",
            "/",
            "/settings/webhooks?tenant=2#top",
            "https://shop.example/orders/1",
            "HTTP://Example.com",
            "http://10.0.0.1:8080/x",
        ] {
            assert_eq!(check_link(ok), Ok(()), "{ok}");
        }
    }

    #[test]
    fn refuses_scripts_other_schemes_and_other_origins_in_disguise() {
        for bad in [
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            " javascript:alert(1)",
            "java\tscript:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "vbscript:x",
            "//evil.example/x",
            "/\\evil.example",
            "\\\\evil.example",
            "https:evil.example",
            "https:///evil.example",
            "http://",
            "dashboard",
            "mailto:a@b.c",
            "",
        ] {
            assert!(check_link(bad).is_err(), "{bad:?}");
        }
        assert_eq!(check_link(&format!("/{}", "a".repeat(MAX_LINK))), Err(LinkRefused::TooLong));
    }
}
