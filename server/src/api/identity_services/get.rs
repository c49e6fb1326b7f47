use actix_web::{HttpResponse, get, web};

use crate::api::answer::tagged;
use crate::api::problem::ApiResult;
use crate::api::state::AppState;
use crate::model::identity_services::IdentityService;
use crate::service::{Context, identity_services};

/// Get an identity service
///
/// One identity service, with an `ETag` to send back in `If-Match` when changing it.
#[utoipa::path(
    tag = "identity-services",
    params(("service" = String, Path, description = "The service id", example = "personal-email")),
    responses((status = 200, description = "The service", body = IdentityService,
        headers(("ETag" = String, description = "Version tag for `If-Match`")))),
    security(("bearer" = ["enrollments:read"])),
)]
#[get("/identity-services/{service}")]
pub async fn get_identity_service(
    state: web::Data<AppState>,
    _ctx: Context,
    service: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let found = identity_services::get(&state.db, &state.config, service.into_inner()).await?;
    Ok(tagged(HttpResponse::Ok(), &found))
}
