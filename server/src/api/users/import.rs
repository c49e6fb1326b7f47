use actix_web::{post, web};

use crate::api::extract::{ApiJson, ApiQuery};
use crate::api::problem::ApiResult;
use crate::model::users::{DryRunQuery, ImportUsers, ImportUsersResult};
use crate::service::{Context, users};
use crate::state::AppState;

/// Body size factor for imports: 32 times `max_body_bytes` (32 MiB by default, room for 100,000 rows).
const IMPORT_BODY_FACTOR: usize = 32;

/// Import users
///
/// Creates or updates many users in one transaction (tens of thousands per request), matched by
/// username, and answers per row: `created`, `updated`, `unchanged`, or `error` with the reasons.
/// A failed row does not stop the others. With `dry_run=true` nothing is stored.
#[utoipa::path(
    tag = "users",
    params(DryRunQuery),
    request_body = ImportUsers,
    responses((status = 200, description = "What happened to each row", body = ImportUsersResult)),
    security(("bearer" = ["users:write"])),
)]
#[post("/users/import")]
pub async fn import_users(
    state: web::Data<AppState>,
    ctx: Context,
    query: ApiQuery<DryRunQuery>,
    body: ApiJson<ImportUsers, IMPORT_BODY_FACTOR>,
) -> ApiResult<web::Json<ImportUsersResult>> {
    let dry_run = query.0.dry_run.unwrap_or(false);
    Ok(web::Json(
        users::import(&state.db, &ctx, state.clock.now(), body.0, dry_run).await?,
    ))
}
