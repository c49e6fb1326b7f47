use actix_web::{patch, web};

use crate::api::extract::{ApiJson, ApiQuery};
use crate::api::problem::ApiResult;
use crate::api::state::AppState;
use crate::model::identity_services::{IdentityService, UpdateIdentityService};
use crate::model::users::DryRunQuery;
use crate::service::{Context, identity_services};

/// Change an identity service
///
/// Switches a service on or off, and sets whether agents may enroll users in it and whether its
/// enrollments may be removed.
#[utoipa::path(
    tag = "identity-services",
    params(
        ("service" = String, Path, description = "The service id", example = "personal-email"),
        DryRunQuery,
    ),
    request_body = UpdateIdentityService,
    responses((status = 200, description = "The changed service", body = IdentityService)),
    security(("bearer" = ["settings:write"])),
)]
#[patch("/identity-services/{service}")]
pub async fn update_identity_service(
    state: web::Data<AppState>,
    ctx: Context,
    service: web::Path<String>,
    query: ApiQuery<DryRunQuery>,
    body: ApiJson<UpdateIdentityService>,
) -> ApiResult<web::Json<IdentityService>> {
    let dry_run = query.0.dry_run.unwrap_or(false);
    let now = state.clock.now();
    let changed = identity_services::update(
        &state.db,
        &state.config,
        &ctx,
        now,
        service.into_inner(),
        body.0,
        dry_run,
    )
    .await?;
    Ok(web::Json(changed))
}
