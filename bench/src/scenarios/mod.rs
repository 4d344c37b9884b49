//! One module per scenario.

pub mod connect_flow;
pub mod drain;
pub mod fanout;
pub mod floor;
pub mod idle;
pub mod ingest;
pub mod mixed;
pub mod refusals;
pub mod resume;
pub mod sustained;
