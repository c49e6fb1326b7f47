//! `/v1/notifications`: delivery status.

pub mod list;
