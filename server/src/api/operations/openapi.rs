use actix_web::{HttpResponse, get, web};

use crate::state::AppState;

/// The API document
///
/// This OpenAPI 3.0.3 document, exactly as committed in `openapi/openapi.json`; the generated SDK and
/// Swagger UI are built from it.
#[utoipa::path(
    tag = "operations",
    responses((status = 200, description = "The OpenAPI document", body = Object)),
)]
#[get("/openapi.json")]
pub async fn get_openapi_document(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(state.openapi_json.clone())
}
