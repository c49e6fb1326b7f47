use actix_web::{post, web};

use crate::api::extract::ApiQuery;
use crate::api::problem::ApiResult;
use crate::api::state::AppState;
use crate::model::petitions::IdentityRefreshReport;
use crate::model::users::DryRunQuery;
use crate::service::{Context, petitions};

/// Refresh a user's organizational identities
///
/// Reads each linked record again from its source by its key and stores the names, emails and
/// attributes the source now has (the identities change; the directory user stays as it is).
/// Reports per identity: `updated` (with the fields), `unchanged`, `gone` (the source no longer
/// has it) or `failed` (with the source's error; the others still refresh).
#[utoipa::path(
    tag = "users",
    params(("user" = String, Path, description = "The user's id or username", example = "alice"), DryRunQuery),
    responses((status = 200, description = "What changed (or would, in a dry run)", body = IdentityRefreshReport)),
    security(("bearer" = ["users:write"])),
)]
#[post("/users/{user}/identities/refresh")]
pub async fn refresh_user_identities(
    state: web::Data<AppState>,
    ctx: Context,
    user: web::Path<String>,
    query: ApiQuery<DryRunQuery>,
) -> ApiResult<web::Json<IdentityRefreshReport>> {
    let mode = crate::api::extract::dry_run_of(query);
    Ok(web::Json(
        petitions::refresh(&state, &ctx, user.into_inner(), mode).await?,
    ))
}
