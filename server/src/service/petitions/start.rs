//! Starting petitions: an operator's invitation or a petition for the person (administrator flows),
//! and a self-signup at the public page. Each sends the link or code to the address in the same
//! transaction that stores the petition.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use serde_json::json;

use super::{find_required, full, history_row, join_link, secret_for, transition};
use crate::crypto::six_digit_code;
use crate::db::DbConn;
use crate::db::org_identities::{self as identity_rows, IdentityRow};
use crate::db::petitions::{self as rows, PetitionRow};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::model::enrollment_flows::{EmailVerification, FlowAuthorization, SourceMode};
use crate::model::identity_sources::SourceRecord;
use crate::model::petitions::{
    CreatePetition, JoinStarted, Petition, PetitionStatus, SelectRecord, StartJoin,
};
use crate::service::enrollment_flows::{self as flows, Loaded};
use crate::service::mutation::{self, Answered, Mode};
use crate::service::notifications;
use crate::service::public_limits::Origin;
use crate::service::validate::Checks;
use crate::service::{Actor, Context, Deps, identity_services, identity_sources, with_outbox};
use crate::sources::Lookup;

/// Self-signups one client address may start per hour.
const STARTS_PER_ADDRESS: i32 = 20;
/// Self-signups for one email address per hour (so nobody can flood a mailbox).
const STARTS_PER_EMAIL: i32 = 3;

/// Who is filling in the petition, and what they gave.
struct Opening<'a> {
    id: String,
    email: String,
    given_name: Option<String>,
    family_name: Option<String>,
    flow: &'a Loaded,
}

/// Refuses unless the flow is on and is started this way.
fn require_startable(flow: &Loaded, how: FlowAuthorization) -> AppResult<()> {
    if !flow.row.enabled {
        return Err(AppError::Conflict {
            code: ErrorCode::FlowDisabled,
            message: format!("the enrollment flow {:?} is switched off", flow.row.name),
        });
    }
    if flow.row.authorization_kind != how {
        return Err(AppError::Conflict {
            code: ErrorCode::FlowDisabled,
            message: format!(
                "the enrollment flow {:?} is started by {}, not by {how}",
                flow.row.name, flow.row.authorization_kind
            ),
        });
    }
    Ok(())
}

fn require_email_service(deps: &Deps) -> AppResult<()> {
    match identity_services::not_configured_reason(&deps.config, "personal-email") {
        Some(reason) => Err(AppError::Unprocessable {
            code: ErrorCode::ServiceNotConfigured,
            message: format!(
                "petitions confirm an email address, and email cannot be sent: {reason}"
            ),
        }),
        None => Ok(()),
    }
}

/// Stores a new petition, moves it to `pending_confirmation` and queues its message; the row and
/// the code (code verification).
fn open(
    tx: &mut DbConn,
    deps: &Deps,
    ctx: &Context,
    now: DateTime<Utc>,
    opening: Opening<'_>,
) -> AppResult<(PetitionRow, Option<String>)> {
    let id = opening.id;
    let flow = opening.flow;
    let code = match flow.stored.email_verification {
        EmailVerification::Code => Some(six_digit_code()?),
        EmailVerification::Link => None,
    };
    let hours = i64::from(flow.stored.invitation_validity_hours);
    let mut row = PetitionRow {
        code_hash: code.as_ref().map(|c| deps.key.hash(&id, c)),
        id,
        flow_id: flow.row.id.clone(),
        status: PetitionStatus::Created,
        email: opening.email,
        given_name: opening.given_name,
        family_name: opening.family_name,
        email_confirmed_at: None,
        failed_attempts: 0,
        expires_at: (now + Duration::hours(hours)).naive_utc(),
        user_id: None,
        link_user_id: None,
        created_by: match &ctx.actor {
            Actor::Operator(_) => ctx.actor.id().to_owned(),
            _ => "self-signup".to_owned(),
        },
        created_at: now.naive_utc(),
        updated_at: now.naive_utc(),
        decided_by: None,
        decided_at: None,
        decision_comment: None,
    };
    rows::insert(tx, &row)?;
    let event = queue_message(tx, deps, ctx, now, flow, &row, code.as_deref())?;
    transition(tx, &mut row, PetitionStatus::PendingConfirmation, now)?;
    rows::add_history(tx, &[event])?;
    Ok((row, code))
}

/// Queues the invitation or confirmation message; its history row.
fn queue_message(
    tx: &mut DbConn,
    deps: &Deps,
    ctx: &Context,
    now: DateTime<Utc>,
    flow: &Loaded,
    row: &PetitionRow,
    code: Option<&str>,
) -> AppResult<crate::db::petitions::HistoryRow> {
    let invitation = flow.row.authorization_kind == FlowAuthorization::Invitation;
    let event = match (invitation, code) {
        (true, _) => "petition-invitation",
        (false, None) => "petition-confirm-link",
        (false, Some(_)) => "petition-confirm-code",
    };
    let code_text = match (invitation, code) {
        (true, Some(code)) => format!("When the page asks for it, enter the code {code}."),
        (_, code) => code.unwrap_or_default().to_owned(),
    };
    let values = BTreeMap::from([
        ("PetitionerName", super::person_name(row)),
        ("FlowName", flow.row.name.clone()),
        (
            "FlowDescription",
            flow.row.description.clone().unwrap_or_default(),
        ),
        (
            "JoinUrl",
            join_link(&deps.public_url, &secret_for(&deps.key, &row.id)),
        ),
        ("Code", code_text),
        (
            "ExpiresAt",
            notifications::display_time(row.expires_at.and_utc()),
        ),
        (
            "OperatorName",
            ctx.actor.name().unwrap_or("The service desk").to_owned(),
        ),
    ]);
    let expires = Some(row.expires_at.and_utc());
    let queued = super::email_petitioner(tx, &deps.key, now, row, event, values, expires)?;
    let history = if invitation {
        "invite_sent"
    } else {
        "notification_sent"
    };
    let detail = json!({"template": event, "notification": queued});
    Ok(history_row(ctx, now, &row.id, history, Some(detail)))
}

/// The checked email and names of a new petition.
fn checked_person(
    email: &str,
    given_name: Option<&str>,
    family_name: Option<&str>,
) -> AppResult<(String, Option<String>, Option<String>)> {
    let mut checks = Checks::default();
    let email = checks.email("email", Some(email));
    let given = checks.optional_text("given_name", given_name, 100);
    let family = checks.optional_text("family_name", family_name, 100);
    checks.finish()?;
    let email = email.ok_or_else(|| AppError::invalid("email", "is required"))?;
    Ok((email, given, family))
}

/// Starts a petition as an operator: an invitation (invitation flows) or a petition for the person
/// (administrator flows, with the records an administrator selected).
pub async fn start_for(
    deps: &Deps,
    ctx: &Context,
    flow: String,
    how: FlowAuthorization,
    input: CreatePetition,
    mode: Mode,
) -> AppResult<Answered<Petition>> {
    require_email_service(deps)?;
    let loaded = deps.db.read(move |conn| flows::load(conn, &flow)).await?;
    require_startable(&loaded, how)?;
    let (email, given, family) = checked_person(
        &input.email,
        input.given_name.as_deref(),
        input.family_name.as_deref(),
    )?;
    if !input.select.is_empty() {
        // Selecting reads records out of a source: the reader must be allowed to read sources.
        ctx.actor.require(crate::auth::scopes::Scope::SourcesRead)?;
    }
    let effect = crate::service::Effect::of(mode.dry_run);
    let selected = fetch_selected(deps, ctx, &loaded, &input.select, effect).await?;
    let now = deps.clock.now();
    let (owned, ctx_owned) = (deps.clone(), ctx.clone());
    mutation::create_once(deps, ctx, &mode, input, move |tx, _| {
        let first = selected.first().map(|(_, r)| r);
        let opening = Opening {
            id: uuid::Uuid::now_v7().to_string(),
            email,
            given_name: given.or_else(|| first.and_then(|r| r.given_name.clone())),
            family_name: family.or_else(|| first.and_then(|r| r.family_name.clone())),
            flow: &loaded,
        };
        let (row, _) = open(tx, &owned, &ctx_owned, now, opening)?;
        link_selected(tx, &ctx_owned, now, &row.id, &selected)?;
        let detail = json!({"flow": loaded.row.name, "authorization": how});
        super::audited(tx, &ctx_owned, now, &row.id, detail)?;
        let row = find_required(tx, &row.id)?;
        full(tx, row)
    })
    .await
}

/// Fetches the records an administrator selected, each from a source attached in `select` mode.
async fn fetch_selected(
    deps: &Deps,
    ctx: &Context,
    flow: &Loaded,
    select: &[SelectRecord],
    effect: crate::service::Effect,
) -> AppResult<Vec<(String, SourceRecord)>> {
    let mut found = Vec::with_capacity(select.len());
    for (i, picked) in select.iter().enumerate() {
        let attached = flow.sources.iter().find(|(a, name)| {
            a.mode == SourceMode::Select && (a.source_id == picked.source || *name == picked.source)
        });
        let Some((attached, _)) = attached else {
            let field = format!("select[{i}].source");
            return Err(AppError::invalid(
                field,
                "is not attached to this flow in select mode",
            ));
        };
        let lookup = Lookup::Key(picked.key.trim().to_owned());
        let records =
            identity_sources::lookup(deps, ctx, &attached.source_id, &lookup, effect).await?;
        let Some(record) = records.into_iter().next() else {
            let field = format!("select[{i}].key");
            return Err(AppError::invalid(
                field,
                "the source has no record with this key",
            ));
        };
        found.push((attached.source_id.clone(), record));
    }
    Ok(found)
}

/// Links the selected records to the petition as its enrollee identities; a record already linked
/// to a user or to another open petition is refused (409).
fn link_selected(
    tx: &mut DbConn,
    ctx: &Context,
    now: DateTime<Utc>,
    petition_id: &str,
    selected: &[(String, SourceRecord)],
) -> AppResult<()> {
    for (source_id, record) in selected {
        if let Some(existing) = identity_rows::find_record(tx, source_id, &record.source_key)?
            && held_elsewhere(tx, &existing, petition_id, now)?
        {
            return Err(AppError::Conflict {
                code: ErrorCode::RecordLinked,
                message: format!(
                    "the record {:?} is already linked to a user or another open petition",
                    record.source_key
                ),
            });
        }
        let row = identity_row(source_id, record, petition_id, true, now)?;
        identity_rows::upsert(tx, &row)?;
        let detail =
            json!({"source_id": source_id, "source_key": record.source_key, "selected": true});
        super::record(tx, ctx, now, petition_id, "identity_linked", Some(detail))?;
    }
    Ok(())
}

/// Whether an identity belongs to a user, or to another petition that is still open (a petition
/// whose link lapsed before the address was confirmed holds nothing).
pub fn held_elsewhere(
    tx: &mut DbConn,
    identity: &IdentityRow,
    petition_id: &str,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    if identity.user_id.is_some() {
        return Ok(true);
    }
    let Some(other) = identity
        .petition_id
        .as_deref()
        .filter(|p| *p != petition_id)
    else {
        return Ok(false);
    };
    Ok(rows::find(tx, other)?.is_some_and(|p| {
        let lapsed = p.status == PetitionStatus::PendingConfirmation
            && p.email_confirmed_at.is_none()
            && p.expires_at <= now.naive_utc();
        !p.status.is_final() && !lapsed
    }))
}

/// A new identity row for a source record.
pub fn identity_row(
    source_id: &str,
    record: &SourceRecord,
    petition_id: &str,
    enrollee: bool,
    now: DateTime<Utc>,
) -> AppResult<IdentityRow> {
    Ok(IdentityRow {
        id: uuid::Uuid::now_v7().to_string(),
        source_id: source_id.to_owned(),
        source_key: record.source_key.clone(),
        petition_id: Some(petition_id.to_owned()),
        user_id: None,
        enrollee,
        given_name: record.given_name.clone(),
        family_name: record.family_name.clone(),
        emails: json_text(&record.emails)?,
        attributes: json_text(&record.attributes)?,
        fetched_at: now.naive_utc(),
    })
}

/// A value as stored JSON text.
pub fn json_text(value: &impl serde::Serialize) -> AppResult<String> {
    serde_json::to_string(value).map_err(AppError::internal)
}

/// Takes one self-signup from the client address's and the email's hourly allowances, or 429.
fn take_start_allowance(
    tx: &mut DbConn,
    now: DateTime<Utc>,
    origin: &Origin,
    email: &str,
) -> AppResult<()> {
    crate::service::public_limits::take_hourly(
        tx,
        now,
        &[
            (
                format!("join-start:address:{}", origin.source),
                STARTS_PER_ADDRESS,
            ),
            (
                format!("join-start:email:{}", crate::text::fold(email)),
                STARTS_PER_EMAIL,
            ),
        ],
    )
}

/// Starts a self-signup at a flow's public page. The answer is the same whatever the address;
/// with code verification it carries the secret the page confirms with (the code goes by email).
pub async fn start_self_signup(
    deps: &Deps,
    origin: Origin,
    flow: String,
    input: StartJoin,
) -> AppResult<JoinStarted> {
    require_email_service(deps)?;
    let asked = flow.clone();
    let loaded = deps
        .db
        .read(move |conn| match flows::load(conn, &asked) {
            Err(AppError::NotFound { .. }) => Ok(None),
            loaded => loaded.map(Some),
        })
        .await?;
    // One answer for a name that is not a flow (or is an id), a flow of another kind, and a
    // switched-off one.
    let loaded = loaded
        .filter(|f| f.row.authorization_kind == FlowAuthorization::SelfSignup && f.row.enabled)
        .filter(|f| f.row.name == flow)
        .ok_or(AppError::NotFound {
            kind: "self-signup flow",
            id: flow,
        })?;
    let (email, given, family) = checked_person(
        &input.email,
        Some(&input.given_name),
        Some(&input.family_name),
    )?;
    let (given, family) = match (given, family) {
        (Some(given), Some(family)) => (given, family),
        (None, _) => return Err(AppError::invalid("given_name", "is required")),
        (_, None) => return Err(AppError::invalid("family_name", "is required")),
    };
    let now = deps.clock.now();
    let owned = deps.clone();
    let (row, code) = with_outbox(deps, crate::service::Effect::Commit, move |tx| {
        take_start_allowance(tx, now, &origin, &email)?;
        let id = uuid::Uuid::now_v7().to_string();
        let ctx = Context {
            actor: Actor::Petitioner {
                petition: id.clone(),
                email: notifications::mask(&email),
            },
            request_id: origin.request_id.clone(),
            operation_id: origin.operation_id,
        };
        let opening = Opening {
            id,
            email,
            given_name: Some(given),
            family_name: Some(family),
            flow: &loaded,
        };
        let (row, code) = open(tx, &owned, &ctx, now, opening)?;
        let detail = json!({"flow": loaded.row.name, "authorization": "self_signup"});
        super::audited(tx, &ctx, now, &row.id, detail)?;
        Ok((row, code))
    })
    .await?;
    Ok(JoinStarted {
        message: "If this address may join, a message is on its way to it: follow it to go on."
            .into(),
        secret: code.map(|_| secret_for(&deps.key, &row.id)),
    })
}
