//! Identity verification by a code the user reads back.

pub mod confirm;
pub mod create;
pub mod status;
