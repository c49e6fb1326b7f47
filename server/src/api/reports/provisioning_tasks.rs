use actix_web::{HttpResponse, get, http::header, web};

use crate::api::problem::{ApiError, ApiResult};
use crate::api::state::AppState;
use crate::service::{Context, provisioning_tasks};

/// Provisioning report (CSV)
///
/// Every task, completed ones included, one CSV row per entry (task, operator, dates, user, state,
/// attempts, serial, where the email went), for spreadsheets. Streamed: any number of rows without
/// growing memory.
#[utoipa::path(
    tag = "provisioning",
    responses((status = 200, description = "CSV with a header row", body = String, content_type = "text/csv")),
    security(("bearer" = ["provisioning:read"])),
)]
#[get("/reports/provisioning-tasks")]
pub async fn get_provisioning_report(
    state: web::Data<AppState>,
    _ctx: Context,
) -> ApiResult<HttpResponse> {
    let stream = provisioning_tasks::report(state.deps.clone())?;
    let stream = futures_util::StreamExt::map(stream, |chunk| {
        chunk.map_err(|error| actix_web::Error::from(ApiError::from(error)))
    });
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"provisioning-tasks.csv\"",
        ))
        .streaming(stream))
}
