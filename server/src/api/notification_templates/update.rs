use actix_web::{HttpResponse, put, web};

use crate::api::answer::tagged;
use crate::api::extract::{ApiJson, ApiQuery, IfMatch};
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
/// characters is `over_limit`). Send the `ETag` you read as `If-Match` to refuse the change (412) when
/// someone changed the template first.
#[utoipa::path(
    tag = "notifications",
    params(
        ("service" = String, Path, description = "Identity service id", example = "mobile-code"),
        ("channel" = String, Path, description = "`email` or `sms`", example = "sms"),
        ("event" = String, Path, description = "The event", example = "enrollment-code"),
        DryRunQuery,
        ("If-Match" = Option<String>, Header, description = "Only change the template if it still has this ETag"),
    ),
    request_body = UpdateNotificationTemplate,
    responses(
        (status = 200, description = "The template now in force (a dry run: the template as it would be)", body = NotificationTemplate,
            headers(("ETag" = String, description = "Version tag for `If-Match`"))),
        (status = 412, description = "The template changed since the `If-Match` version"),
    ),
    security(("bearer" = ["templates:write"])),
)]
#[put("/notification-templates/{service}/{channel}/{event}")]
pub async fn update_notification_template(
    state: web::Data<AppState>,
    ctx: Context,
    path: web::Path<(String, String, String)>,
    if_match: IfMatch,
    query: ApiQuery<DryRunQuery>,
    body: ApiJson<UpdateNotificationTemplate>,
) -> ApiResult<HttpResponse> {
    let (mode, now) = (if_match.with(query), state.clock.now());
    let key = path.into_inner();
    let changed = notification_templates::update(&state.db, &ctx, now, key, body.0, mode).await?;
    Ok(tagged(HttpResponse::Ok(), &changed))
}
