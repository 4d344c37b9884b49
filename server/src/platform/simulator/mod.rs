//! A faithful stand-in for the seeds' wallet platform, served under
//! `/sim/platform` when no real platform is configured: the OAuth token
//! endpoint, the create-invitation endpoint, and the webhook-app API
//! ([`apps`]), with the same shapes and the same refusals (wrong client
//! credentials, missing or unknown bearer token). A wallet scanning a code
//! is played by [`wallet`]: the platform then posts its webhooks to the
//! registered apps and logs each attempt, as the real one does.

mod apps;
mod wallet;

use super::invitation;
use crate::config::RemotePlatform;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::json;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

/// Where the simulator is mounted.
pub const MOUNT: &str = "/sim/platform";
/// Its OAuth client id; the secret is the data directory's
/// `platform-simulator-secret`, so the `tidings platform` commands can
/// sign in to the simulator a running server hosts.
pub const CLIENT_ID: &str = "tidings-simulator";
/// The data directory's file that holds the client secret.
pub const SECRET_FILE: &str = "platform-simulator-secret";
/// The organisation the simulator's client acts for.
pub const ORGANIZATION: &str = "simulated-organization";

/// The client settings for the simulator served at `base_url`.
pub fn client_settings(base_url: &str, client_secret: SecretString) -> RemotePlatform {
    RemotePlatform {
        token_url: format!("{base_url}/token"),
        base_url: base_url.to_owned(),
        organization_id: ORGANIZATION.into(),
        client_id: CLIENT_ID.into(),
        client_secret,
    }
}

pub struct Simulator {
    pub client_secret: SecretString,
    /// The DIDComm endpoint written into invitations.
    endpoint: String,
    tokens: Mutex<HashSet<String>>,
    /// Invitations made, by invitation id: their organisation and
    /// out-of-band id, for the wallet to answer.
    invitations: Mutex<HashMap<String, (String, String)>>,
    apps: apps::Apps,
}

impl Simulator {
    pub fn new(base_url: &str, client_secret: SecretString) -> Arc<Self> {
        Arc::new(Self {
            client_secret,
            endpoint: format!("{base_url}/didcomm"),
            tokens: Mutex::new(HashSet::new()),
            invitations: Mutex::default(),
            apps: apps::Apps::default(),
        })
    }

    /// Tokens handed out so far (a well-behaved client caches its token).
    pub fn tokens_issued(&self) -> usize {
        self.tokens.lock().expect("token set").len()
    }

    pub fn router(self: Arc<Self>) -> Router {
        Router::new()
            .route("/token", post(issue_token))
            .route("/v1/orgs/{org}/connections", post(create_invitation))
            .route("/orgs/{org}/apps", post(apps::create))
            .route("/orgs/{org}/apps/{app}", get(apps::show))
            .route("/orgs/{org}/apps/{app}/test", post(apps::test))
            .route("/orgs/{org}/apps/{app}/rotate-secret", post(apps::rotate_secret))
            .route("/orgs/{org}/apps/{app}/deliveries", get(apps::deliveries))
            .route("/wallet/accept", post(wallet::accept))
            .with_state(self)
    }

    fn knows(&self, headers: &HeaderMap) -> bool {
        let bearer = headers.get("authorization").and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
        bearer.is_some_and(|t| self.tokens.lock().expect("token set").contains(t))
    }
}

/// The platform's answer to a missing or unknown bearer token.
fn refused() -> Response {
    (StatusCode::UNAUTHORIZED, Json(json!({ "statusCode": 401, "message": "Unauthorized" }))).into_response()
}

#[derive(Deserialize)]
struct TokenRequest {
    grant_type: String,
    client_id: String,
    client_secret: String,
}

async fn issue_token(State(sim): State<Arc<Simulator>>, Form(req): Form<TokenRequest>) -> Response {
    let valid =
        req.grant_type == "client_credentials" && req.client_id == CLIENT_ID && req.client_secret == sim.client_secret.expose_secret();
    if !valid {
        return (StatusCode::UNAUTHORIZED, Json(json!({ "error": "invalid_client" }))).into_response();
    }
    let token = crate::random_token(24);
    sim.tokens.lock().expect("token set").insert(token.clone());
    Json(json!({ "access_token": token, "token_type": "Bearer", "expires_in": 300 })).into_response()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct InvitationRequest {
    #[serde(default)]
    label: Option<String>,
    #[serde(default)]
    multi_use_invitation: bool,
}

async fn create_invitation(
    State(sim): State<Arc<Simulator>>,
    Path(org): Path<String>,
    headers: HeaderMap,
    Json(req): Json<InvitationRequest>,
) -> Response {
    if !sim.knows(&headers) {
        return refused();
    }
    let out_of_band_id = crate::random_uuid();
    let invitation_id = crate::random_uuid();
    let label = req.label.unwrap_or_else(|| org.clone());
    sim.invitations.lock().expect("invitations").insert(invitation_id.clone(), (org.clone(), out_of_band_id.clone()));
    let url = invitation::build_url(&sim.endpoint, &invitation_id, &label, &crate::random_token(16));
    let body = json!({
        "statusCode": 201,
        "message": "Connection invitation created successfully",
        "data": {
            "id": out_of_band_id,
            "invitationUrl": url,
            "outOfBandRecord": {
                "id": out_of_band_id,
                "role": "sender",
                "state": "await-response",
                "reusable": req.multi_use_invitation,
                "outOfBandInvitation": { "@id": invitation_id, "label": label },
            },
        },
    });
    (StatusCode::CREATED, Json(body)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::{PlatformClient, WalletPlatform};

    /// The real client against the simulator on a real socket.
    async fn serve() -> (Arc<Simulator>, RemotePlatform) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base_url = format!("http://{}", listener.local_addr().unwrap());
        let sim = Simulator::new(&base_url, SecretString::from("sim-secret"));
        let router = sim.clone().router();
        tokio::spawn(async move { axum::serve(listener, router).await });
        (sim, client_settings(&base_url, SecretString::from("sim-secret")))
    }

    #[tokio::test]
    async fn issues_distinct_single_use_invitations_with_one_cached_token() {
        let (sim, remote) = serve().await;
        let client = PlatformClient::new(&remote);
        let a = client.create_invitation("Uni").await.unwrap();
        let b = client.create_invitation("Uni").await.unwrap();
        assert_ne!(a.out_of_band_id, b.out_of_band_id);
        assert_ne!(a.invitation_id, b.invitation_id);
        assert_eq!(invitation::invitation_id_from_url(&a.url), a.invitation_id);
        assert_eq!(sim.tokens_issued(), 1, "the token is cached");
    }

    #[tokio::test]
    async fn wrong_client_credentials_are_refused() {
        let (_sim, mut remote) = serve().await;
        remote.client_secret = SecretString::from("wrong");
        let err = PlatformClient::new(&remote).create_invitation("Uni").await.unwrap_err();
        assert!(matches!(err, crate::platform::PlatformError::Status { status: 401, .. }), "{err}");
    }
}
