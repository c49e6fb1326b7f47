use actix_web::{get, web};

use crate::api::extract::ApiQuery;
use crate::api::problem::ApiResult;
use crate::api::state::AppState;
use crate::model::registration_sessions::{ListRegistrationSessionsQuery, RegistrationSessionPage};
use crate::service::{Context, registration_sessions};

/// List registration sessions
///
/// Pages through registration sessions, newest first, filtered by `status`, `user` or `created_by`.
#[utoipa::path(
    tag = "registration-sessions",
    params(ListRegistrationSessionsQuery),
    responses((status = 200, description = "A page of sessions", body = RegistrationSessionPage)),
    security(("bearer" = ["registration-sessions:read"])),
)]
#[get("/registration-sessions")]
pub async fn list_registration_sessions(
    state: web::Data<AppState>,
    _ctx: Context,
    query: ApiQuery<ListRegistrationSessionsQuery>,
) -> ApiResult<web::Json<RegistrationSessionPage>> {
    Ok(web::Json(
        registration_sessions::list(&state, query.0).await?,
    ))
}
