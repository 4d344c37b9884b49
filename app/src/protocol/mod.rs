//! The shared protocol: typed statuses, ids and messages. Both the server and
//! the WASM client compile this module, and the database stores these enums,
//! so the three can never disagree about a name.

mod accounts;
mod deliveries;
mod ids;
mod links;
mod messages;
mod outbound;
mod phone;
mod resume;
mod status;
mod tenant_events;
mod webhook_settings;
mod whatsapp;

pub use accounts::{
    ActivityEntry, ActivityKind, AddedMember, ApiKeyView, CreatedApiKey, CreatedInvitation, InvitationView, Me, MemberView, Role, TenantId,
    TenantMembership,
};
pub use deliveries::{DeliveryDetail, DeliverySummary, LogClientMessage, LogServerMessage, MinuteCounts, Replayed};
pub use ids::{ConnectionId, OutOfBandId, SessionId};
pub use links::{check_link, safe_link, LinkRefused};
pub use messages::{ClientMessage, CreateSessionRequest, CreatedSession, Envelope, ServerMessage, SessionView};
pub use outbound::{AttemptView, EndpointView, EndpointWithSecret, OutboundDeliveryView, OutboundEventType, OutboundStatus};
pub use phone::{normalize_phone, PhoneRefused};
pub use resume::{Epoch, Position, Resume, StreamStart};
pub use status::{ConnectionStatus, DeliveryStatus, RequestType, UnknownStatus};
pub use tenant_events::{
    ActivityItem, DashboardSummary, Forward, Notification, NotificationPage, NotificationType, OrderStatus, OrderView, PaymentStatus,
    Priority, Room, TenantClientMessage, TenantServerMessage,
};
pub use webhook_settings::{
    GeneratedSecret, TenantEndpoint, TestDelivery, WebhookEndpoints, WebhookEndpointsPatch, WebhookSettings, WebhookSettingsPatch,
};
pub use whatsapp::{
    CollegeId, IncomingMessage, MessageStatus, NewWhatsAppNumber, OutgoingMessage, SendError, WaClientMessage, WaServerMessage,
    WhatsAppNumber,
};
