use actix_web::{HttpResponse, get, web};

use crate::api::answer::tagged;
use crate::api::problem::ApiResult;
use crate::api::state::AppState;
use crate::model::registration_sessions::RegistrationSession;
use crate::service::{Context, registration_sessions};

/// Get a registration session
///
/// One session and its state (`pending`, `consumed`, `expired`, `removed`); expiry shows at once.
#[utoipa::path(
    tag = "registration-sessions",
    params(("id" = String, Path, description = "The session id")),
    responses((status = 200, description = "The session", body = RegistrationSession,
            headers(("ETag" = String, description = "Version tag for `If-Match`")))),
    security(("bearer" = ["registration-sessions:read"])),
)]
#[get("/registration-sessions/{id}")]
pub async fn get_registration_session(
    state: web::Data<AppState>,
    _ctx: Context,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let session = registration_sessions::get(&state, id.into_inner()).await?;
    Ok(tagged(HttpResponse::Ok(), &session))
}
