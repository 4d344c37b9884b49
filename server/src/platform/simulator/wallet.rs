//! A student's wallet scanning a simulated invitation: the platform runs
//! the exchange and posts each step to the organisation's webhook apps
//! (the seeds' flat shape, with a delivery id), logging every attempt,
//! whether or not the receiver was there to take it.

use super::{invitation, Simulator};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::Utc;
use serde::Deserialize;
use serde_json::json;
use std::sync::Arc;

/// The platform's states for the inviter's side, in order.
const STEPS: [&str; 3] = ["request-received", "response-sent", "completed"];

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Scan {
    invitation_url: String,
    #[serde(default)]
    label: Option<String>,
}

pub(super) async fn accept(State(sim): State<Arc<Simulator>>, Json(scan): Json<Scan>) -> Response {
    let known = invitation::invitation_id_from_url(&scan.invitation_url)
        .and_then(|id| sim.invitations.lock().expect("invitations").get(&id).cloned());
    let Some((org, out_of_band_id)) = known else {
        return (StatusCode::NOT_FOUND, Json(json!({ "statusCode": 404, "message": "Unknown invitation" }))).into_response();
    };
    let connection_id = crate::random_uuid();
    let label = scan.label.unwrap_or_else(|| "Simulated Wallet".into());
    for state in STEPS {
        let payload = json!({
            "id": crate::random_uuid(), "type": "Connection", "connectionId": connection_id, "state": state,
            "theirLabel": label, "theirDid": format!("did:peer:2.{connection_id}"), "orgId": org,
            "outOfBandId": out_of_band_id, "timestamp": Utc::now(),
        });
        sim.apps.deliver_to_org(&org, "Connection", &payload).await;
    }
    Json(json!({ "statusCode": 200, "data": { "connectionId": connection_id } })).into_response()
}
