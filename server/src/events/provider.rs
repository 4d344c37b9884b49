//! Where a webhook came from, and which of the worker's lanes applies it.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A webhook's sender. Stored by name in the delivery log.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, sqlx::Type)]
#[serde(rename_all = "lowercase")]
#[sqlx(type_name = "TEXT", rename_all = "lowercase")]
pub enum Provider {
    /// A wallet platform (ConfirmD's and the seeds' shapes, ACA-Py, Credo).
    #[serde(rename = "confirmd")]
    #[sqlx(rename = "confirmd")]
    Platform,
    /// Meta's WhatsApp Cloud API.
    WhatsApp,
    /// A tenant's shop or helpdesk (seeds 004 and 002).
    Tenant,
}

/// One queue of the worker each, so a backlog of WhatsApp statuses never
/// delays a student's connect flow. Order holds where it matters, within a
/// provider: a session's or a message's events all travel in one lane.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Lane {
    Connect,
    WhatsApp,
    Tenant,
}

impl Lane {
    pub const ALL: [Lane; 3] = [Lane::Connect, Lane::WhatsApp, Lane::Tenant];
}

impl Provider {
    pub const ALL: [Provider; 3] = [Provider::Platform, Provider::WhatsApp, Provider::Tenant];

    pub fn lane(self) -> Lane {
        match self {
            Provider::Platform => Lane::Connect,
            Provider::WhatsApp => Lane::WhatsApp,
            Provider::Tenant => Lane::Tenant,
        }
    }

    /// The name it is stored and logged under.
    pub fn as_str(self) -> &'static str {
        match self {
            Provider::Platform => "confirmd",
            Provider::WhatsApp => "whatsapp",
            Provider::Tenant => "tenant",
        }
    }
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_what_is_stored() {
        for p in Provider::ALL {
            assert_eq!(serde_json::to_value(p).unwrap(), p.as_str());
        }
        assert_eq!(Provider::Platform.lane(), Lane::Connect);
    }
}
