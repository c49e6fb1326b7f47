//! Enrollment by a code read back.

pub mod create;
pub mod get;
pub mod resend;
pub mod verify;
