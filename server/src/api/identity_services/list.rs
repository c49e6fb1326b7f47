use actix_web::{get, web};

use crate::api::problem::ApiResult;
use crate::api::state::AppState;
use crate::model::identity_services::IdentityServiceList;
use crate::service::{Context, identity_services};

/// List identity services
///
/// Shows every identity service (`personal-email`, `mobile-code`, `mobile-app`, `software-token`), whether
/// the server is configured for it and, if not, what is missing, and whether agents may enroll users in it.
#[utoipa::path(
    tag = "identity-services",
    responses((status = 200, description = "Every identity service", body = IdentityServiceList)),
    security(("bearer" = ["enrollments:read"])),
)]
#[get("/identity-services")]
pub async fn list_identity_services(
    state: web::Data<AppState>,
    _ctx: Context,
) -> ApiResult<web::Json<IdentityServiceList>> {
    Ok(web::Json(
        identity_services::list(&state.db, &state.config).await?,
    ))
}
