//! The rules: scope checks, validation, and one transaction per change (state + audit row).

pub mod audit;
pub mod challenges;
pub mod codes;
pub mod enrollments;
pub mod identity_services;
pub mod notification_templates;
pub mod notifications;
pub mod notify;
pub mod page;
pub mod settings;
pub mod templates;
pub mod users;
pub mod validate;
pub mod verification;

use diesel::Connection;

use crate::auth::Operator;
use crate::db::DbConn;
use crate::error::{AppError, AppResult};

/// Who is calling and which request this is.
#[derive(Debug, Clone)]
pub struct Context {
    /// The verified operator.
    pub operator: Operator,
    /// The request id (also `X-Request-Id` and the problem `instance`).
    pub request_id: String,
    /// The operation being carried out (its OpenAPI operationId), recorded as the audit action.
    pub operation_id: &'static str,
}

enum TxError {
    App(AppError),
    DryRun,
}

impl From<diesel::result::Error> for TxError {
    fn from(error: diesel::result::Error) -> Self {
        Self::App(error.into())
    }
}

impl From<AppError> for TxError {
    fn from(error: AppError) -> Self {
        Self::App(error)
    }
}

/// Runs `work` in one transaction; with `dry_run` the transaction is rolled back after `work` has
/// computed its answer, so a dry run sees exactly the checks a real run would make.
pub fn transaction<T>(
    conn: &mut DbConn,
    dry_run: bool,
    work: impl FnOnce(&mut DbConn) -> AppResult<T>,
) -> AppResult<T> {
    let mut answer = None;
    let outcome = conn.transaction::<(), TxError, _>(|tx| {
        answer = Some(work(tx)?);
        if dry_run { Err(TxError::DryRun) } else { Ok(()) }
    });
    match outcome {
        Ok(()) | Err(TxError::DryRun) => answer.ok_or_else(|| AppError::internal("transaction produced no answer")),
        Err(TxError::App(error)) => Err(error),
    }
}
