//! Finalizing an approved petition, inside the transaction that approves it: the directory user is
//! created (or the duplicate linked), the petition's identities handed to that user, the flow's
//! follow-up started, and the petitioner told.

use chrono::{DateTime, Utc};
use serde_json::json;

use super::decide::tell_decision;
use super::{record, transition};
use crate::db::org_identities as identity_rows;
use crate::db::petitions::PetitionRow;
use crate::db::{DbConn, users as user_rows};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::model::enrollment_flows::{FollowUp, OnDuplicate};
use crate::model::petitions::PetitionStatus;
use crate::model::registration_sessions::NotifyChannel;
use crate::model::users::CreateUser;
use crate::service::enrollment_flows::Loaded;
use crate::service::{Context, Deps, registration_sessions, users};

/// Finalizes an approved petition (see the module documentation).
pub fn finalize(
    tx: &mut DbConn,
    deps: &Deps,
    ctx: &Context,
    now: DateTime<Utc>,
    flow: &Loaded,
    row: &mut PetitionRow,
) -> AppResult<()> {
    let user = match row.link_user_id.as_deref() {
        Some(id) => users::find_required(tx, id)?,
        None => match user_rows::find_by_email(tx, &row.email)? {
            // A user with the address appeared since the petition was confirmed.
            Some(user) if flow.stored.on_duplicate == OnDuplicate::Link => user,
            Some(user) => {
                return Err(AppError::Conflict {
                    code: ErrorCode::UsernameTaken,
                    message: format!(
                        "the user {} has this email address now; deny the petition as a duplicate, or let the flow link duplicates",
                        user.username
                    ),
                });
            }
            None => create_user(tx, ctx, now, row)?,
        },
    };
    row.user_id = Some(user.id.clone());
    transition(tx, row, PetitionStatus::Finalized, now)?;
    identity_rows::link_to_user(tx, &row.id, &user.id)?;
    let follow_up = match flow.stored.follow_up {
        FollowUp::None => None,
        FollowUp::RegistrationSession => {
            let opening = registration_sessions::Opening {
                minutes: registration_sessions::DEFAULT_TTL_MINUTES,
                force: false,
                channels: &[NotifyChannel::Email],
            };
            let session = registration_sessions::open_session(tx, deps, ctx, now, &user, opening)?;
            Some(json!({"registration_session": session.id}))
        }
        FollowUp::ProvisioningTask => {
            let number =
                crate::service::provisioning_tasks::provision_one(tx, deps, ctx, now, &user)?;
            Some(json!({"provisioning_task": number}))
        }
    };
    let detail = json!({"user_id": user.id, "username": user.username, "follow_up": follow_up,
        "linked_existing_user": row.link_user_id.is_some()});
    record(tx, ctx, now, &row.id, "finalized", Some(detail.clone()))?;
    super::audited(tx, ctx, now, &row.id, detail)?;
    tell_decision(tx, deps, ctx, now, flow, row, "approved")
}

/// The new directory user for a petition: the email as username, the names as given.
fn create_user(
    tx: &mut DbConn,
    ctx: &Context,
    now: DateTime<Utc>,
    row: &PetitionRow,
) -> AppResult<user_rows::UserRow> {
    let display_name: String = super::person_name(row).chars().take(200).collect();
    let input = CreateUser {
        username: username_for(row),
        display_name: (row.given_name.is_some() || row.family_name.is_some())
            .then_some(display_name),
        given_name: row.given_name.clone(),
        family_name: row.family_name.clone(),
        email: Some(row.email.clone()),
        phone: None,
        state: None,
    };
    let user = users::new_row(&input, now)?;
    users::insert_checked(tx, ctx, now, &user)?;
    Ok(user)
}

/// The username of a petition's new user: the email address when it fits the 64 characters a
/// username may have, else its local part shortened and the petition's id to keep it unique.
fn username_for(row: &PetitionRow) -> String {
    let email = row.email.to_lowercase();
    if email.chars().count() <= 64 {
        return email;
    }
    let local: String = email
        .split('@')
        .next()
        .unwrap_or_default()
        .chars()
        .take(40)
        .collect();
    let tail: String = row.id.replace('-', "").chars().rev().take(12).collect();
    format!("{local}-{tail}")
}
