//! The answers an operation may give besides its own: the body of every
//! [`ApiError`](crate::error::ApiError) under each status it maps to, and
//! axum's own plain-text refusal of a JSON body that does not fit.

use utoipa::{IntoResponses, ToResponse, ToSchema};

/// Every refusal's body: `success` is false and `error` says why.
#[derive(ToSchema)]
#[schema(as = Error)]
pub struct ErrorBody {
    /// Always `false`.
    pub success: bool,
    /// Why, in words for a person.
    pub error: String,
}

/// A required field or parameter is missing or invalid. A path or query parameter that does not parse is refused by axum, in plain text.
#[derive(ToResponse)]
pub enum BadRequest {
    Refused(#[content("application/json")] ErrorBody),
    Unparsed(#[content("text/plain")] String),
}

/// Not signed in (no or an expired session), or a wrong, revoked or expired key, token or signature.
#[derive(ToResponse)]
pub struct Unauthorized(pub ErrorBody);

/// Signed in, but not allowed: a staff member where an admin or an operator is needed, a missing or wrong `X-CSRF-Token`, or a disabled endpoint.
#[derive(ToResponse)]
pub struct Forbidden(pub ErrorBody);

/// Not found, or not the caller's: another tenant's ids answer the same, so they reveal nothing.
#[derive(ToResponse)]
pub struct NotFound(pub ErrorBody);

/// The thing exists but conflicts with the request (another account's email, a number already taken).
#[derive(ToResponse)]
pub struct Conflict(pub ErrorBody);

/// The webhook's body is larger than `MAX_BODY_BYTES`.
#[derive(ToResponse)]
pub struct PayloadTooLarge(pub ErrorBody);

/// The JSON body is larger than the API's 16 KiB (axum's rejection, in plain text).
#[derive(ToResponse)]
#[response(content_type = "text/plain")]
pub struct BodyTooLarge(pub String);

/// Too many attempts from this address or for this account; try again in a minute.
#[derive(ToResponse)]
pub struct TooManyRequests(pub ErrorBody);

/// The JSON body does not fit the operation's schema (axum's rejection, in plain text).
#[derive(ToResponse)]
#[response(content_type = "text/plain")]
pub struct Unprocessable(pub String);

/// An internal failure, logged once; the body says no more.
#[derive(ToResponse)]
pub struct Internal(pub ErrorBody);

/// The wallet platform could not be reached or refused the call.
#[derive(ToResponse)]
pub struct BadGateway(pub ErrorBody);

/// The server holds as many sockets as it may; try again later.
#[derive(ToResponse)]
pub struct ServiceUnavailable(pub ErrorBody);

/// Not a WebSocket upgrade request (axum's rejection, in plain text).
#[derive(ToResponse)]
#[response(content_type = "text/plain")]
pub struct NotAnUpgrade(pub String);

/// How a tenant-scoped call is refused (`TenantScope`, `AdminScope`, `Staff`):
/// a bad parameter, no sign-in, not allowed, not found or not the caller's,
/// a fault. One set, so each operation names it once.
#[derive(IntoResponses)]
pub enum ScopedErrors {
    #[response(status = 400)]
    BadRequest(#[ref_response] BadRequest),
    #[response(status = 401)]
    Unauthorized(#[ref_response] Unauthorized),
    #[response(status = 403)]
    Forbidden(#[ref_response] Forbidden),
    #[response(status = 404)]
    NotFound(#[ref_response] NotFound),
    #[response(status = 500)]
    Internal(#[ref_response] Internal),
}

/// How axum's JSON extractor refuses a body: too large, or not the schema.
#[derive(IntoResponses)]
pub enum JsonBodyErrors {
    #[response(status = 413)]
    BodyTooLarge(#[ref_response] BodyTooLarge),
    #[response(status = 422)]
    Unprocessable(#[ref_response] Unprocessable),
}

/// How a WebSocket upgrade is refused before any socket: not an upgrade,
/// too many from this address, or the server full.
#[derive(IntoResponses)]
pub enum SocketErrors {
    #[response(status = 400)]
    NotAnUpgrade(#[ref_response] NotAnUpgrade),
    #[response(status = 429)]
    TooManyRequests(#[ref_response] TooManyRequests),
    #[response(status = 503)]
    ServiceUnavailable(#[ref_response] ServiceUnavailable),
}
