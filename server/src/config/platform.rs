//! Where invitations come from: `PLATFORM` (or the seeds' platform names,
//! `PLATFORM_BASE_URL`…), read into typed settings.

use super::{first, Lookup};
use anyhow::Context;
use secrecy::SecretString;

/// Where invitations come from.
#[derive(Debug, Clone)]
pub enum PlatformSettings {
    /// The built-in simulator, served by this process under `/sim/platform`:
    /// zero configuration, and the real HTTP client still does the talking.
    Simulator,
    /// A real wallet platform reached over OAuth client credentials.
    Remote(RemotePlatform),
    /// A Hyperledger ACA-Py agent's admin API (`PLATFORM=acapy`).
    AcaPy(AcaPySettings),
}

#[derive(Debug, Clone)]
pub struct AcaPySettings {
    /// `ACAPY_ADMIN_URL`, e.g. `http://127.0.0.1:8031`.
    pub admin_url: String,
    /// `ACAPY_ADMIN_API_KEY`; none for an agent in `--admin-insecure-mode`.
    pub api_key: Option<SecretString>,
}

#[derive(Debug, Clone)]
pub struct RemotePlatform {
    pub base_url: String,
    pub token_url: String,
    pub organization_id: String,
    pub client_id: String,
    pub client_secret: SecretString,
}

/// Reads the platform settings.
pub(super) fn from_lookup(lookup: Lookup) -> anyhow::Result<PlatformSettings> {
    Ok(match (first(lookup, &["PLATFORM"]).as_deref(), first(lookup, &["PLATFORM_BASE_URL", "CONFIRMD_BASE_URL"])) {
        (Some("acapy"), _) => PlatformSettings::AcaPy(AcaPySettings {
            admin_url: first(lookup, &["ACAPY_ADMIN_URL"])
                .context("ACAPY_ADMIN_URL is required with PLATFORM=acapy")?
                .trim_end_matches('/')
                .to_owned(),
            api_key: first(lookup, &["ACAPY_ADMIN_API_KEY"]).map(SecretString::from),
        }),
        (Some("simulator"), _) | (None, None) => PlatformSettings::Simulator,
        (Some(other), _) if other != "platform" => {
            anyhow::bail!("PLATFORM must be acapy, platform or simulator, not {other:?}")
        }
        (_, None) => anyhow::bail!("PLATFORM=platform needs PLATFORM_BASE_URL"),
        (_, Some(base_url)) => PlatformSettings::Remote(RemotePlatform {
            token_url: first(lookup, &["PLATFORM_TOKEN_URL", "CONFIRMD_TOKEN_URL"])
                .context("PLATFORM_TOKEN_URL is required with PLATFORM_BASE_URL")?,
            organization_id: first(lookup, &["ORGANIZATION_ID", "CONFIRMD_ORGANIZATION_ID"])
                .context("ORGANIZATION_ID is required with PLATFORM_BASE_URL")?,
            client_id: first(lookup, &["CLIENT_ID", "CONFIRMD_CLIENT_ID"]).context("CLIENT_ID is required with PLATFORM_BASE_URL")?,
            client_secret: first(lookup, &["CLIENT_SECRET", "CONFIRMD_CLIENT_SECRET"])
                .context("CLIENT_SECRET is required with PLATFORM_BASE_URL")?
                .into(),
            base_url: base_url.trim_end_matches('/').to_owned(),
        }),
    })
}
