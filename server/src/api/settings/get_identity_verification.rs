use actix_web::{HttpResponse, get, web};

use crate::api::answer::tagged;
use crate::api::problem::ApiResult;
use crate::api::state::AppState;
use crate::model::enrollments::IdentityVerificationSettings;
use crate::service::{Context, settings};

/// Get the identity verification policy
///
/// Whether agents must verify a user before changing the user's enrollments, and how long a
/// verification lasts.
#[utoipa::path(
    tag = "settings",
    responses((status = 200, description = "The policy", body = IdentityVerificationSettings,
            headers(("ETag" = String, description = "Version tag for `If-Match`")))),
    security(("bearer" = ["settings:read"])),
)]
#[get("/settings/identity-verification")]
pub async fn get_identity_verification_settings(
    state: web::Data<AppState>,
    _ctx: Context,
) -> ApiResult<HttpResponse> {
    let policy = settings::get_identity_verification(&state.db).await?;
    Ok(tagged(HttpResponse::Ok(), &policy))
}
