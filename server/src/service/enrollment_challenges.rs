//! Enrollment by a code read back: a code goes to the new address, the user reads it back, and the
//! address is enrolled.

use chrono::{DateTime, Utc};
use serde_json::json;

use super::Deps;
use super::code_challenges::{self, ChallengeTarget, Issued};
use super::notifications::{self, Outgoing};
use super::{
    Context, audit, enrollments, identity_verifications, notification_templates, users, with_outbox,
};
use crate::db::code_challenges::CodeChallengeRow;
use crate::db::{DbConn, users as user_rows};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::model::enrollments::{
    CodeService, Enrollment, EnrollmentChallenge, StartEnrollmentChallenge,
};
use crate::service::mutation::{self, Answered, Effect, Mode};

const PURPOSE: &str = "enrollment";
const KIND: &str = "enrollment challenge";
const CHALLENGE: code_challenges::ChallengeKind = code_challenges::ChallengeKind {
    purpose: PURPOSE,
    name: KIND,
};

fn to_model(row: &CodeChallengeRow, now: DateTime<Utc>) -> EnrollmentChallenge {
    EnrollmentChallenge {
        id: row.id.clone(),
        user_id: row.user_id.clone(),
        service: if row.service_id.as_deref() == Some("mobile-code") {
            CodeService::MobileCode
        } else {
            CodeService::PersonalEmail
        },
        destination: notifications::mask(&row.address),
        status: code_challenges::status(row, now),
        expires_at: row.expires_at.and_utc(),
        attempts_left: code_challenges::attempts_left(row),
        sends: u32::try_from(row.send_count).unwrap_or(0),
    }
}

/// Queues the message carrying a challenge's code.
fn send_code(
    conn: &mut DbConn,
    state_key: &crate::crypto::ServerKey,
    ctx: &Context,
    now: DateTime<Utc>,
    user: &user_rows::UserRow,
    issued: &Issued,
) -> AppResult<()> {
    let service_id = issued.row.service_id.clone().unwrap_or_default();
    let service = enrollments::find_service(conn, &service_id)?;
    let spec = notification_templates::spec(&service_id, &issued.row.channel, "enrollment-code")?;
    let expires_at = issued.row.expires_at.and_utc();
    let mut values = identity_verifications::code_values(
        user,
        ctx,
        &issued.code,
        expires_at,
        &service.display_name,
    );
    values.insert("Address", notifications::mask(&issued.row.address));
    notifications::queue(
        conn,
        state_key,
        now,
        Outgoing {
            user_id: Some(&user.id),
            recipient: &issued.row.address,
            spec,
            values,
            not_after: Some(expires_at),
            inline_images: Vec::new(),
        },
    )?;
    Ok(())
}

/// Sends a code to the address to enroll. A dry run makes every check (including the hourly send
/// allowances, without spending them) and sends nothing.
pub async fn create(
    deps: &Deps,
    ctx: &Context,
    user: String,
    input: StartEnrollmentChallenge,
    mode: Mode,
) -> AppResult<Answered<EnrollmentChallenge>> {
    let service_id = input.service.as_str();
    let address = enrollments::check_address(service_id, &input.address)
        .map_err(|m| AppError::invalid("address", m))?;
    let now = deps.clock.now();
    let key = deps.key.clone();
    let config = deps.config.clone();
    let ctx_owned = ctx.clone();
    mutation::create_once(deps, ctx, &mode, (user, input), move |tx, (user, input)| {
        let ctx = &ctx_owned;
        let user = users::find_required(tx, &user)?;
        users::require_active(&user)?;
        let service = enrollments::find_service(tx, service_id)?;
        enrollments::require_usable(&config, &service)?;
        if !service.agent_can_enroll {
            return Err(AppError::Unprocessable {
                code: ErrorCode::AgentEnrollmentNotAllowed,
                message: format!(
                    "agents may not enroll users in {} (see update_identity_service)",
                    service.display_name
                ),
            });
        }
        identity_verifications::require_verified(tx, ctx, &user.id, now)?;
        if crate::db::enrollments::active(tx, &user.id, service_id)?.is_some() {
            return Err(AppError::Conflict {
                code: ErrorCode::AlreadyEnrolled,
                message: format!(
                    "the user is already enrolled in {service_id}; remove that enrollment first"
                ),
            });
        }
        let issued = code_challenges::issue(
            tx,
            &key,
            ctx,
            now,
            ChallengeTarget {
                purpose: PURPOSE,
                user_id: &user.id,
                service_id: Some(service_id),
                channel: input.service.channel().as_str(),
                address: &address,
            },
        )?;
        send_code(tx, &key, ctx, now, &user, &issued)?;
        let detail = json!({"challenge": issued.row.id, "service": service_id});
        audit::record_user(tx, ctx, now, &user.id, detail)?;
        Ok(to_model(&issued.row, now))
    })
    .await
}

/// Sends the challenge again with a new code (the failure count is kept). A dry run makes every
/// check and sends nothing; the challenge keeps its code.
pub async fn resend(
    deps: &Deps,
    ctx: &Context,
    id: String,
    mode: Mode,
) -> AppResult<Answered<EnrollmentChallenge>> {
    let now = deps.clock.now();
    let key = deps.key.clone();
    let ctx_owned = ctx.clone();
    mutation::create_once(deps, ctx, &mode, id, move |tx, id| {
        let ctx = &ctx_owned;
        let row = code_challenges::find_own(tx, ctx, &id, PURPOSE, KIND)?;
        let user = users::find_required(tx, &row.user_id)?;
        let service_id = row.service_id.clone().unwrap_or_default();
        enrollments::require_may_enroll(tx, &user, &service_id)?;
        let issued = code_challenges::reissue(tx, &key, ctx, now, &row)?;
        send_code(tx, &key, ctx, now, &user, &issued)?;
        let detail = json!({"challenge": issued.row.id, "sends": issued.row.send_count});
        audit::record_user(tx, ctx, now, &user.id, detail)?;
        Ok(to_model(&issued.row, now))
    })
    .await
}

/// Checks the code read back and enrolls the address. A dry run checks all but the code (see
/// `code_challenges::check`) and answers with the enrollment that would be made.
pub async fn verify(
    deps: &Deps,
    ctx: &Context,
    id: String,
    code: String,
    effect: Effect,
) -> AppResult<Enrollment> {
    let now = deps.clock.now();
    let row = code_challenges::check(deps, ctx, now, id, code, CHALLENGE, effect).await?;
    let owned = deps.clone();
    let ctx = ctx.clone();
    with_outbox(deps, effect, move |tx| {
        code_challenges::consume(tx, &row, now, None)?;
        let user = users::find_required(tx, &row.user_id)?;
        identity_verifications::require_verified(tx, &ctx, &user.id, now)?;
        let service_id = row.service_id.clone().unwrap_or_default();
        let enrolling = enrollments::Enrolling {
            address: &row.address,
            method: "code",
            detail: None,
        };
        let enrollment = enrollments::add(tx, &owned, &ctx, now, &user, &service_id, enrolling)?;
        Ok(enrollments::to_model(enrollment))
    })
    .await
}

/// One challenge (for status polling).
pub async fn get(deps: &Deps, ctx: &Context, id: String) -> AppResult<EnrollmentChallenge> {
    let now = deps.clock.now();
    let ctx = ctx.clone();
    deps.db
        .read(move |conn| {
            code_challenges::find_own(conn, &ctx, &id, PURPOSE, KIND).map(|row| to_model(&row, now))
        })
        .await
}
