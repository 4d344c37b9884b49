//! The JSON API on the seeds' contract.

pub mod sessions;
pub mod stats;
