use actix_web::{get, web};

use crate::api::extract::ApiQuery;
use crate::api::problem::ApiResult;
use crate::api::state::AppState;
use crate::model::users::{ListUsersQuery, UserPage};
use crate::service::{Context, users};

/// List users
///
/// Pages through the directory in username order. Filter by `state`, or search with `q` (matched,
/// case-insensitively, anywhere in the username, display name or email). Pass `next_cursor` back as
/// `cursor` for the next page.
#[utoipa::path(
    tag = "users",
    params(ListUsersQuery),
    responses((status = 200, description = "A page of users", body = UserPage)),
    security(("bearer" = ["users:read"])),
)]
#[get("/users")]
pub async fn list_users(
    state: web::Data<AppState>,
    _ctx: Context,
    query: ApiQuery<ListUsersQuery>,
) -> ApiResult<web::Json<UserPage>> {
    Ok(web::Json(users::list(&state.db, query.0).await?))
}
