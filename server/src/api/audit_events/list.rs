use actix_web::{get, web};

use crate::api::extract::ApiQuery;
use crate::api::problem::ApiResult;
use crate::api::state::AppState;
use crate::model::audit::{AuditEventPage, ListAuditEventsQuery};
use crate::service::{Context, audit};

/// List audit events
///
/// Pages through the append-only audit log, newest first: every change and every refused request
/// (authentication and authorization failures), with who, what, on what, the outcome and the request id.
#[utoipa::path(
    tag = "audit",
    params(ListAuditEventsQuery),
    responses((status = 200, description = "A page of audit events", body = AuditEventPage)),
    security(("bearer" = ["audit:read"])),
)]
#[get("/audit-events")]
pub async fn list_audit_events(
    state: web::Data<AppState>,
    _ctx: Context,
    query: ApiQuery<ListAuditEventsQuery>,
) -> ApiResult<web::Json<AuditEventPage>> {
    Ok(web::Json(audit::list(&state.db, query.0).await?))
}
