use actix_web::{post, web};

use crate::api::extract::ApiJson;
use crate::api::problem::ApiResult;
use crate::api::state::AppState;
use crate::model::identity_sources::{SourceTestResult, TestIdentitySource};
use crate::service::{Context, identity_sources};

/// Test an identity source
///
/// Runs one query against the source and shows the records an enrollment flow would see: by `email`
/// (as a flow does once the petitioner's email is verified) or by source `key`. Nothing changes but
/// the audit log, which records the query and its outcome (never the records). A source that cannot
/// answer gives a problem naming the part that failed: `source_unreachable` (502),
/// `source_credentials_refused` (502), `source_failed` (502), `source_timeout` (504, after the
/// source's `timeout_seconds`), or `source_misconfigured` (422: a secret or file is missing here).
#[utoipa::path(
    tag = "identity-sources",
    params(("source" = String, Path, description = "The source's id or name", example = "hr-ldap")),
    request_body = TestIdentitySource,
    responses(
        (status = 200, description = "What the source answered", body = SourceTestResult),
        (status = 502, description = "The source could not be reached, refused the credentials, or failed"),
        (status = 504, description = "The source did not answer within its timeout"),
    ),
    security(("bearer" = ["sources:read"])),
)]
#[post("/identity-sources/{source}/test")]
pub async fn test_identity_source(
    state: web::Data<AppState>,
    ctx: Context,
    source: web::Path<String>,
    body: ApiJson<TestIdentitySource>,
) -> ApiResult<web::Json<SourceTestResult>> {
    Ok(web::Json(
        identity_sources::test(&state, &ctx, source.into_inner(), body.0).await?,
    ))
}
