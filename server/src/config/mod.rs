//! Typed settings, read once at start-up from the environment (and an
//! optional `.env`). The seeds' own variable names are accepted, so an
//! existing deployment's configuration works unchanged. Secrets are wrapped
//! in [`SecretString`], whose `Debug` never prints them.

mod data_dir;
mod platform;

pub use data_dir::{local_secret, write_private};
pub use platform::{AcaPySettings, PlatformSettings, RemotePlatform};

use crate::hub::HistoryLimits;
use crate::limits::TrustedProxies;
use anyhow::Context;
use secrecy::SecretString;
use std::path::PathBuf;
use std::time::Duration;

/// WhatsApp Business Cloud API settings (seed 003's names).
#[derive(Debug, Clone)]
pub struct WhatsAppSettings {
    /// `hub.verify_token` Meta sends when the webhook is set up.
    pub verify_token: SecretString,
    /// Key of the `X-Hub-Signature-256` HMAC over each webhook body.
    pub app_secret: SecretString,
    /// Where messages are sent; `None` runs the built-in Graph API simulator.
    pub graph: Option<GraphSettings>,
    /// The default tenant's business number (`WHATSAPP_PHONE_NUMBER_ID`;
    /// with the simulator and none set, the simulator's).
    pub phone_number_id: Option<String>,
    /// How that number is shown (`WHATSAPP_DISPLAY_NUMBER`).
    pub display_number: Option<String>,
    /// The tenant the environment's number belongs to (`WHATSAPP_TENANT_ID`,
    /// default the first tenant). Other tenants add theirs in `/settings`.
    pub tenant: app::protocol::TenantId,
    /// With the simulator: whether it reports statuses on its own (else only
    /// `tidings simulate whatsapp` does).
    pub simulator_auto: bool,
    /// With the simulator: the pause before each status it reports.
    pub simulator_step: Duration,
}

#[derive(Debug, Clone)]
pub struct GraphSettings {
    pub base_url: String,
    /// Sends for every number without a token of its own.
    pub access_token: SecretString,
}

/// The organisation's multi-use invitation, for the seeds' legacy mode.
/// Sessions then share one invitation and can only be matched by guessing.
#[derive(Debug, Clone)]
pub struct LegacyInvitation {
    pub url: String,
    pub out_of_band_id: String,
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub data_dir: PathBuf,
    pub database_url: String,
    /// Expected in `X-API-Key` on platform webhooks (`WEBHOOK_SECRET`).
    pub webhook_secret: SecretString,
    pub platform: PlatformSettings,
    pub legacy_invitation: Option<LegacyInvitation>,
    /// How long an unscanned invitation stays valid.
    pub session_ttl: Duration,
    /// How long an open session may go without a webhook before the
    /// platform is asked where it stands (`RECONCILE_AFTER_SECS`).
    pub reconcile_after: Duration,
    /// How often expired sessions are swept to `abandoned`.
    pub sweep_interval: Duration,
    /// How often pending deliveries are retried.
    pub retry_interval: Duration,
    /// Largest accepted webhook body.
    pub max_body_bytes: usize,
    /// The label a wallet shows for this organisation.
    pub organization_label: String,
    pub whatsapp: WhatsAppSettings,
    /// The first admin (`TIDINGS_ADMIN_EMAIL`, `TIDINGS_ADMIN_PASSWORD`).
    pub admin: Option<(String, SecretString)>,
    /// The first tenant's name.
    pub first_tenant_name: String,
    /// Signs channel tokens (`TIDINGS_SECRET_KEY`).
    pub channel_key: SecretString,
    /// Whether outbound webhooks may go to internal addresses (local
    /// development and tests only).
    pub outbound_allow_internal: bool,
    /// Intake only (`PROCESS_PAUSED`): webhooks are stored and answered,
    /// none applied until a start without it (maintenance; the recovery
    /// benchmark builds its backlog this way).
    pub process_paused: bool,
    /// The tenant whose endpoints receive `connection.status` events
    /// (`CONNECT_TENANT_ID`, default the first tenant).
    pub connect_tenant: app::protocol::TenantId,
    /// How often the outbound queue is polled; `None` leaves it to callers
    /// (tests drive it with their own clock).
    pub outbound_poll: Option<Duration>,
    /// Proxies whose `X-Forwarded-For` is believed (`TRUSTED_PROXIES`).
    pub trusted_proxies: TrustedProxies,
    /// Open sockets allowed in all (`MAX_SOCKETS`) and per client address
    /// (`MAX_SOCKETS_PER_IP`).
    pub max_sockets: usize,
    pub max_sockets_per_ip: usize,
    /// Connect sessions one address may start per minute
    /// (`SESSIONS_PER_MINUTE_PER_IP`).
    pub sessions_per_minute: u32,
    pub retention: Retention,
    /// What the hub keeps for pages that resume by offset: frames in all
    /// (`RESUME_HISTORY_EVENTS`), per channel
    /// (`RESUME_HISTORY_PER_CHANNEL`), and for how long
    /// (`RESUME_HISTORY_SECS`).
    pub resume_history: HistoryLimits,
    /// The bus across nodes (`REDIS_URL`); none: in-process, one node.
    pub redis_url: Option<String>,
    /// The bearer token `GET /metrics` requires (`METRICS_TOKEN`); none:
    /// no metrics endpoint.
    pub metrics_token: Option<SecretString>,
    /// Longest a request may take before it is answered `408`
    /// (`REQUEST_TIMEOUT_SECS`; sockets and their upgrades are exempt).
    pub request_timeout: Duration,
    /// Deliveries that may wait to be applied before `/readyz` says this
    /// node is not ready (`READY_MAX_BACKLOG`).
    pub ready_max_backlog: i64,
    /// This node's name, the same across restarts (`NODE_ID`; by default
    /// one generated into the data directory). Processes sharing a
    /// database need different names.
    pub node_id: String,
    /// Other sites whose pages may use `/socket.io/` and the notification
    /// and dashboard APIs (`CORS_ALLOWED_ORIGINS`, `CLIENT_URL`).
    pub cors_origins: crate::cors::AllowedOrigins,
}

/// How long what piles up is kept before the housekeeping task purges it.
#[derive(Debug, Clone)]
pub struct Retention {
    /// Raw bodies of applied webhooks (`RETENTION_WEBHOOK_BODY_DAYS`); the
    /// delivery's row, and so its dedupe key, stays.
    pub webhook_bodies: chrono::Duration,
    /// The activity log (`RETENTION_ACTIVITY_DAYS`).
    pub activity: chrono::Duration,
    /// Outbound delivery attempts (`RETENTION_OUTBOUND_ATTEMPT_DAYS`).
    pub outbound_attempts: chrono::Duration,
    /// Sign-in sessions, after they expire (`RETENTION_SESSION_DAYS`).
    pub expired_sessions: chrono::Duration,
    /// How often the purge runs (`RETENTION_INTERVAL_SECS`).
    pub every: Duration,
    /// How often refusal counts are written and idle rate-limit keys
    /// forgotten (`HOUSEKEEPING_INTERVAL_SECS`).
    pub housekeeping: Duration,
}

type Lookup<'a> = &'a dyn Fn(&str) -> Option<String>;

fn first(lookup: Lookup, names: &[&str]) -> Option<String> {
    names.iter().find_map(|n| lookup(n)).filter(|v| !v.trim().is_empty())
}

fn number<T: std::str::FromStr>(lookup: Lookup, name: &str, default: T) -> anyhow::Result<T> {
    match first(lookup, &[name]) {
        Some(v) => v.trim().parse().map_err(|_| anyhow::anyhow!("{name} must be a number")),
        None => Ok(default),
    }
}

fn days(lookup: Lookup, name: &str, default: i64) -> anyhow::Result<chrono::Duration> {
    Ok(chrono::Duration::days(number(lookup, name, default)?))
}

fn seconds(lookup: Lookup, name: &str, default: u64) -> anyhow::Result<Duration> {
    match lookup(name) {
        Some(v) => Ok(Duration::from_secs_f64(v.parse::<f64>().with_context(|| format!("{name} must be a number of seconds"))?)),
        None => Ok(Duration::from_secs(default)),
    }
}

impl Settings {
    /// Reads the process environment.
    pub fn from_env() -> anyhow::Result<Self> {
        Self::from_lookup(&|name| std::env::var(name).ok())
    }

    /// Reads settings through `lookup`, so tests can pass their own values.
    pub fn from_lookup(lookup: Lookup) -> anyhow::Result<Self> {
        let data_dir = PathBuf::from(first(lookup, &["TIDINGS_DATA_DIR"]).unwrap_or_else(|| "tidings-data".into()));
        let database_url =
            first(lookup, &["DATABASE_URL"]).unwrap_or_else(|| format!("sqlite://{}?mode=rwc", data_dir.join("tidings.db").display()));
        let webhook_secret = match first(lookup, &["WEBHOOK_SECRET"]) {
            Some(secret) => SecretString::from(secret),
            None => local_secret(&data_dir, "webhook-secret")?,
        };
        let whatsapp = WhatsAppSettings {
            verify_token: match first(lookup, &["WHATSAPP_WEBHOOK_VERIFY_TOKEN"]) {
                Some(token) => token.into(),
                None => local_secret(&data_dir, "whatsapp-verify-token")?,
            },
            app_secret: match first(lookup, &["WHATSAPP_APP_SECRET"]) {
                Some(secret) => secret.into(),
                None => local_secret(&data_dir, "whatsapp-app-secret")?,
            },
            graph: first(lookup, &["WHATSAPP_ACCESS_TOKEN"]).map(|token| GraphSettings {
                base_url: first(lookup, &["WHATSAPP_GRAPH_BASE_URL"])
                    .unwrap_or_else(|| "https://graph.facebook.com/v21.0".into())
                    .trim_end_matches('/')
                    .to_owned(),
                access_token: token.into(),
            }),
            phone_number_id: first(lookup, &["WHATSAPP_PHONE_NUMBER_ID"]),
            display_number: first(lookup, &["WHATSAPP_DISPLAY_NUMBER"]),
            tenant: app::protocol::TenantId(
                first(lookup, &["WHATSAPP_TENANT_ID"])
                    .map(|v| v.parse())
                    .transpose()
                    .context("WHATSAPP_TENANT_ID must be a number")?
                    .unwrap_or(1),
            ),
            simulator_auto: first(lookup, &["WHATSAPP_SIMULATOR_AUTO"]).is_none_or(|v| v != "false" && v != "0"),
            simulator_step: Duration::from_millis(
                first(lookup, &["WHATSAPP_SIMULATOR_STEP_MS"])
                    .map(|v| v.parse())
                    .transpose()
                    .context("WHATSAPP_SIMULATOR_STEP_MS must be a number")?
                    .unwrap_or(1200),
            ),
        };
        let platform = platform::from_lookup(lookup)?;
        let legacy_invitation = first(lookup, &["LEGACY_INVITATION_URL"]).map(|url| LegacyInvitation {
            out_of_band_id: first(lookup, &["LEGACY_OUT_OF_BAND_ID"]).unwrap_or_else(|| "legacy-multi-use".into()),
            url,
        });
        let admin = match (first(lookup, &["TIDINGS_ADMIN_EMAIL"]), first(lookup, &["TIDINGS_ADMIN_PASSWORD"])) {
            (Some(email), Some(password)) => Some((email, password.into())),
            (None, None) => None,
            _ => anyhow::bail!("set both TIDINGS_ADMIN_EMAIL and TIDINGS_ADMIN_PASSWORD, or neither"),
        };
        let channel_key = match first(lookup, &["TIDINGS_SECRET_KEY"]) {
            Some(key) => key.into(),
            None => local_secret(&data_dir, "secret-key")?,
        };
        let node_id = data_dir::node_id(&data_dir, first(lookup, &["NODE_ID"]))?;
        Ok(Self {
            node_id,
            data_dir,
            database_url,
            webhook_secret,
            platform,
            legacy_invitation,
            session_ttl: seconds(lookup, "SESSION_TTL_SECS", 15 * 60)?,
            reconcile_after: seconds(lookup, "RECONCILE_AFTER_SECS", 30)?,
            sweep_interval: seconds(lookup, "SWEEP_INTERVAL_SECS", 5)?,
            retry_interval: seconds(lookup, "RETRY_INTERVAL_SECS", 5)?,
            max_body_bytes: first(lookup, &["MAX_WEBHOOK_BYTES"])
                .map(|v| v.parse())
                .transpose()
                .context("MAX_WEBHOOK_BYTES must be a number")?
                .unwrap_or(256 * 1024),
            organization_label: first(lookup, &["ORGANIZATION_LABEL"]).unwrap_or_else(|| "Tidings University".into()),
            whatsapp,
            admin,
            first_tenant_name: first(lookup, &["TIDINGS_FIRST_TENANT"]).unwrap_or_else(|| "Demo College".into()),
            channel_key,
            connect_tenant: app::protocol::TenantId(
                first(lookup, &["CONNECT_TENANT_ID"])
                    .map(|v| v.parse())
                    .transpose()
                    .context("CONNECT_TENANT_ID must be a number")?
                    .unwrap_or(1),
            ),
            outbound_allow_internal: first(lookup, &["OUTBOUND_ALLOW_INTERNAL"]).is_some_and(|v| v == "true" || v == "1"),
            process_paused: first(lookup, &["PROCESS_PAUSED"]).is_some_and(|v| v == "true" || v == "1"),
            outbound_poll: match first(lookup, &["OUTBOUND_POLL_MS"])
                .map(|v| v.parse::<u64>())
                .transpose()
                .context("OUTBOUND_POLL_MS must be a number")?
            {
                Some(0) => None,
                Some(ms) => Some(Duration::from_millis(ms)),
                None => Some(Duration::from_millis(250)),
            },
            trusted_proxies: TrustedProxies::parse(&first(lookup, &["TRUSTED_PROXIES"]).unwrap_or_default())
                .map_err(|e| anyhow::anyhow!("TRUSTED_PROXIES: {e}"))?,
            max_sockets: number(lookup, "MAX_SOCKETS", 100_000)?,
            max_sockets_per_ip: number(lookup, "MAX_SOCKETS_PER_IP", 5_000)?,
            sessions_per_minute: number(lookup, "SESSIONS_PER_MINUTE_PER_IP", 60)?,
            redis_url: first(lookup, &["REDIS_URL"]).filter(|u| !u.is_empty()),
            ready_max_backlog: number(lookup, "READY_MAX_BACKLOG", 10_000)?,
            metrics_token: first(lookup, &["METRICS_TOKEN"]).map(SecretString::from),
            request_timeout: seconds(lookup, "REQUEST_TIMEOUT_SECS", 30)?,
            cors_origins: crate::cors::AllowedOrigins::parse(&[
                &first(lookup, &["CORS_ALLOWED_ORIGINS"]).unwrap_or_default(),
                &first(lookup, &["CLIENT_URL"]).unwrap_or_default(),
            ])
            .map_err(|e| anyhow::anyhow!("CORS_ALLOWED_ORIGINS / CLIENT_URL: {e}"))?,
            resume_history: {
                let default = HistoryLimits::default();
                HistoryLimits {
                    events: number(lookup, "RESUME_HISTORY_EVENTS", default.events)?,
                    per_channel: number(lookup, "RESUME_HISTORY_PER_CHANNEL", default.per_channel)?,
                    age: seconds(lookup, "RESUME_HISTORY_SECS", default.age.as_secs())?,
                }
            },
            retention: Retention {
                webhook_bodies: days(lookup, "RETENTION_WEBHOOK_BODY_DAYS", 30)?,
                activity: days(lookup, "RETENTION_ACTIVITY_DAYS", 90)?,
                outbound_attempts: days(lookup, "RETENTION_OUTBOUND_ATTEMPT_DAYS", 30)?,
                expired_sessions: days(lookup, "RETENTION_SESSION_DAYS", 0)?,
                every: seconds(lookup, "RETENTION_INTERVAL_SECS", 3600)?,
                housekeeping: seconds(lookup, "HOUSEKEEPING_INTERVAL_SECS", 60)?,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;
    use std::collections::HashMap;

    fn settings(vars: &[(&str, &str)]) -> anyhow::Result<Settings> {
        let vars: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Settings::from_lookup(&move |k| vars.get(k).cloned())
    }

    #[test]
    fn accepts_the_seed_names() {
        let s = settings(&[
            ("TIDINGS_DATA_DIR", "/nonexistent"),
            ("WEBHOOK_SECRET", "s3cret"),
            ("WHATSAPP_WEBHOOK_VERIFY_TOKEN", "vt"),
            ("WHATSAPP_APP_SECRET", "app-secret"),
            ("CONFIRMD_BASE_URL", "https://platform.example/"),
            ("CONFIRMD_TOKEN_URL", "https://id.example/token"),
            ("ORGANIZATION_ID", "org"),
            ("CLIENT_ID", "cid"),
            ("CLIENT_SECRET", "csecret"),
        ])
        .unwrap();
        assert_eq!(s.webhook_secret.expose_secret(), "s3cret");
        let PlatformSettings::Remote(remote) = &s.platform else { panic!("expected a remote platform") };
        assert_eq!(remote.base_url, "https://platform.example");
        assert!(!format!("{s:?}").contains("csecret"), "secrets must not print");
        assert!(!format!("{s:?}").contains("s3cret"), "secrets must not print");
    }

    #[test]
    fn a_remote_platform_needs_its_credentials() {
        let dir = tempfile::tempdir().unwrap();
        let data_dir = dir.path().display().to_string();
        let err = settings(&[("TIDINGS_DATA_DIR", &data_dir), ("WEBHOOK_SECRET", "x"), ("PLATFORM_BASE_URL", "https://p")]).unwrap_err();
        assert!(err.to_string().contains("PLATFORM_TOKEN_URL"));
    }

    #[test]
    fn an_acapy_agent_is_chosen_by_name_and_needs_its_admin_url() {
        let dir = tempfile::tempdir().unwrap();
        let data_dir = dir.path().display().to_string();
        let base = [("TIDINGS_DATA_DIR", data_dir.as_str()), ("WEBHOOK_SECRET", "x"), ("PLATFORM", "acapy")];
        assert!(settings(&base).unwrap_err().to_string().contains("ACAPY_ADMIN_URL"));
        let s = settings(&[&base[..], &[("ACAPY_ADMIN_URL", "http://127.0.0.1:8031/")]].concat()).unwrap();
        let PlatformSettings::AcaPy(acapy) = &s.platform else { panic!("expected ACA-Py") };
        assert_eq!(acapy.admin_url, "http://127.0.0.1:8031");
        assert!(settings(&[base[0], base[1], ("PLATFORM", "credo")]).is_err(), "an unknown platform is refused");
    }
}
