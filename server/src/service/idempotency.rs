//! `Idempotency-Key`: a retried create answers with the stored response instead of creating again;
//! the same key with a different body is refused with 422. The key is claimed inside the creating
//! transaction, so two concurrent requests with one key create one thing.

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use super::Context;
use crate::crypto::ServerKey;
use crate::db::idempotency::{self, IdempotencyRow};
use crate::db::{Db, DbConn};
use crate::error::{AppError, AppResult, ErrorCode};

/// A key claimed for one request.
#[derive(Debug, Clone)]
pub struct Claim {
    /// The client's key.
    pub key: String,
    /// The operator (keys are per operator).
    pub operator_id: String,
    /// The operationId (keys are per operation).
    pub operation: String,
    /// SHA-256 of the request.
    pub request_hash: String,
}

/// A stored answer to replay (the operation's success answer: only successes are stored).
#[derive(Debug, Clone)]
pub struct Replay {
    /// JSON body.
    pub body: String,
}

/// The table answers are sealed for.
const TABLE: &str = "idempotency_keys";

/// `response_status` of a claim whose request is still running; any other value means answered.
const RUNNING: i32 = 0;
/// `response_status` of an answered claim.
const ANSWERED: i32 = 1;

/// Builds a claim, checking the key's form.
pub fn claim(ctx: &Context, key: &str, request: &impl serde::Serialize) -> AppResult<Claim> {
    if key.is_empty() || key.len() > 255 || !key.chars().all(|c| c.is_ascii_graphic()) {
        return Err(AppError::invalid(
            "Idempotency-Key",
            "must be 1 to 255 visible ASCII characters",
        ));
    }
    let bytes = serde_json::to_vec(request).map_err(AppError::internal)?;
    let hash = Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok(Claim {
        key: key.to_owned(),
        operator_id: ctx.actor.id().to_owned(),
        operation: ctx.operation_id.to_owned(),
        request_hash: hash,
    })
}

fn replay_of(row: IdempotencyRow, key: &ServerKey, claim: &Claim) -> AppResult<Option<Replay>> {
    if row.request_hash != claim.request_hash {
        return Err(AppError::Unprocessable {
            code: ErrorCode::IdempotencyKeyReused,
            message: "this Idempotency-Key was used with a different request".into(),
        });
    }
    if row.response_status == RUNNING {
        return Err(AppError::Conflict {
            code: ErrorCode::IdempotencyInProgress,
            message: "a request with this Idempotency-Key is still running".into(),
        });
    }
    let body = match key.open(TABLE, &sealed_to(claim), &row.response_body) {
        Ok(json) => String::from_utf8(json).map_err(AppError::internal)?,
        // Answers stored before they were sealed are plain JSON.
        Err(_) if row.response_body.starts_with('{') => row.response_body,
        Err(error) => return Err(AppError::internal(error)),
    };
    Ok(Some(Replay { body }))
}

/// The stored answer for a claim, if the key was used before.
pub async fn stored(db: &Db, key: &ServerKey, claim: &Claim) -> AppResult<Option<Replay>> {
    let lookup = claim.clone();
    let row = db
        .read(move |conn| {
            idempotency::find(conn, &lookup.key, &lookup.operator_id, &lookup.operation)
                .map_err(AppError::from)
        })
        .await?;
    match row {
        Some(row) => replay_of(row, key, claim),
        None => Ok(None),
    }
}

/// Claims the key inside the caller's transaction; a concurrent claim of the same key fails here.
pub fn claim_in(conn: &mut DbConn, claim: &Claim, now: DateTime<Utc>) -> AppResult<()> {
    let row = IdempotencyRow {
        key: claim.key.clone(),
        operator_id: claim.operator_id.clone(),
        operation: claim.operation.clone(),
        request_hash: claim.request_hash.clone(),
        response_status: RUNNING,
        response_body: String::new(),
        created_at: now.naive_utc(),
    };
    idempotency::insert(conn, &row)
        .map(|_| ())
        .map_err(|error| match error {
            diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _,
            ) => AppError::Conflict {
                code: ErrorCode::IdempotencyInProgress,
                message: "a request with this Idempotency-Key is already running".into(),
            },
            other => other.into(),
        })
}

/// What a stored answer is sealed to: its key, operator and operation (so it opens only for them).
fn sealed_to(claim: &Claim) -> String {
    format!("{}\n{}\n{}", claim.operator_id, claim.operation, claim.key)
}

/// Stores the answer inside the caller's transaction, sealed: answers can hold what only the caller
/// may see (an enrollment link), so they are never kept in the clear.
pub fn store_in(
    conn: &mut DbConn,
    key: &ServerKey,
    claim: &Claim,
    body: &impl serde::Serialize,
) -> AppResult<()> {
    let json = serde_json::to_vec(body).map_err(AppError::internal)?;
    let text = key
        .seal(TABLE, &sealed_to(claim), &json)
        .map_err(AppError::internal)?;
    idempotency::complete(
        conn,
        &claim.key,
        &claim.operator_id,
        &claim.operation,
        ANSWERED,
        &text,
    )?;
    Ok(())
}

/// Lets go of a claim whose request failed, inside the caller's transaction.
pub fn release_in(conn: &mut DbConn, claim: &Claim) -> AppResult<()> {
    idempotency::release(
        conn,
        &claim.key,
        &claim.operator_id,
        &claim.operation,
        RUNNING,
    )?;
    Ok(())
}
