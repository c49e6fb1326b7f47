use actix_web::{HttpResponse, get, web};

use crate::api::answer::tagged;
use crate::api::problem::ApiResult;
use crate::api::state::AppState;
use crate::model::templates::NotificationTemplate;
use crate::service::{Context, notification_templates};

/// Get a notification template
///
/// One template with its placeholders; `customized` tells whether it differs from the shipped one. The
/// `ETag` goes back in `If-Match` when changing it.
#[utoipa::path(
    tag = "notifications",
    params(
        ("service" = String, Path, description = "Identity service id", example = "mobile-code"),
        ("channel" = String, Path, description = "`email` or `sms`", example = "sms"),
        ("event" = String, Path, description = "`identity-verification-code`, `enrollment-code`, `enrollment-added` or `enrollment-removed`", example = "enrollment-code"),
    ),
    responses((status = 200, description = "The template", body = NotificationTemplate,
            headers(("ETag" = String, description = "Version tag for `If-Match`")))),
    security(("bearer" = ["notifications:read"])),
)]
#[get("/notification-templates/{service}/{channel}/{event}")]
pub async fn get_notification_template(
    state: web::Data<AppState>,
    _ctx: Context,
    path: web::Path<(String, String, String)>,
) -> ApiResult<HttpResponse> {
    let found = notification_templates::get(&state.db, path.into_inner()).await?;
    Ok(tagged(HttpResponse::Ok(), &found))
}
