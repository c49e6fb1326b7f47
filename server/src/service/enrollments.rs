//! Enrollments: listing, adding (after a code, or in batches by an administrator), removing, and the
//! notices that tell the user at the directory email.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde_json::json;

use super::Deps;
use super::notifications::{self, Outgoing};
use super::validate::{is_e164, is_email};
use super::{
    Context, audit, identity_services, identity_verifications, notification_templates, users,
    with_outbox,
};
use crate::config::Config;
use crate::db::enrollments::{self as rows, EnrollmentRow};
use crate::db::identity_services as service_rows;
use crate::db::{DbConn, users as user_rows};
use crate::error::{AppError, AppResult, ErrorCode, FieldError};
use crate::model::enrollments::{
    Actor, BatchEnroll, BatchEnrollResponse, BatchEnrollResult, BatchItemStatus, Enrollment,
    EnrollmentList,
};
use crate::service::mutation::{self, Answered, Effect, Mode};
use crate::states::UserState;

/// The API shape of a row (address masked).
pub fn to_model(row: EnrollmentRow) -> Enrollment {
    Enrollment {
        id: row.id,
        user_id: row.user_id,
        service: row.service_id,
        address: notifications::mask(&row.address),
        method: row.method,
        enrolled_at: row.enrolled_at.and_utc(),
        enrolled_by: Actor {
            id: row.enrolled_by,
            name: row.enrolled_by_name,
        },
        removed_at: row.removed_at.map(|t| t.and_utc()),
        removed_by: row.removed_by,
    }
}

/// A service by id, or `NotFound`.
pub fn find_service(
    conn: &mut DbConn,
    service_id: &str,
) -> AppResult<service_rows::IdentityServiceRow> {
    service_rows::find(conn, service_id)?.ok_or_else(|| AppError::NotFound {
        kind: "identity service",
        id: service_id.to_owned(),
    })
}

/// Checks that an address fits the service, returning it trimmed.
pub fn check_address(service_id: &str, address: &str) -> Result<String, String> {
    let address = address.trim();
    let ok = match service_id {
        "personal-email" => is_email(address),
        "mobile-code" => is_e164(address),
        _ => {
            !address.is_empty()
                && address.chars().count() <= 200
                && !address.chars().any(char::is_control)
        }
    };
    if ok {
        Ok(address.to_owned())
    } else {
        Err(match service_id {
            "personal-email" => "is not an email address".into(),
            "mobile-code" => "must be a mobile number in E.164 form, e.g. +15551234567".into(),
            _ => "must be 1 to 200 characters".into(),
        })
    }
}

/// Refuses to bind an authenticator for a user who is not active, or to a service that is switched
/// off. Every path that binds one (a code, a registration session, a self-enrollment link) comes
/// through here when it is used, not only when it was made.
pub fn require_may_enroll(
    conn: &mut DbConn,
    user: &user_rows::UserRow,
    service_id: &str,
) -> AppResult<()> {
    users::require_active(user)?;
    require_enabled(&find_service(conn, service_id)?)
}

/// Refuses a service that is switched off.
fn require_enabled(service: &service_rows::IdentityServiceRow) -> AppResult<()> {
    if service.enabled {
        return Ok(());
    }
    Err(AppError::Unprocessable {
        code: ErrorCode::ServiceDisabled,
        message: format!("{} is switched off", service.display_name),
    })
}

/// Refuses a service that is switched off or not configured.
pub fn require_usable(
    config: &Config,
    service: &service_rows::IdentityServiceRow,
) -> AppResult<()> {
    require_enabled(service)?;
    if let Some(reason) = identity_services::not_configured_reason(config, &service.id) {
        return Err(AppError::Unprocessable {
            code: ErrorCode::ServiceNotConfigured,
            message: format!("{} is not configured: {reason}", service.display_name),
        });
    }
    Ok(())
}

/// What a new enrollment records besides its user and service.
pub struct Enrolling<'a> {
    /// The address, number, device name or serial enrolled.
    pub address: &'a str,
    /// How it was enrolled (`code`, `app`, `batch`, `self-enrollment`).
    pub method: &'a str,
    /// What else is known (the app's key, the provisioning task).
    pub detail: Option<serde_json::Value>,
}

/// Adds an enrollment row with its audit row, and queues the "enrollment added" notice to the user;
/// `Conflict` when the user is already enrolled.
pub fn add(
    conn: &mut DbConn,
    deps: &Deps,
    ctx: &Context,
    now: DateTime<Utc>,
    user: &user_rows::UserRow,
    service_id: &str,
    enrolling: Enrolling<'_>,
) -> AppResult<EnrollmentRow> {
    let service = find_service(conn, service_id)?;
    add_to(conn, deps, ctx, now, user, &service, enrolling)
}

/// As [`add`], with the service already looked up.
pub fn add_to(
    conn: &mut DbConn,
    deps: &Deps,
    ctx: &Context,
    now: DateTime<Utc>,
    user: &user_rows::UserRow,
    service: &service_rows::IdentityServiceRow,
    enrolling: Enrolling<'_>,
) -> AppResult<EnrollmentRow> {
    let Enrolling {
        address,
        method,
        detail,
    } = enrolling;
    users::require_active(user)?;
    require_enabled(service)?;
    let service_id = service.id.as_str();
    if rows::active(conn, &user.id, service_id)?.is_some() {
        return Err(already_enrolled(service_id));
    }
    let row = EnrollmentRow {
        id: uuid::Uuid::now_v7().to_string(),
        user_id: user.id.clone(),
        service_id: service_id.to_owned(),
        address: address.to_owned(),
        method: method.to_owned(),
        detail: detail.map(|detail| detail.to_string()),
        enrolled_at: now.naive_utc(),
        enrolled_by: ctx.actor.id().to_owned(),
        enrolled_by_name: ctx.actor.name().map(str::to_owned),
        removed_at: None,
        removed_by: None,
    };
    rows::insert(conn, std::slice::from_ref(&row)).map_err(|e| match e {
        diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        ) => already_enrolled(service_id),
        other => other.into(),
    })?;
    let detail = json!({"enrollment": row.id, "service": service_id, "method": method});
    audit::record(
        conn,
        ctx,
        now,
        audit::Entry {
            target_type: "user",
            target_id: &user.id,
            outcome: audit::Outcome::Success,
            detail: Some(detail),
        },
    )?;
    queue_notice(conn, deps, ctx, now, user, &row, "enrollment-added")?;
    Ok(row)
}

fn already_enrolled(service_id: &str) -> AppError {
    AppError::Conflict {
        code: ErrorCode::AlreadyEnrolled,
        message: format!("the user is already enrolled in {service_id}"),
    }
}

/// Queues the notice of an added or removed enrollment to the user's directory email, when there is
/// one and email is configured.
pub fn queue_notice(
    conn: &mut DbConn,
    deps: &Deps,
    ctx: &Context,
    now: DateTime<Utc>,
    user: &user_rows::UserRow,
    enrollment: &EnrollmentRow,
    event: &str,
) -> AppResult<()> {
    let (key, config) = (&*deps.key, &*deps.config);
    let Some(email) = &user.email else {
        return Ok(());
    };
    if identity_services::not_configured_reason(config, "personal-email").is_some() {
        return Ok(());
    }
    let service = find_service(conn, &enrollment.service_id)?;
    let spec = notification_templates::spec(&enrollment.service_id, "email", event)?;
    let values = BTreeMap::from([
        ("UserDisplayName", user.display_name.clone()),
        ("Username", user.username.clone()),
        ("ServiceName", service.display_name),
        ("OperatorName", ctx.actor.display_name().to_owned()),
        ("Address", notifications::mask(&enrollment.address)),
        ("EventTime", notifications::display_time(now)),
    ]);
    notifications::queue(
        conn,
        key,
        now,
        Outgoing {
            user_id: Some(&user.id),
            recipient: email,
            spec,
            values,
            not_after: None,
            inline_images: Vec::new(),
        },
    )?;
    Ok(())
}

/// The user's enrollments.
pub async fn list(deps: &Deps, user: String, include_removed: bool) -> AppResult<EnrollmentList> {
    deps.db
        .read(move |conn| {
            let user = users::find_required(conn, &user)?;
            let items = rows::for_user(conn, &user.id, include_removed)?
                .into_iter()
                .map(to_model)
                .collect();
            Ok(EnrollmentList { items })
        })
        .await
}

/// Removes the user's enrollment in a service, so the user can enroll again; the user is told.
pub async fn delete(
    deps: &Deps,
    ctx: &Context,
    user: String,
    service_id: String,
    dry_run: bool,
) -> AppResult<()> {
    let now = deps.clock.now();
    let owned = deps.clone();
    let ctx = ctx.clone();
    with_outbox(deps, Effect::of(dry_run), move |tx| {
        let user = users::find_required(tx, &user)?;
        let service = find_service(tx, &service_id)?;
        if !service.removable {
            return Err(AppError::Conflict {
                code: ErrorCode::NotRemovable,
                message: format!(
                    "enrollments in {} cannot be removed (see update_identity_service)",
                    service.display_name
                ),
            });
        }
        let enrollment =
            rows::active(tx, &user.id, &service_id)?.ok_or_else(|| AppError::NotFound {
                kind: "enrollment",
                id: format!("{}/{service_id}", user.username),
            })?;
        identity_verifications::require_verified(tx, &ctx, &user.id, now)?;
        if rows::remove(tx, &enrollment.id, now.naive_utc(), ctx.actor.id())? == 0 {
            return Err(AppError::NotFound {
                kind: "enrollment",
                id: enrollment.id,
            });
        }
        let detail = json!({"enrollment": enrollment.id, "service": service_id});
        audit::record_user(tx, &ctx, now, &user.id, detail)?;
        queue_notice(
            tx,
            &owned,
            &ctx,
            now,
            &user,
            &enrollment,
            "enrollment-removed",
        )
    })
    .await
}

/// Enrolls many users directly, recorded as enrolled by the operator (no code); answers per item.
pub async fn batch(
    deps: &Deps,
    ctx: &Context,
    input: BatchEnroll,
    mode: Mode,
) -> AppResult<Answered<BatchEnrollResponse>> {
    let dry_run = mode.dry_run;
    mutation::create_across(deps, ctx, &mode, input, async |input| {
        batch_groups(deps, ctx, input, dry_run).await
    })
    .await
}

/// Enrolls the items in groups, each group one transaction (see [`batch`]).
async fn batch_groups(
    deps: &Deps,
    ctx: &Context,
    input: BatchEnroll,
    dry_run: bool,
) -> AppResult<BatchEnrollResponse> {
    super::validate::item_count(
        "items",
        input.items.len(),
        1,
        super::validate::MAX_BATCH_ITEMS,
    )?;
    let now = deps.clock.now();
    // Items are stored in groups, each its own transaction, so other writes get in between them; a
    // failure part-way leaves the groups before it stored (see the operation's description).
    let (owned, ctx) = (deps.clone(), ctx.clone());
    let (results, failed) = super::in_groups(
        deps,
        Effect::of(dry_run),
        &input.items,
        move |tx, first, group| batch_group(tx, &owned, &ctx, now, first, &group, dry_run),
    )
    .await;
    if let Some((_, error)) = failed {
        return Err(error);
    }
    let enrolled = u32::try_from(
        results
            .iter()
            .filter(|r| r.status == BatchItemStatus::Enrolled)
            .count(),
    )
    .unwrap_or(u32::MAX);
    let failed = u32::try_from(results.len()).unwrap_or(u32::MAX) - enrolled;
    Ok(BatchEnrollResponse {
        dry_run,
        enrolled,
        failed,
        results,
    })
}

/// Enrolls one group of a batch (items numbered from `first`), each item in a savepoint: a failed
/// one leaves no trace and does not sink the rest.
fn batch_group(
    tx: &mut DbConn,
    deps: &Deps,
    ctx: &Context,
    now: DateTime<Utc>,
    first: usize,
    group: &[crate::model::enrollments::BatchEnrollItem],
    dry_run: bool,
) -> AppResult<Vec<BatchEnrollResult>> {
    let mut results = Vec::with_capacity(group.len());
    for (offset, item) in group.iter().enumerate() {
        let index = u32::try_from(first + offset).unwrap_or(u32::MAX);
        let outcome = diesel::Connection::transaction(tx, |item_tx| {
            batch_item(item_tx, deps, ctx, now, index, item)
        });
        results.push(match outcome {
            Ok(row) => BatchEnrollResult {
                index,
                status: BatchItemStatus::Enrolled,
                enrollment_id: (!dry_run).then_some(row.id),
                errors: Vec::new(),
            },
            Err(error) => BatchEnrollResult {
                index,
                status: BatchItemStatus::Error,
                enrollment_id: None,
                errors: item_errors(index, error)?,
            },
        });
    }
    Ok(results)
}

fn batch_item(
    conn: &mut DbConn,
    deps: &Deps,
    ctx: &Context,
    now: DateTime<Utc>,
    index: u32,
    item: &crate::model::enrollments::BatchEnrollItem,
) -> AppResult<EnrollmentRow> {
    let field = |name: &str| format!("items[{index}].{name}");
    let user = user_rows::find(conn, &item.user)?
        .ok_or_else(|| AppError::invalid(field("user"), "no such user"))?;
    if user.state != UserState::Active {
        return Err(AppError::invalid(field("user"), "the user is disabled"));
    }
    let service = service_rows::find(conn, &item.service)?
        .ok_or_else(|| AppError::invalid(field("service"), "no such identity service"))?;
    if !service.enabled {
        return Err(AppError::invalid(
            field("service"),
            "the service is switched off",
        ));
    }
    let address = check_address(&service.id, &item.address)
        .map_err(|m| AppError::invalid(field("address"), m))?;
    let enrolling = Enrolling {
        address: &address,
        method: "batch",
        detail: None,
    };
    add_to(conn, deps, ctx, now, &user, &service, enrolling).map_err(|e| match e {
        AppError::Conflict { message, .. } => AppError::invalid(field("service"), message),
        other => other,
    })
}

fn item_errors(index: u32, error: AppError) -> AppResult<Vec<FieldError>> {
    match error {
        AppError::Invalid(errors) => Ok(errors),
        AppError::Internal(message) => Err(AppError::Internal(message)),
        other => Ok(vec![FieldError::new(
            format!("items[{index}]"),
            other.to_string(),
        )]),
    }
}
