use actix_web::{get, web};

use crate::api::problem::ApiResult;
use crate::api::state::AppState;
use crate::model::registration_sessions::RegistrationSession;
use crate::service::{Context, registration_sessions};

/// Get a user's registration session
///
/// The user's pending registration session, or 404 when there is none.
#[utoipa::path(
    tag = "registration-sessions",
    params(("user" = String, Path, description = "The user's id or username", example = "carol")),
    responses((status = 200, description = "The pending session", body = RegistrationSession)),
    security(("bearer" = ["registration-sessions:read"])),
)]
#[get("/users/{user}/registration-session")]
pub async fn get_current_registration_session(
    state: web::Data<AppState>,
    _ctx: Context,
    user: web::Path<String>,
) -> ApiResult<web::Json<RegistrationSession>> {
    Ok(web::Json(
        registration_sessions::current(&state, user.into_inner()).await?,
    ))
}
