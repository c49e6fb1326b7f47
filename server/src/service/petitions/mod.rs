//! Petitions: one person's run through an enrollment flow. Reads, history and the secret here;
//! starting in `start`, the petitioner's steps in `join`, source matching in `matching` (pure) and
//! `outcome` (applied), decisions in `decide`, the end in `finalize`, users' linked identities in
//! `identities`, and the expiry of lapsed links in `sweep`.

mod decide;
mod finalize;
mod identities;
mod join;
mod matching;
mod outcome;
mod start;
pub mod sweep;

pub use decide::{approve, confirm_for, deny};
pub use identities::{identities_of_user, refresh};
pub use join::{confirm, decline, view};
pub use start::{start_for, start_self_signup};

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::page;
use super::{Context, Deps};
use crate::crypto::ServerKey;
use crate::db::org_identities::{self as identity_rows, IdentityRow};
use crate::db::petitions::{self as rows, HistoryRow, PetitionRow};
use crate::db::{DbConn, enrollment_flows as flow_rows};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::model::petitions::{
    ListPetitionsQuery, OrgIdentity, Petition, PetitionActor, PetitionEvent, PetitionPage,
    PetitionStatus,
};

const SECRET_CONTEXT: &str = "petition";

/// The secret of a petition's link (see [`ServerKey::link_secret`]).
pub fn secret_for(key: &ServerKey, id: &str) -> String {
    key.link_secret(SECRET_CONTEXT, id)
}

/// The petition a secret names, if the secret is genuine.
pub fn petition_of_secret(key: &ServerKey, secret: &str) -> Option<String> {
    key.id_of_link_secret(SECRET_CONTEXT, secret)
}

/// The link a petitioner opens; the secret is in the fragment, so it never reaches a server log.
pub fn join_link(public_url: &str, secret: &str) -> String {
    format!("{public_url}/join#{secret}")
}

/// The petitioner's name as given ("there" when none, for greetings).
pub fn person_name(row: &PetitionRow) -> String {
    let name = [row.given_name.as_deref(), row.family_name.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    if name.is_empty() {
        "there".into()
    } else {
        name
    }
}

/// Queues a message of `event` (a personal-email template) to the petitioner, in the change's
/// transaction; the notification's id.
pub fn email_petitioner(
    tx: &mut DbConn,
    key: &ServerKey,
    now: DateTime<Utc>,
    row: &PetitionRow,
    event: &str,
    values: BTreeMap<&'static str, String>,
    not_after: Option<DateTime<Utc>>,
) -> AppResult<String> {
    let spec = super::notification_templates::spec("personal-email", "email", event)?;
    let outgoing = super::notifications::Outgoing {
        user_id: row.user_id.as_deref(),
        recipient: &row.email,
        spec,
        values,
        not_after,
        inline_images: Vec::new(),
    };
    Ok(super::notifications::queue(tx, key, now, outgoing)?.id)
}

/// The petition with this id, or `NotFound`.
pub fn find_required(conn: &mut DbConn, id: &str) -> AppResult<PetitionRow> {
    rows::find(conn, id)?.ok_or_else(|| AppError::NotFound {
        kind: "petition",
        id: id.to_owned(),
    })
}

/// A history row for `event` by whoever `ctx` names.
pub fn history_row(
    ctx: &Context,
    now: DateTime<Utc>,
    petition_id: &str,
    event: &str,
    detail: Option<Value>,
) -> HistoryRow {
    HistoryRow {
        id: uuid::Uuid::now_v7().to_string(),
        petition_id: petition_id.to_owned(),
        event: event.to_owned(),
        actor_type: ctx.actor.kind().to_owned(),
        actor_id: ctx.actor.audit_id().map(str::to_owned),
        actor_name: ctx.actor.name().map(str::to_owned),
        detail: detail.map(|d| d.to_string()),
        at: now.naive_utc(),
    }
}

/// Appends one event to a petition's history.
pub fn record(
    tx: &mut DbConn,
    ctx: &Context,
    now: DateTime<Utc>,
    petition_id: &str,
    event: &str,
    detail: Option<Value>,
) -> AppResult<()> {
    rows::add_history(tx, &[history_row(ctx, now, petition_id, event, detail)])?;
    Ok(())
}

/// The audit row of a change to a petition, in the change's transaction.
pub fn audited(
    tx: &mut DbConn,
    ctx: &Context,
    now: DateTime<Utc>,
    petition_id: &str,
    detail: Value,
) -> AppResult<()> {
    super::audit::record(
        tx,
        ctx,
        now,
        super::audit::success("petition", petition_id, Some(detail)),
    )
}

/// Moves a petition from its current state to `to` along the transition table, guarded so that a
/// petition that moved meanwhile is refused (409 `petition_decided`).
pub fn transition(
    tx: &mut DbConn,
    row: &mut PetitionRow,
    to: PetitionStatus,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let from = row.status;
    if !from.can_go(to) {
        return Err(not_waiting(from));
    }
    row.status = to;
    row.updated_at = now.naive_utc();
    if rows::update_from(tx, from, row)? != 1 {
        return Err(not_waiting(from));
    }
    Ok(())
}

/// 409: the petition is not where this step needs it.
pub fn not_waiting(status: PetitionStatus) -> AppError {
    AppError::Conflict {
        code: ErrorCode::PetitionDecided,
        message: format!("the petition is {status}, so this step no longer applies"),
    }
}

/// An identity row as the API shows it.
pub fn identity_model(row: IdentityRow, source: String) -> OrgIdentity {
    OrgIdentity {
        emails: serde_json::from_str(&row.emails).unwrap_or_default(),
        attributes: serde_json::from_str::<BTreeMap<String, Vec<String>>>(&row.attributes)
            .unwrap_or_default(),
        id: row.id,
        source_id: row.source_id,
        source,
        source_key: row.source_key,
        given_name: row.given_name,
        family_name: row.family_name,
        enrollee: row.enrollee,
        user_id: row.user_id,
        fetched_at: row.fetched_at.and_utc(),
    }
}

fn event_model(row: HistoryRow) -> PetitionEvent {
    PetitionEvent {
        event: row.event,
        actor: PetitionActor {
            kind: row.actor_type,
            id: row.actor_id,
            name: row.actor_name,
        },
        detail: row.detail.and_then(|d| serde_json::from_str(&d).ok()),
        at: row.at.and_utc(),
    }
}

fn to_model(row: PetitionRow, flow: String) -> Petition {
    Petition {
        id: row.id,
        flow_id: row.flow_id,
        flow,
        status: row.status,
        email: row.email,
        given_name: row.given_name,
        family_name: row.family_name,
        email_confirmed_at: row.email_confirmed_at.map(|t| t.and_utc()),
        expires_at: row.expires_at.and_utc(),
        user_id: row.user_id,
        decided_by: row.decided_by,
        decided_at: row.decided_at.map(|t| t.and_utc()),
        decision_comment: row.decision_comment,
        created_by: row.created_by,
        created_at: row.created_at.and_utc(),
        updated_at: row.updated_at.and_utc(),
        identities: Vec::new(),
        history: Vec::new(),
    }
}

/// The whole petition: its flow's name, identities and history.
pub fn full(conn: &mut DbConn, row: PetitionRow) -> AppResult<Petition> {
    let flow = flow_rows::find(conn, &row.flow_id)?
        .map(|f| f.name)
        .unwrap_or_default();
    let identities = identity_rows::of_petition(conn, &row.id)?;
    let history = rows::history(conn, &row.id)?;
    let mut petition = to_model(row, flow);
    petition.identities = identities
        .into_iter()
        .map(|(row, source)| identity_model(row, source))
        .collect();
    petition.history = history.into_iter().map(event_model).collect();
    Ok(petition)
}

/// One petition with its history and identities.
pub async fn get(deps: &Deps, id: String) -> AppResult<Petition> {
    deps.db
        .read(move |conn| {
            let row = find_required(conn, &id)?;
            full(conn, row)
        })
        .await
}

/// A page of petitions, newest first.
pub async fn list(deps: &Deps, query: ListPetitionsQuery) -> AppResult<PetitionPage> {
    let limit = page::limit(query.limit)?;
    let before = query
        .cursor
        .as_deref()
        .map(|c| page::decode_cursor("petitions", c))
        .transpose()?;
    deps.db
        .read(move |conn| {
            let flow = match &query.flow {
                Some(name) => match flow_rows::find(conn, name)? {
                    Some(flow) => Some(flow),
                    // No such flow has no petitions.
                    None => {
                        return Ok(PetitionPage {
                            items: Vec::new(),
                            next_cursor: None,
                        });
                    }
                },
                None => None,
            };
            let flow_id = flow.as_ref().map(|f| f.id.as_str());
            let found = rows::list(conn, query.status, flow_id, before.as_deref(), limit + 1)?;
            let (found, next_cursor) = page::split(found, limit, "petitions", |r| r.id.clone());
            let mut names = BTreeMap::new();
            let mut items = Vec::with_capacity(found.len());
            for row in found {
                if !names.contains_key(&row.flow_id) {
                    let name = flow_rows::find(conn, &row.flow_id)?.map(|f| f.name);
                    names.insert(row.flow_id.clone(), name.unwrap_or_default());
                }
                let name = names[&row.flow_id].clone();
                items.push(to_model(row, name));
            }
            Ok(PetitionPage { items, next_cursor })
        })
        .await
}
