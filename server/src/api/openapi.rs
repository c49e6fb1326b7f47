//! The OpenAPI document: generated from the handlers, completed with the standard error responses,
//! and converted to the 3.0.3 form that is committed as `openapi/openapi.json`.

use serde_json::{Map, Value, json};
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa_actix_web::AppExt;

use super::problem::{PROBLEM_JSON, Problem};
use crate::auth::scopes::Scope;
use crate::error::ErrorCode;
use crate::error::FieldError;

const DESCRIPTION: &str = "\
Enrolld is the operator API for identity enrollment: the user directory, the identity services users \
enroll with (personal email, mobile code by SMS, the mobile authenticator app, software tokens), \
identity verification, registration sessions and provisioning tasks.

## Authentication
Every `/v1` operation needs a bearer JWT (`Authorization: Bearer <token>`) with the `iss` and `aud` the \
server is configured for (default `enrolld`), a `sub` naming the operator, an `exp`, and a `scope` claim \
listing space-separated scopes. Each operation names the scope it needs under *Authorize*. A missing, \
expired or otherwise invalid token is answered 401 with `WWW-Authenticate: Bearer error=\"invalid_token\"`; \
a token without the needed scope 403 with `error=\"insufficient_scope\"` and the scope named. \
For a first try, `enrolld serve --dev` prints an administrator token; `enrolld token issue` mints others.

## Errors
Every error is an RFC 9457 `application/problem+json` body with `type`, `title`, `status`, `detail`, \
`instance` (the request id, also sent as `X-Request-Id`), a stable machine-readable `code`, and for \
validation failures `errors: [{field, message}]` naming each invalid field.

## Conventions
Lists answer `{items, next_cursor}`: pass `next_cursor` back as `cursor` for the next page (`limit` 1–500, \
default 50). Mutating operations take `dry_run=true` to check and report without changing anything. \
Resources with an `ETag` honour `If-Match` (412 when stale). Any `{user}` path parameter accepts the user's \
id or username. Every change is recorded in the audit log together with the change itself.";

/// The document's fixed parts.
#[derive(OpenApi)]
#[openapi(
    info(title = "Enrolld", description = DESCRIPTION, license(name = "Apache-2.0")),
    components(schemas(Problem, FieldError)),
    modifiers(&BearerScheme),
    tags(
        (name = "users", description = "The user directory: the people who enroll."),
        (name = "identity-services", description = "The identity services users can enroll with, and their settings."),
        (name = "identity-verification", description = "Verifying a user's identity with a code the user reads back."),
        (name = "enrollments", description = "Which identity services users are enrolled with; enrolling by a code read back."),
        (name = "registration-sessions", description = "Single-use registration sessions that let users register the mobile app."),
        (name = "provisioning", description = "Provisioning tokens to many users at once; users self-enroll before a stop date."),
        (name = "app", description = "Public endpoints for the user's phone and the mobile app (no operator token)."),
        (name = "notifications", description = "Emails and SMS: delivery status and templates."),
        (name = "identity-sources", description = "Connectors to the organization's directories (LDAP / Active Directory, HTTP JSON, files) that enrollment flows match people against."),
        (name = "enrollment-flows", description = "The paths by which people petition to join (self-signup, invitation, administrator), with the identity sources each consults and how."),
        (name = "petitions", description = "People's runs through an enrollment flow: invitations, confirmation, source matching, approval and finalizing into a directory user."),
        (name = "join", description = "The public steps a petitioner takes with the secret from the emailed link (no operator token)."),
        (name = "settings", description = "Policies."),
        (name = "audit", description = "The append-only audit log of changes and security events."),
        (name = "operations", description = "Health, readiness, metrics and this document."),
    ),
)]
struct ApiDoc;

struct BearerScheme;

impl utoipa::Modify for BearerScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let scopes: Vec<String> = Scope::ALL
            .iter()
            .map(|s| format!("`{s}` — {}", s.description()))
            .collect();
        let description = format!(
            "An operator JWT. Scopes:\n\n{}",
            scopes
                .iter()
                .map(|s| format!("- {s}"))
                .collect::<Vec<_>>()
                .join("\n")
        );
        let scheme = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .bearer_format("JWT")
            .description(Some(description))
            .build();
        openapi
            .components
            .get_or_insert_with(Default::default)
            .add_security_scheme("bearer", SecurityScheme::Http(scheme));
    }
}

/// The committed-form (3.0.3) document as a JSON value.
pub fn document() -> Value {
    let (_, mut openapi) = actix_web::App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(super::routes)
        .split_for_parts();
    openapi.info.version = env!("CARGO_PKG_VERSION").to_owned();
    let mut doc = serde_json::to_value(&openapi).unwrap_or(Value::Null);
    add_standard_errors(&mut doc);
    super::openapi_headers::share(&mut doc);
    super::openapi30::convert(&mut doc);
    doc
}

/// The committed-form document as text (pretty JSON with a final newline).
pub fn document_text() -> String {
    let mut text = serde_json::to_string_pretty(&document()).unwrap_or_default();
    text.push('\n');
    text
}

fn problem_response(status: u16, description: &str, code: ErrorCode, detail: &str) -> Value {
    let mut example = json!({
        "type": format!("https://enrolld.dev/problems/{code}"),
        "title": title(status),
        "status": status,
        "detail": detail,
        "instance": "urn:uuid:0193a4c8-5f1e-7cc2-8d6a-3f1e2b0c9d11",
        "code": code,
    });
    if code == ErrorCode::ValidationFailed {
        example["errors"] = json!([{"field": "email", "message": "is not an email address"}]);
    } else if code == ErrorCode::InvalidQuery {
        example["errors"] = json!([{"field": "limit", "message": "invalid digit found in string"}]);
    }
    json!({
        "description": description,
        "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}, "example": example}}
    })
}

fn title(status: u16) -> &'static str {
    match status {
        400 => "Bad Request",
        401 => "Authentication required",
        403 => "Insufficient scope",
        404 => "Not Found",
        409 => "Conflict",
        412 => "Precondition Failed",
        428 => "Precondition Required",
        413 => "Payload Too Large",
        415 => "Unsupported Media Type",
        422 => "Validation failed",
        429 => "Too Many Requests",
        503 => "Service Unavailable",
        _ => "Internal Server Error",
    }
}

/// Gives every operation the error responses it can produce, all with the one problem body.
fn add_standard_errors(doc: &mut Value) {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for (template, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for operation in item.values_mut() {
            let Some(operation) = operation.as_object_mut() else {
                continue;
            };
            let standard = standard_problems(template, operation);
            add_problems(operation, standard);
        }
    }
}

/// The 400 of a request that cannot be read: its body, or else a query parameter.
fn unreadable(has_body: bool) -> StandardProblem {
    let description = "The request could not be read (malformed JSON, bad query parameter)";
    if has_body {
        let detail = "the body is not valid JSON: expected value at line 1 column 1";
        (
            400,
            description.into(),
            ErrorCode::MalformedJson,
            detail.into(),
        )
    } else {
        let detail = "query parameter limit: invalid digit found in string";
        (
            400,
            description.into(),
            ErrorCode::InvalidQuery,
            detail.into(),
        )
    }
}

/// The scopes an operation's `security` names.
fn bearer_scopes(operation: &Map<String, Value>) -> Vec<String> {
    operation
        .get("security")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|req| req.get("bearer"))
        .filter_map(Value::as_array)
        .flatten()
        .filter_map(|s| s.as_str().map(str::to_owned))
        .collect()
}

/// A standard error response: status, description, code, example detail.
pub(super) type StandardProblem = (u16, String, ErrorCode, String);

/// The errors any operation of this shape can answer with (bad input, authentication, scope, a
/// missing resource, body limits, validation, a server failure).
fn standard_problems(template: &str, operation: &Map<String, Value>) -> Vec<StandardProblem> {
    let scopes = bearer_scopes(operation);
    let secured = operation.contains_key("security");
    let has_body = operation.contains_key("requestBody");
    let has_query = operation
        .get("parameters")
        .and_then(Value::as_array)
        .is_some_and(|ps| ps.iter().any(|p| p["in"] == "query"));
    let mut standard: Vec<StandardProblem> = Vec::new();
    if has_body || has_query {
        standard.push(unreadable(has_body));
    }
    if secured {
        standard.push((
            401,
            "The bearer token is missing or invalid".into(),
            ErrorCode::InvalidToken,
            "the token has expired".into(),
        ));
        let needed = scopes.join(", ");
        standard.push((
            403,
            format!("The token lacks the scope `{needed}`"),
            ErrorCode::InsufficientScope,
            format!("this operation needs the scope {needed}"),
        ));
    }
    let names_a_user = operation
        .get("parameters")
        .and_then(Value::as_array)
        .is_some_and(|ps| ps.iter().any(|p| p["in"] == "query" && p["name"] == "user"));
    if template.contains('{') || names_a_user {
        standard.push((
            404,
            "The resource does not exist".into(),
            ErrorCode::NotFound,
            "user \"bob\" does not exist".into(),
        ));
    }
    if has_body {
        standard.push((
            413,
            "The body is larger than the limit".into(),
            ErrorCode::PayloadTooLarge,
            "the request body is larger than 1048576 bytes".into(),
        ));
        standard.push((
            415,
            "The body is not application/json".into(),
            ErrorCode::UnsupportedMediaType,
            "the body must be application/json, not text/plain".into(),
        ));
    }
    if has_body || has_query || template.starts_with("/v1/") {
        standard.push((
            422,
            "A field is invalid (`errors` names each), or the request cannot be carried out as asked (`code` says why)".into(),
            ErrorCode::ValidationFailed,
            "email: is not an email address".into(),
        ));
    }
    standard.extend(super::openapi_headers::problems(operation));
    standard.push((
        500,
        "The server failed; quote `instance` to an administrator".into(),
        ErrorCode::InternalError,
        "the server failed to handle the request; quote the instance id to an administrator".into(),
    ));
    standard
}

/// Adds the standard problems an operation does not document itself, and gives every documented
/// error without a body the problem body.
fn add_problems(operation: &mut Map<String, Value>, standard: Vec<StandardProblem>) {
    let responses = operation
        .entry("responses")
        .or_insert_with(|| Value::Object(Map::new()));
    let Some(responses) = responses.as_object_mut() else {
        return;
    };
    for (status, description, code, detail) in standard {
        responses
            .entry(status.to_string())
            .or_insert_with(|| problem_response(status, &description, code, &detail));
    }
    for (status, response) in responses.iter_mut() {
        let code: u16 = status.parse().unwrap_or(0);
        if code >= 400 && response.get("content").is_none() {
            let description = response["description"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            let machine = match code {
                409 => ErrorCode::Conflict,
                412 => ErrorCode::PreconditionFailed,
                429 => ErrorCode::RateLimited,
                503 => ErrorCode::DatabaseUnavailable,
                400 => ErrorCode::InvalidHeader,
                _ => ErrorCode::HttpError,
            };
            *response = problem_response(code, &description, machine, &description.to_lowercase());
        }
    }
}
