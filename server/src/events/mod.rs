//! The event vocabulary every stage shares, and nothing else of the crate:
//! which provider a webhook came from and which lane applies it
//! ([`Provider`], [`Lane`]), each provider's payload parsed to a typed event
//! ([`platform`], [`whatsapp`], [`tenant`], [`Parsed`]), a delivery as stored
//! ([`NewDelivery`], [`StoredDelivery`]), intake's hand-off to the worker
//! ([`Wake`]), the mark that the delivery log moved ([`LogFeed`]), and the
//! changes pages are told of ([`Change`]).
//!
//! Intake, the worker, the store, the bus and the hub all depend on this
//! module; it depends on none of them, so the flow's imports point one way.
//! Adding a provider means adding a [`Provider`] and its parser here.

mod change;
mod delivery;
mod log_mark;
mod parsed;
#[cfg(test)]
mod parser_props;
pub mod platform;
mod provider;
pub mod tenant;
mod wake;
pub mod whatsapp;

pub use change::{Audience, Change, NotificationChange, Revocation, UnreadCounts};
pub use delivery::{NewDelivery, StoredDelivery, RECONCILED_KEY_PATTERN, RECONCILED_KEY_PREFIX};
pub use log_mark::LogFeed;
pub use parsed::{ParseError, Parsed};
pub use provider::{Lane, Provider};
pub use wake::{channels, Wake, Wakeup, Woken};
