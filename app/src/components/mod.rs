//! Pieces the pages share.

pub mod bell;
mod header;
mod live_dot;
mod minute_chart;
mod qr;
mod steps;

pub use header::Header;
pub use live_dot::LiveDot;
pub use minute_chart::MinuteChart;
pub use qr::QrCode;
pub use steps::StepIndicator;
