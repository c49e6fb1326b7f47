//! `/v1/notification-templates`.

pub mod get;
pub mod list;
pub mod preview;
pub mod update;
