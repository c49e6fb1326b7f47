//! The user's side: public endpoints with no operator token.

pub mod enroll_page;
pub mod register;
