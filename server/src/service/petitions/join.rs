//! The petitioner's steps, by the secret of the emailed link: see the petition, confirm the email
//! address (with the code, under code verification), or decline. Wrong, used, declined and expired
//! links get the same answer; secrets that are not genuine count against the client address.

use chrono::{DateTime, Utc};
use serde_json::json;

use super::outcome::{self, Settled};
use super::{find_required, not_waiting, petition_of_secret, record, transition};
use crate::db::DbConn;
use crate::db::petitions::{self as rows, PetitionRow};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::model::petitions::{ConfirmJoin, JoinView, PetitionStatus};
use crate::service::enrollment_flows::{self as flows, Loaded};
use crate::service::notifications::mask;
use crate::service::public_limits::{self, Origin};
use crate::service::validate::Checks;
use crate::service::{Actor, Context, Deps, Effect, audit, with_outbox};

const LIMIT: &str = "join";
/// Wrong codes before a petition fails.
pub const MAX_FAILED_ATTEMPTS: i32 = 5;

fn rejected() -> AppError {
    AppError::Unprocessable {
        code: ErrorCode::InvalidJoinLink,
        message: "this link does not work: it is wrong, used, declined or expired; ask whoever sent it for a new one".into(),
    }
}

fn petitioner(row: &PetitionRow, origin: &Origin) -> Context {
    Context {
        actor: Actor::Petitioner {
            petition: row.id.clone(),
            email: mask(&row.email),
        },
        request_id: origin.request_id.clone(),
        operation_id: origin.operation_id,
    }
}

/// Who takes a confirmation step: the petitioner by the link, or an operator by the petition's id.
#[derive(Clone)]
pub enum Confirmer {
    /// The petitioner, from this client.
    Petitioner(Origin),
    /// An operator (administrator flows with code verification).
    Operator(Context),
}

impl Confirmer {
    fn context(&self, row: &PetitionRow) -> Context {
        match self {
            Self::Petitioner(origin) => petitioner(row, origin),
            Self::Operator(ctx) => ctx.clone(),
        }
    }
}

/// The petition while its link works; refused as the confirmer should hear it otherwise.
fn waiting(
    conn: &mut DbConn,
    id: &str,
    now: DateTime<Utc>,
    by: &Confirmer,
) -> AppResult<PetitionRow> {
    let public = matches!(by, Confirmer::Petitioner(_));
    let row = match rows::find(conn, id)? {
        Some(row) => row,
        None if public => return Err(rejected()),
        None => return find_required(conn, id),
    };
    let lapsed = row.expires_at <= now.naive_utc();
    match (
        row.status == PetitionStatus::PendingConfirmation && !lapsed,
        public,
    ) {
        (true, _) => Ok(row),
        (false, true) => Err(rejected()),
        (false, false) if lapsed => Err(AppError::Conflict {
            code: ErrorCode::PetitionDecided,
            message: "the petition's link expired before the address was confirmed".into(),
        }),
        (false, false) => Err(not_waiting(row.status)),
    }
}

/// What the page shows.
pub fn view_of(flow: &Loaded, row: &PetitionRow, message: impl Into<String>) -> JoinView {
    let pending = row.status == PetitionStatus::PendingConfirmation;
    JoinView {
        flow: flow.row.name.clone(),
        description: flow.row.description.clone(),
        status: row.status,
        email: mask(&row.email),
        needs_code: pending && row.code_hash.is_some() && row.email_confirmed_at.is_none(),
        needs_names: pending && (row.given_name.is_none() || row.family_name.is_none()),
        expires_at: row.expires_at.and_utc(),
        message: message.into(),
    }
}

/// The petition a genuine secret names; one that is not genuine is counted and rejected.
async fn genuine(
    deps: &Deps,
    origin: &Origin,
    now: DateTime<Utc>,
    secret: &str,
) -> AppResult<String> {
    match petition_of_secret(&deps.key, secret.trim()) {
        Some(id) => Ok(id),
        None => {
            let detail = json!({"reason": "invalid join link"});
            public_limits::count_bogus(deps, LIMIT, origin, now, detail).await?;
            Err(rejected())
        }
    }
}

/// Counts and audits a genuine secret whose petition does not take this step (any more).
async fn counted<T>(
    deps: &Deps,
    origin: &Origin,
    now: DateTime<Utc>,
    result: AppResult<T>,
) -> AppResult<T> {
    if let Err(AppError::Unprocessable {
        code: ErrorCode::InvalidJoinLink,
        ..
    }) = &result
    {
        let detail = json!({"reason": "join link used, declined or expired"});
        public_limits::record_failure(deps, LIMIT, origin, now, detail).await?;
    }
    result
}

/// What the page shows for a link; the first look is recorded in the history.
pub async fn view(deps: &Deps, origin: Origin, secret: String) -> AppResult<JoinView> {
    let now = deps.clock.now();
    let id = genuine(deps, &origin, now, &secret).await?;
    let by = Confirmer::Petitioner(origin.clone());
    let result = with_outbox(deps, Effect::Commit, move |tx| {
        let row = waiting(tx, &id, now, &by)?;
        let flow = flows::load(tx, &row.flow_id)?;
        if !rows::history(tx, &row.id)?
            .iter()
            .any(|h| h.event == "invite_viewed")
        {
            let ctx = by.context(&row);
            record(tx, &ctx, now, &row.id, "invite_viewed", None)?;
            let detail = json!({"viewed": true});
            super::audited(tx, &ctx, now, &row.id, detail)?;
        }
        Ok(view_of(&flow, &row, next_step(&row)))
    })
    .await;
    counted(deps, &origin, now, result).await
}

fn next_step(row: &PetitionRow) -> &'static str {
    match (
        row.code_hash.is_some() && row.email_confirmed_at.is_none(),
        row.given_name.is_none() || row.family_name.is_none(),
    ) {
        (true, _) => "Enter the code from the email to confirm your address.",
        (false, true) => "Give your names and confirm your address.",
        (false, false) => "Confirm your address to go on.",
    }
}

/// Declines an invitation (or a pending self-signup) for good.
pub async fn decline(deps: &Deps, origin: Origin, secret: String) -> AppResult<JoinView> {
    let now = deps.clock.now();
    let id = genuine(deps, &origin, now, &secret).await?;
    let by = Confirmer::Petitioner(origin.clone());
    let result = with_outbox(deps, Effect::Commit, move |tx| {
        let mut row = waiting(tx, &id, now, &by)?;
        let ctx = by.context(&row);
        transition(tx, &mut row, PetitionStatus::Declined, now)?;
        record(tx, &ctx, now, &row.id, "declined", None)?;
        super::audited(tx, &ctx, now, &row.id, json!({"status": "declined"}))?;
        let flow = flows::load(tx, &row.flow_id)?;
        Ok(view_of(
            &flow,
            &row,
            "You declined; nothing more will happen with this petition.",
        ))
    })
    .await;
    counted(deps, &origin, now, result).await
}

/// Confirms the address by the link (and code), then matches the flow's sources and moves the
/// petition on.
pub async fn confirm(deps: &Deps, origin: Origin, input: ConfirmJoin) -> AppResult<JoinView> {
    let now = deps.clock.now();
    let id = genuine(deps, &origin, now, &input.secret).await?;
    let by = Confirmer::Petitioner(origin.clone());
    let confirmed = confirm_email(deps, &by, id, input).await;
    let row = counted(deps, &origin, now, confirmed).await?;
    let Settled { row, flow, note } = outcome::settle(deps, &by.context(&row), row).await?;
    Ok(view_of(&flow, &row, note))
}

/// The checked names a confirmation fills in where the petition has none.
fn fill_names(row: &mut PetitionRow, input: &ConfirmJoin) -> AppResult<()> {
    let mut checks = Checks::default();
    if row.given_name.is_none() {
        row.given_name = checks.optional_text("given_name", input.given_name.as_deref(), 100);
        if row.given_name.is_none() {
            checks.fail("given_name", "is required: the petition has none yet");
        }
    }
    if row.family_name.is_none() {
        row.family_name = checks.optional_text("family_name", input.family_name.as_deref(), 100);
        if row.family_name.is_none() {
            checks.fail("family_name", "is required: the petition has none yet");
        }
    }
    checks.finish()
}

/// Checks the code and marks the address confirmed; the petition, still pending confirmation. The
/// attempt is counted in its own transaction before the comparison (so parallel guesses cannot pass
/// the cap), the names are checked before an attempt is spent, and only one confirmation takes
/// effect.
pub async fn confirm_email(
    deps: &Deps,
    by: &Confirmer,
    id: String,
    input: ConfirmJoin,
) -> AppResult<PetitionRow> {
    let now = deps.clock.now();
    let row = take_attempt(deps, by, id, &input, now).await?;
    if row.email_confirmed_at.is_some() {
        return Ok(row);
    }
    if let Some(hash) = &row.code_hash {
        let code = input.code.as_deref().map(str::trim).unwrap_or_default();
        if !deps.key.verify(&row.id, code, hash) {
            return Err(wrong_code(deps, by, row, now).await?);
        }
    }
    let by = by.clone();
    with_outbox(deps, Effect::Commit, move |tx| {
        let mut row = waiting(tx, &row.id, now, &by)?;
        if row.email_confirmed_at.is_some() {
            return Ok(row);
        }
        let ctx = by.context(&row);
        fill_names(&mut row, &input)?;
        row.email_confirmed_at = Some(now.naive_utc());
        row.updated_at = now.naive_utc();
        if rows::confirm(tx, &row)? != 1 {
            return super::find_required(tx, &row.id);
        }
        record(tx, &ctx, now, &row.id, "email_confirmed", None)?;
        let detail = json!({"email_confirmed": true});
        super::audited(tx, &ctx, now, &row.id, detail)?;
        Ok(row)
    })
    .await
}

/// The petition while it waits for confirmation, with one attempt at its code counted (when it
/// has one and the address is not confirmed yet); refused when no attempt is left or the names it
/// still needs are missing.
async fn take_attempt(
    deps: &Deps,
    by: &Confirmer,
    id: String,
    input: &ConfirmJoin,
    now: DateTime<Utc>,
) -> AppResult<PetitionRow> {
    let (by, input) = (by.clone(), input.clone());
    with_outbox(deps, Effect::Commit, move |tx| {
        let row = waiting(tx, &id, now, &by)?;
        if row.email_confirmed_at.is_some() {
            return Ok(row);
        }
        fill_names(&mut row.clone(), &input)?;
        if row.code_hash.is_none() {
            return Ok(row);
        }
        let code = input.code.as_deref().map(str::trim).unwrap_or_default();
        if code.len() != 6 || !code.chars().all(|c| c.is_ascii_digit()) {
            return Err(AppError::invalid(
                "code",
                "must be the 6-digit code from the email",
            ));
        }
        if rows::count_attempt(tx, &id, MAX_FAILED_ATTEMPTS)? == 0 {
            return Err(match by {
                Confirmer::Petitioner(_) => rejected(),
                Confirmer::Operator(_) => not_waiting(row.status),
            });
        }
        super::find_required(tx, &id)
    })
    .await
}

/// Audits a wrong code; the last attempt fails the petition. The refusal to answer with.
async fn wrong_code(
    deps: &Deps,
    by: &Confirmer,
    row: PetitionRow,
    now: DateTime<Utc>,
) -> AppResult<AppError> {
    let by = by.clone();
    with_outbox(deps, Effect::Commit, move |tx| {
        let ctx = by.context(&row);
        let attempts = row.failed_attempts;
        let detail = json!({"reason": "wrong code", "attempts": attempts});
        audit::record(
            tx,
            &ctx,
            now,
            audit::failure("petition", &row.id, Some(detail)),
        )?;
        if attempts < MAX_FAILED_ATTEMPTS {
            let left = MAX_FAILED_ATTEMPTS - attempts;
            return Ok(AppError::Unprocessable {
                code: ErrorCode::InvalidCode,
                message: format!("the code is wrong; {left} attempt(s) left"),
            });
        }
        let mut row = row;
        transition(tx, &mut row, PetitionStatus::Failed, now)?;
        record(
            tx,
            &ctx,
            now,
            &row.id,
            "failed",
            Some(json!({"reason": "too many wrong codes"})),
        )?;
        Ok(AppError::Unprocessable {
            code: ErrorCode::InvalidCode,
            message: "the code is wrong, and that was the last attempt: the petition has failed"
                .into(),
        })
    })
    .await
}
