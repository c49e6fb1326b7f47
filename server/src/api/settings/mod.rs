//! `/v1/settings`: policies.

pub mod get_identity_verification;
pub mod get_self_enrollment_policy;
pub mod update_identity_verification;
pub mod update_self_enrollment_policy;
