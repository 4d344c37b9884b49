//! Socket.IO's endpoint, for the document only: it is a whole service
//! (`crate::socketio`), not a handler that can carry an annotation.

/// Engine.IO 4: opens or polls a long-polling transport, or upgrades to a WebSocket (`transport=websocket`). A page on another site authenticates in its handshake's `auth` with a channel token; the events are those of `crate::socketio::events`.
#[utoipa::path(
    get,
    path = "/socket.io/",
    operation_id = "socketio_get",
    tag = "Sockets",
    params(("EIO" = String, Query, description = "Engine.IO's protocol version: `4`."), ("transport" = String, Query, description = "`polling` or `websocket`.")),
    responses(
        (status = 101, description = "Switched to a WebSocket."),
        (status = 200, description = "Engine.IO packets (long polling)."),
        (status = 400, description = "Not an Engine.IO request."),
        (status = 403, description = "A page from an origin that is not allowed."),
    ),
)]
pub async fn engine_io_get() {}

/// Engine.IO 4: sends packets over a long-polling transport.
#[utoipa::path(
    post,
    path = "/socket.io/",
    operation_id = "socketio_post",
    tag = "Sockets",
    params(("EIO" = String, Query, description = "Engine.IO's protocol version: `4`."), ("transport" = String, Query, description = "`polling`."), ("sid" = String, Query, description = "The Engine.IO session.")),
    responses(
        (status = 200, description = "Received."),
        (status = 400, description = "Not an Engine.IO request, or an unknown session."),
        (status = 403, description = "A page from an origin that is not allowed."),
    ),
)]
pub async fn engine_io_post() {}
