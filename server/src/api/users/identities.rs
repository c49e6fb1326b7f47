use actix_web::{get, web};

use crate::api::problem::ApiResult;
use crate::api::state::AppState;
use crate::model::petitions::OrgIdentityList;
use crate::service::{Context, petitions};

/// List a user's organizational identities
///
/// The records from identity sources linked to the user by finalized petitions, as last read
/// (`fetched_at`); refresh them with `POST /v1/users/{user}/identities/refresh`.
#[utoipa::path(
    tag = "users",
    params(("user" = String, Path, description = "The user's id or username", example = "alice")),
    responses((status = 200, description = "The identities", body = OrgIdentityList)),
    security(("bearer" = ["users:read"])),
)]
#[get("/users/{user}/identities")]
pub async fn list_user_identities(
    state: web::Data<AppState>,
    _ctx: Context,
    user: web::Path<String>,
) -> ApiResult<web::Json<OrgIdentityList>> {
    Ok(web::Json(
        petitions::identities_of_user(&state, user.into_inner()).await?,
    ))
}
