use actix_web::{get, web};

use crate::api::extract::ApiQuery;
use crate::api::problem::ApiResult;
use crate::api::state::AppState;
use crate::model::enrollments::{EnrollmentList, ListEnrollmentsQuery};
use crate::service::{Context, enrollments};

/// List a user's enrollments
///
/// Shows which identity services the user is enrolled with: the service, the masked address or device,
/// when and by whom, and how. With `include_removed=true` removed enrollments are listed too (history).
#[utoipa::path(
    tag = "enrollments",
    params(("user" = String, Path, description = "The user's id or username", example = "bob"), ListEnrollmentsQuery),
    responses((status = 200, description = "The user's enrollments", body = EnrollmentList)),
    security(("bearer" = ["enrollments:read"])),
)]
#[get("/users/{user}/enrollments")]
pub async fn list_enrollments(
    state: web::Data<AppState>,
    _ctx: Context,
    user: web::Path<String>,
    query: ApiQuery<ListEnrollmentsQuery>,
) -> ApiResult<web::Json<EnrollmentList>> {
    let include_removed = query.0.include_removed.unwrap_or(false);
    Ok(web::Json(
        enrollments::list(&state, user.into_inner(), include_removed).await?,
    ))
}
