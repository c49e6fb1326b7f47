use actix_web::{HttpResponse, get, web};

use crate::api::state::AppState;

/// The API document
///
/// This OpenAPI 3.0.3 document, exactly as committed in `openapi/openapi.json`; the generated SDK and
/// Swagger UI are built from it. A deployment can switch the document and Swagger UI off with
/// `docs = false` (`ENROLLD_DOCS=false`); then this answers 404.
#[utoipa::path(
    tag = "operations",
    responses(
        (status = 200, description = "The OpenAPI document", body = Object),
        (status = 404, description = "The documentation is switched off (docs = false)", body = crate::api::problem::Problem, content_type = "application/problem+json"),
    ),
)]
#[get("/openapi.json")]
pub async fn get_openapi_document(state: web::Data<AppState>) -> HttpResponse {
    if !state.config.docs {
        return HttpResponse::NotFound().finish();
    }
    HttpResponse::Ok()
        .content_type("application/json")
        .body(state.openapi_json.clone())
}
