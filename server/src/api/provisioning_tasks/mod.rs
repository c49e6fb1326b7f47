//! `/v1/provisioning-tasks`: provisioning tokens to many users at once.

pub mod create;
pub mod delete;
pub mod get;
pub mod list;
pub mod list_for_user;
pub mod remove_users;
pub mod resend;
pub mod update;

use crate::error::AppError;

/// A task number from the path (a problem, not a 404 from routing, when it is not a number).
fn parse_number(text: &str) -> Result<i64, AppError> {
    text.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| AppError::NotFound {
            kind: "provisioning task",
            id: text.to_owned(),
        })
}
