//! HTTP: routes, the OpenAPI document, extractors, problems and the request middleware.
//! Handlers parse the request, call one service function, and shape the response.

pub mod audit_events;
pub mod extract;
pub mod identity_services;
pub mod middleware;
pub mod openapi;
pub mod openapi30;
pub mod operations;
pub mod problem;
pub mod route_table;
pub mod users;

use utoipa_actix_web::scope;
use utoipa_actix_web::service_config::ServiceConfig;

/// Every documented operation: routes and spec come from this one registration.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(operations::health::get_health)
        .service(operations::ready::get_readiness)
        .service(operations::metrics::get_metrics)
        .service(operations::openapi::get_openapi_document)
        .service(
            scope("/v1")
                .service(users::list::list_users)
                .service(users::create::create_user)
                .service(users::import::import_users)
                .service(users::get::get_user)
                .service(users::update::update_user)
                .service(users::delete::delete_user)
                .service(identity_services::list::list_identity_services)
                .service(identity_services::update::update_identity_service)
                .service(audit_events::list::list_audit_events),
        );
}
