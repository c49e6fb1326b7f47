use actix_web::{HttpResponse, delete, web};

use crate::api::extract::ApiQuery;
use crate::api::problem::ApiResult;
use crate::api::state::AppState;
use crate::model::users::DryRunQuery;
use crate::service::{Context, enrollments};

/// Remove an enrollment
///
/// Removes the user's enrollment in a service (where the service allows removal), so the user can
/// enroll again; the history is kept and the user is told at the directory email. While identity
/// verification is enforced, the operator must have verified the user first (`identity_not_verified`).
#[utoipa::path(
    tag = "enrollments",
    params(
        ("user" = String, Path, description = "The user's id or username", example = "bob"),
        ("service" = String, Path, description = "The identity service id", example = "personal-email"),
        DryRunQuery,
    ),
    responses(
        (status = 204, description = "The enrollment was removed (or would be, in a dry run)"),
        (status = 409, description = "The service does not allow removal, or the user is not verified"),
    ),
    security(("bearer" = ["enrollments:write"])),
)]
#[delete("/users/{user}/enrollments/{service}")]
pub async fn delete_enrollment(
    state: web::Data<AppState>,
    ctx: Context,
    path: web::Path<(String, String)>,
    query: ApiQuery<DryRunQuery>,
) -> ApiResult<HttpResponse> {
    let (user, service) = path.into_inner();
    enrollments::delete(
        &state,
        &ctx,
        user,
        service,
        query.0.dry_run.unwrap_or(false),
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
