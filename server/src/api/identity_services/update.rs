use actix_web::{HttpResponse, patch, web};

use crate::api::answer::tagged;
use crate::api::extract::{ApiJson, ApiQuery, IfMatch};
use crate::api::problem::ApiResult;
use crate::api::state::AppState;
use crate::model::identity_services::{IdentityService, UpdateIdentityService};
use crate::model::users::DryRunQuery;
use crate::service::{Context, identity_services};

/// Change an identity service
///
/// Switches a service on or off, and sets whether agents may enroll users in it and whether its
/// enrollments may be removed. Send the `ETag` you read as `If-Match` to refuse the change (412) when
/// someone changed the service first.
#[utoipa::path(
    tag = "identity-services",
    params(
        ("service" = String, Path, description = "The service id", example = "personal-email"),
        DryRunQuery,
        ("If-Match" = Option<String>, Header, description = "Only change the service if it still has this ETag"),
    ),
    request_body = UpdateIdentityService,
    responses(
        (status = 200, description = "The changed service (a dry run: the service as it would be)", body = IdentityService,
            headers(("ETag" = String, description = "Version tag for `If-Match`"))),
        (status = 412, description = "The service changed since the `If-Match` version"),
    ),
    security(("bearer" = ["settings:write"])),
)]
#[patch("/identity-services/{service}")]
pub async fn update_identity_service(
    state: web::Data<AppState>,
    ctx: Context,
    service: web::Path<String>,
    if_match: IfMatch,
    query: ApiQuery<DryRunQuery>,
    body: ApiJson<UpdateIdentityService>,
) -> ApiResult<HttpResponse> {
    let now = state.clock.now();
    let changed = identity_services::update(
        &state.db,
        &state.config,
        &ctx,
        now,
        service.into_inner(),
        body.0,
        if_match.with(query),
    )
    .await?;
    Ok(tagged(HttpResponse::Ok(), &changed))
}
