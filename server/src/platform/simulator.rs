//! A faithful stand-in for the wallet platform, served under `/sim/platform`
//! when no real platform is configured: the OAuth token endpoint and the
//! create-invitation endpoint, with the same shapes and the same refusals
//! (wrong client credentials, missing or unknown bearer token).

use super::invitation;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Form, Json, Router};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::json;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};

/// Where the simulator is mounted.
pub const MOUNT: &str = "/sim/platform";

pub struct Simulator {
    pub client_id: String,
    pub client_secret: SecretString,
    /// The DIDComm endpoint written into invitations.
    endpoint: String,
    tokens: Mutex<HashSet<String>>,
}

impl Simulator {
    pub fn new(base_url: &str) -> Arc<Self> {
        Arc::new(Self {
            client_id: format!("sim-{}", crate::random_token(8)),
            client_secret: SecretString::from(crate::random_token(24)),
            endpoint: format!("{base_url}/didcomm"),
            tokens: Mutex::new(HashSet::new()),
        })
    }

    /// Tokens handed out so far (a well-behaved client caches its token).
    pub fn tokens_issued(&self) -> usize {
        self.tokens.lock().expect("token set").len()
    }

    pub fn router(self: Arc<Self>) -> Router {
        Router::new().route("/token", post(issue_token)).route("/v1/orgs/{org}/connections", post(create_invitation)).with_state(self)
    }

    fn knows(&self, headers: &HeaderMap) -> bool {
        let bearer = headers.get("authorization").and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
        bearer.is_some_and(|t| self.tokens.lock().expect("token set").contains(t))
    }
}

#[derive(Deserialize)]
struct TokenRequest {
    grant_type: String,
    client_id: String,
    client_secret: String,
}

async fn issue_token(State(sim): State<Arc<Simulator>>, Form(req): Form<TokenRequest>) -> Response {
    let valid =
        req.grant_type == "client_credentials" && req.client_id == sim.client_id && req.client_secret == sim.client_secret.expose_secret();
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
        return (StatusCode::UNAUTHORIZED, Json(json!({ "statusCode": 401, "message": "Unauthorized" }))).into_response();
    }
    let out_of_band_id = crate::random_uuid();
    let invitation_id = crate::random_uuid();
    let label = req.label.unwrap_or_else(|| org.clone());
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
    use crate::config::RemotePlatform;
    use crate::platform::{InvitationIssuer, PlatformClient};

    /// The real client against the simulator on a real socket.
    async fn serve() -> (Arc<Simulator>, RemotePlatform) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base_url = format!("http://{}", listener.local_addr().unwrap());
        let sim = Simulator::new(&base_url);
        let router = sim.clone().router();
        tokio::spawn(async move { axum::serve(listener, router).await });
        let remote = RemotePlatform {
            token_url: format!("{base_url}/token"),
            base_url,
            organization_id: "org".into(),
            client_id: sim.client_id.clone(),
            client_secret: sim.client_secret.clone(),
        };
        (sim, remote)
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
