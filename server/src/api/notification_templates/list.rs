use actix_web::{get, web};

use crate::api::problem::ApiResult;
use crate::api::state::AppState;
use crate::model::templates::NotificationTemplateList;
use crate::service::{Context, notification_templates};

/// List notification templates
///
/// Every email and SMS template, by identity service, channel and event: the text in force (shipped
/// or customized), the placeholders it may and must use, and for SMS its length and parts.
#[utoipa::path(
    tag = "notifications",
    responses((status = 200, description = "Every template", body = NotificationTemplateList)),
    security(("bearer" = ["notifications:read"])),
)]
#[get("/notification-templates")]
pub async fn list_notification_templates(
    state: web::Data<AppState>,
    _ctx: Context,
) -> ApiResult<web::Json<NotificationTemplateList>> {
    Ok(web::Json(notification_templates::list(&state.db).await?))
}
