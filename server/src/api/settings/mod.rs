//! `/v1/settings`: policies.

pub mod get_identity_verification;
pub mod update_identity_verification;
