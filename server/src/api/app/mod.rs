//! The user's side: public endpoints with no operator token.

pub mod complete_self_enrollment;
pub mod enroll_page;
pub mod join_page;
pub mod register;
pub mod self_enroll_page;
pub mod self_signup_page;
pub mod start_self_enrollment;
