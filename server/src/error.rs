//! The edge's error type: every failure a client can cause maps to a status
//! code and a JSON body that says why; internal failures are logged once and
//! answered with a generic body.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

/// Why a request was refused, as its answer says: logged by the router
/// with the request's id.
#[derive(Clone, Debug)]
pub struct Refusal(pub String);

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("unauthorized")]
    Unauthorized,
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Forbidden(&'static str),
    #[error("{0}")]
    NotFound(&'static str),
    /// The thing exists but is not the caller's to have: nothing about it is
    /// disclosed.
    #[error("{0}")]
    Conflict(&'static str),
    #[error("too many attempts; try again in a minute")]
    TooManyRequests,
    #[error("payload too large: the limit is {limit} bytes")]
    PayloadTooLarge { limit: usize },
    #[error("the wallet platform is unavailable")]
    Platform(#[from] crate::platform::PlatformError),
    #[error("internal error")]
    Internal(#[from] anyhow::Error),
}

impl From<crate::store::StoreError> for ApiError {
    fn from(err: crate::store::StoreError) -> Self {
        Self::Internal(err.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = match &self {
            Self::Unauthorized => StatusCode::UNAUTHORIZED,
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            Self::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Platform(err) => {
                tracing::error!(error = %err, "wallet platform call failed");
                StatusCode::BAD_GATEWAY
            }
            Self::Internal(err) => {
                tracing::error!(error = ?err, "internal error");
                StatusCode::INTERNAL_SERVER_ERROR
            }
        };
        let reason = self.to_string();
        let mut response = (status, Json(json!({ "success": false, "error": &reason }))).into_response();
        // For the router's log of refusals, which knows the request id.
        response.extensions_mut().insert(Refusal(reason));
        response
    }
}
