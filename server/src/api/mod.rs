//! HTTP: routes, the OpenAPI document, extractors, problems and the request middleware.
//! Handlers parse the request, call one service function, and shape the response.

pub mod answer;
pub mod app;
pub mod audit_events;
pub mod enrollment_challenges;
pub mod enrollment_flows;
pub mod enrollments;
pub mod extract;
pub mod identity_services;
pub mod identity_sources;
pub mod identity_verifications;
pub mod join;
pub mod middleware;
pub mod notification_templates;
pub mod notifications;
pub mod openapi;
pub mod openapi30;
mod openapi_headers;
pub mod operations;
pub mod petitions;
pub mod problem;
#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod problem_snapshots;
pub mod provisioning_tasks;
pub mod registration_sessions;
pub mod reports;
pub mod route_table;
pub mod settings;
pub mod state;
pub mod users;

use utoipa_actix_web::scope;
use utoipa_actix_web::service_config::ServiceConfig;

/// Every documented operation: routes and spec come from this one registration.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(operations::health::get_health)
        .service(operations::ready::get_readiness)
        .service(operations::metrics::get_metrics)
        .service(operations::openapi::get_openapi_document)
        .service(app::enroll_page::get_enroll_page)
        .service(app::self_enroll_page::get_self_enroll_page)
        .service(app::join_page::get_join_page)
        .service(app::self_signup_page::get_self_signup_page)
        .service(
            scope("/v1")
                .service(users::list::list_users)
                .service(users::create::create_user)
                .service(users::import::import_users)
                .service(users::get::get_user)
                .service(users::update::update_user)
                .service(users::delete::delete_user)
                .service(identity_services::list::list_identity_services)
                .service(identity_services::get::get_identity_service)
                .service(identity_services::update::update_identity_service)
                .service(audit_events::list::list_audit_events)
                .service(identity_verifications::create::create_identity_verification)
                .service(identity_verifications::confirm::confirm_identity_verification)
                .service(identity_verifications::status::get_identity_verification_status)
                .service(enrollments::list::list_enrollments)
                .service(enrollments::delete::delete_enrollment)
                .service(enrollments::batch::create_enrollment_batch)
                .service(enrollment_challenges::create::create_enrollment_challenge)
                .service(enrollment_challenges::get::get_enrollment_challenge)
                .service(enrollment_challenges::verify::verify_enrollment_challenge)
                .service(enrollment_challenges::resend::resend_enrollment_challenge)
                .service(notifications::list::list_notifications)
                .service(notification_templates::list::list_notification_templates)
                .service(notification_templates::get::get_notification_template)
                .service(notification_templates::update::update_notification_template)
                .service(notification_templates::preview::preview_notification_template)
                .service(settings::get_identity_verification::get_identity_verification_settings)
                .service(
                    settings::update_identity_verification::update_identity_verification_settings,
                )
                .service(registration_sessions::create::create_registration_session)
                .service(registration_sessions::current::get_current_registration_session)
                .service(registration_sessions::list::list_registration_sessions)
                .service(registration_sessions::get::get_registration_session)
                .service(registration_sessions::delete::delete_registration_session)
                .service(registration_sessions::notify::send_registration_session_notifications)
                .service(registration_sessions::qr_png::get_registration_session_qr_png)
                .service(registration_sessions::qr_svg::get_registration_session_qr_svg)
                .service(app::register::register_app)
                .service(app::start_self_enrollment::start_self_enrollment)
                .service(app::complete_self_enrollment::complete_self_enrollment)
                .service(settings::get_self_enrollment_policy::get_self_enrollment_policy)
                .service(settings::update_self_enrollment_policy::update_self_enrollment_policy)
                .service(provisioning_tasks::create::create_provisioning_task)
                .service(provisioning_tasks::list::list_provisioning_tasks)
                .service(provisioning_tasks::get::get_provisioning_task)
                .service(provisioning_tasks::update::update_provisioning_task)
                .service(provisioning_tasks::remove_users::remove_provisioning_task_users)
                .service(provisioning_tasks::delete::delete_provisioning_task)
                .service(provisioning_tasks::resend::resend_provisioning_task)
                .service(provisioning_tasks::list_for_user::list_user_provisioning_tasks)
                .service(reports::provisioning_tasks::get_provisioning_report)
                .configure(onboarding_routes),
        );
}

/// Identity sources, enrollment flows, petitions and their public steps, and users' linked
/// identities: how people come into the directory.
fn onboarding_routes(cfg: &mut ServiceConfig) {
    cfg.service(identity_sources::list::list_identity_sources)
        .service(identity_sources::create::create_identity_source)
        .service(identity_sources::get::get_identity_source)
        .service(identity_sources::update::update_identity_source)
        .service(identity_sources::delete::delete_identity_source)
        .service(identity_sources::test::test_identity_source)
        .service(enrollment_flows::list::list_enrollment_flows)
        .service(enrollment_flows::create::create_enrollment_flow)
        .service(enrollment_flows::get::get_enrollment_flow)
        .service(enrollment_flows::update::update_enrollment_flow)
        .service(enrollment_flows::delete::delete_enrollment_flow)
        .service(petitions::invite::create_invitation)
        .service(petitions::create::create_petition)
        .service(petitions::list::list_petitions)
        .service(petitions::get::get_petition)
        .service(petitions::confirm::confirm_petition)
        .service(petitions::approve::approve_petition)
        .service(petitions::deny::deny_petition)
        .service(join::start::start_join)
        .service(join::view::view_join)
        .service(join::confirm::confirm_join)
        .service(join::decline::decline_join)
        .service(users::identities::list_user_identities)
        .service(users::refresh_identities::refresh_user_identities);
}
