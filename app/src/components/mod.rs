//! Pieces the pages share.

pub mod bell;
mod header;
mod live_dot;
mod qr;
mod steps;

pub use header::Header;
pub use live_dot::LiveDot;
pub use qr::QrCode;
pub use steps::StepIndicator;
