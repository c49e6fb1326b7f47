use actix_web::http::header;
use actix_web::{HttpResponse, get, web};

use crate::api::extract::ApiQuery;
use crate::api::problem::ApiResult;
use crate::api::state::AppState;
use crate::model::provisioning::{GetProvisioningTaskQuery, ProvisioningTaskDetail};
use crate::service::{Context, provisioning_tasks, versions};

/// Get a provisioning task
///
/// The task and a page of its entries: user, where the email went, state, failed attempts, serial
/// and completion time. Filter the entries by `status`; page with `cursor`.
#[utoipa::path(
    tag = "provisioning",
    params(("number" = i64, Path, description = "The task number", example = 42), GetProvisioningTaskQuery),
    responses((status = 200, description = "The task and a page of entries", body = ProvisioningTaskDetail,
            headers(("ETag" = String, description = "Version tag of the task (not of the page of entries) for `If-Match`")))),
    security(("bearer" = ["provisioning:read"])),
)]
#[get("/provisioning-tasks/{number}")]
pub async fn get_provisioning_task(
    state: web::Data<AppState>,
    _ctx: Context,
    number: web::Path<String>,
    query: ApiQuery<GetProvisioningTaskQuery>,
) -> ApiResult<HttpResponse> {
    let number = super::parse_number(&number)?;
    let detail = provisioning_tasks::get(&state, number, query.0).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, versions::tag_of(&detail.task)))
        .json(detail))
}
