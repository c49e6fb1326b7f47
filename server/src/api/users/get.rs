use actix_web::{HttpResponse, get, web};

use crate::api::problem::ApiResult;
use crate::api::state::AppState;
use crate::model::users::User;
use crate::service::{Context, users};

/// Get a user
///
/// Returns one user by id or username, with an `ETag` to send back in `If-Match` when changing it.
#[utoipa::path(
    tag = "users",
    params(("user" = String, Path, description = "The user's id or username", example = "bob")),
    responses(
        (status = 200, description = "The user", body = User,
            headers(("ETag" = String, description = "Version tag for `If-Match`"))),
    ),
    security(("bearer" = ["users:read"])),
)]
#[get("/users/{user}")]
pub async fn get_user(
    state: web::Data<AppState>,
    _ctx: Context,
    user: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let found = users::get(&state.db, user.into_inner()).await?;
    Ok(super::with_etag(HttpResponse::Ok(), found))
}
