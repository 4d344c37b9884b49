//! Resume by offset, the same on every socket: each frame the server sends
//! for a channel carries an increasing `offset`; the answer to a
//! subscription carries the `epoch` and `offset` it starts from. A page
//! that reconnects sends them back (`resume`) and gets exactly the frames
//! it missed, in order, when the server still has them all (`resumed`);
//! otherwise it reloads what it shows, as on a first visit.

use serde::{Deserialize, Serialize};

/// Where a page left off.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resume {
    /// The server run the offset belongs to.
    pub epoch: String,
    pub offset: u64,
}

/// Where a subscription starts: in every subscription's answer.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamStart {
    #[serde(default)]
    pub epoch: String,
    /// The offset the page's snapshot is as of.
    #[serde(default)]
    pub offset: u64,
    /// The frames missed since `resume` follow; `false`: reload.
    #[serde(default)]
    pub resumed: bool,
}

/// The part of any server frame that says where it stands.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Position {
    pub epoch: Option<String>,
    pub offset: Option<u64>,
}

impl Position {
    /// The position of a frame's text (empty for one that carries none).
    pub fn of(text: &str) -> Self {
        serde_json::from_str(text).unwrap_or_default()
    }
}
