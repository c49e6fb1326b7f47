use actix_web::{put, web};

use crate::api::extract::{ApiJson, ApiQuery};
use crate::api::problem::ApiResult;
use crate::api::state::AppState;
use crate::model::templates::{NotificationTemplate, UpdateNotificationTemplate};
use crate::model::users::DryRunQuery;
use crate::service::{Context, notification_templates};

/// Change a notification template
///
/// Replaces a template. Placeholders are written `{{Name}}`; an unknown one, or a template missing a
/// required one (such as `{{Code}}` in a code message), is refused with 422 naming it. Emails need a
/// subject; SMS have no subject or HTML, and their length is reported (over 160 GSM-7 or 70 UCS-2
/// characters is `over_limit`).
#[utoipa::path(
    tag = "notifications",
    params(
        ("service" = String, Path, description = "Identity service id", example = "mobile-code"),
        ("channel" = String, Path, description = "`email` or `sms`", example = "sms"),
        ("event" = String, Path, description = "The event", example = "enrollment-code"),
        DryRunQuery,
    ),
    request_body = UpdateNotificationTemplate,
    responses((status = 200, description = "The template now in force", body = NotificationTemplate)),
    security(("bearer" = ["templates:write"])),
)]
#[put("/notification-templates/{service}/{channel}/{event}")]
pub async fn update_notification_template(
    state: web::Data<AppState>,
    ctx: Context,
    path: web::Path<(String, String, String)>,
    query: ApiQuery<DryRunQuery>,
    body: ApiJson<UpdateNotificationTemplate>,
) -> ApiResult<web::Json<NotificationTemplate>> {
    let dry_run = query.0.dry_run.unwrap_or(false);
    let now = state.clock.now();
    Ok(web::Json(
        notification_templates::update(&state.db, &ctx, now, path.into_inner(), body.0, dry_run)
            .await?,
    ))
}
