//! Resume by offset, the same on every socket: each frame the server sends
//! for a channel carries an increasing `offset`; the answer to a
//! subscription carries the `epoch` and `offset` it starts from. A page
//! that reconnects sends them back (`resume`) and gets exactly the frames
//! it missed, in order, when the server still has them all (`resumed`);
//! otherwise it reloads what it shows, as on a first visit.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// A run of a server's hub: offsets of one epoch mean nothing in another.
/// Sent as 16 hex digits (a JSON number would lose digits in a browser).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema), schema(value_type = String, pattern = "^[0-9a-f]{16}$"))]
pub struct Epoch(pub u64);

impl fmt::Display for Epoch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}

impl std::str::FromStr for Epoch {
    type Err = std::num::ParseIntError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        u64::from_str_radix(s, 16).map(Epoch)
    }
}

impl Serialize for Epoch {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Epoch {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// Where a page left off.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Resume {
    /// The server run the offset belongs to.
    pub epoch: Epoch,
    pub offset: u64,
}

/// Where a subscription starts: in every subscription's answer.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct StreamStart {
    #[serde(default)]
    pub epoch: Epoch,
    /// The offset the page's snapshot is as of.
    #[serde(default)]
    pub offset: u64,
    /// The frames missed since `resume` follow; `false`: reload.
    #[serde(default)]
    pub resumed: bool,
}

/// The part of any server frame that says where it stands.
#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Position {
    pub epoch: Option<Epoch>,
    pub offset: Option<u64>,
}

impl Position {
    /// The position of a frame's text (empty for one that carries none).
    pub fn of(text: &str) -> Self {
        serde_json::from_str(text).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_epoch_travels_as_sixteen_hex_digits() {
        let start = StreamStart { epoch: Epoch(0xe1), offset: 7, resumed: true };
        let json = serde_json::to_value(&start).unwrap();
        assert_eq!(json, serde_json::json!({"epoch": "00000000000000e1", "offset": 7, "resumed": true}));
        assert_eq!(serde_json::from_value::<StreamStart>(json).unwrap(), start);
        assert!(serde_json::from_str::<Epoch>(r#""not hex""#).is_err());
    }
}
