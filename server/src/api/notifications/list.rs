use actix_web::{get, web};

use crate::api::extract::ApiQuery;
use crate::api::problem::ApiResult;
use crate::api::state::AppState;
use crate::model::notifications::{ListNotificationsQuery, NotificationPage};
use crate::service::{Context, notifications};

/// List notifications
///
/// Shows the emails and SMS the server queued, newest first, with their delivery state (`pending`,
/// `sent`, `expired`, `failed`), attempts and last error. Recipients are masked; contents are never shown.
#[utoipa::path(
    tag = "notifications",
    params(ListNotificationsQuery),
    responses((status = 200, description = "A page of notifications", body = NotificationPage)),
    security(("bearer" = ["notifications:read"])),
)]
#[get("/notifications")]
pub async fn list_notifications(
    state: web::Data<AppState>,
    _ctx: Context,
    query: ApiQuery<ListNotificationsQuery>,
) -> ApiResult<web::Json<NotificationPage>> {
    Ok(web::Json(notifications::list(&state.db, query.0).await?))
}
