use actix_web::{get, web};

use crate::api::extract::ApiQuery;
use crate::api::problem::ApiResult;
use crate::api::state::AppState;
use crate::model::enrollment_flows::{EnrollmentFlowPage, ListEnrollmentFlowsQuery};
use crate::service::{Context, enrollment_flows};

/// List enrollment flows
///
/// Pages through the enrollment flows in name order, each with its attached sources. Pass
/// `next_cursor` back as `cursor` for the next page.
#[utoipa::path(
    tag = "enrollment-flows",
    params(ListEnrollmentFlowsQuery),
    responses((status = 200, description = "A page of enrollment flows", body = EnrollmentFlowPage)),
    security(("bearer" = ["flows:read"])),
)]
#[get("/enrollment-flows")]
pub async fn list_enrollment_flows(
    state: web::Data<AppState>,
    _ctx: Context,
    query: ApiQuery<ListEnrollmentFlowsQuery>,
) -> ApiResult<web::Json<EnrollmentFlowPage>> {
    Ok(web::Json(
        enrollment_flows::list(&state.db, &state.public_url, query.0).await?,
    ))
}
