use actix_web::{post, web};

use crate::api::extract::ApiJson;
use crate::api::problem::ApiResult;
use crate::api::state::AppState;
use crate::model::templates::{PreviewNotificationTemplate, RenderedNotification};
use crate::service::{Context, notification_templates};

/// Preview a notification template
///
/// Renders a draft (the fields given) or, with `{}`, the template in force, with sample values, and
/// checks its placeholders as `update_notification_template` would.
#[utoipa::path(
    tag = "notifications",
    params(
        ("service" = String, Path, description = "Identity service id", example = "personal-email"),
        ("channel" = String, Path, description = "`email` or `sms`", example = "email"),
        ("event" = String, Path, description = "The event", example = "identity-verification-code"),
    ),
    request_body = PreviewNotificationTemplate,
    responses((status = 200, description = "The rendered message", body = RenderedNotification)),
    security(("bearer" = ["templates:write"])),
)]
#[post("/notification-templates/{service}/{channel}/{event}/preview")]
pub async fn preview_notification_template(
    state: web::Data<AppState>,
    _ctx: Context,
    path: web::Path<(String, String, String)>,
    body: ApiJson<PreviewNotificationTemplate>,
) -> ApiResult<web::Json<RenderedNotification>> {
    Ok(web::Json(
        notification_templates::preview(&state.db, path.into_inner(), body.0).await?,
    ))
}
