use actix_web::{HttpResponse, get, web};

use crate::api::answer::tagged;
use crate::api::problem::ApiResult;
use crate::api::state::AppState;
use crate::model::provisioning::SelfEnrollmentPolicy;
use crate::service::{Context, settings};

/// Get the self-enrollment policy
///
/// How many days users have to self-enroll a provisioned token, and how many failed attempts lock an
/// entry.
#[utoipa::path(
    tag = "settings",
    responses((status = 200, description = "The policy", body = SelfEnrollmentPolicy,
            headers(("ETag" = String, description = "Version tag for `If-Match`")))),
    security(("bearer" = ["provisioning:read"])),
)]
#[get("/settings/self-enrollment-policy")]
pub async fn get_self_enrollment_policy(
    state: web::Data<AppState>,
    _ctx: Context,
) -> ApiResult<HttpResponse> {
    let policy = settings::get_self_enrollment_policy(&state.db).await?;
    Ok(tagged(HttpResponse::Ok(), &policy))
}
