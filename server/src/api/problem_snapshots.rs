//! Snapshots of the problem body a client receives for each stable error code, built the way the
//! server builds it (from the service error where one exists, else as the HTTP layer does). A new
//! code does not compile until it has an example here, and then needs its snapshot reviewed.

use actix_web::http::StatusCode;

use super::problem::ApiError;
use crate::auth::scopes::Scope;
use crate::error::{AppError, ErrorCode, FieldError};

const REQUEST_ID: &str = "0193a4c8-0000-7000-8000-000000000001";

fn conflict(code: ErrorCode, message: &str) -> ApiError {
    AppError::Conflict {
        code,
        message: message.into(),
    }
    .into()
}

fn unprocessable(code: ErrorCode, message: &str) -> ApiError {
    AppError::Unprocessable {
        code,
        message: message.into(),
    }
    .into()
}

fn http(status: StatusCode, code: ErrorCode, detail: &str) -> ApiError {
    ApiError::new(status, code, detail)
}

/// The HTTP-level refusals, as the extractors and middleware make them.
fn http_level(code: ErrorCode) -> Option<ApiError> {
    use ErrorCode as C;
    use StatusCode as S;
    Some(match code {
        C::InvalidQuery => ApiError::bad_request(code, "query parameter limit: invalid digit"),
        C::InvalidHeader => ApiError::bad_request(code, "If-Match must be an ETag such as \"3\""),
        C::PreconditionRequired => http(
            S::PRECONDITION_REQUIRED,
            code,
            "this server requires If-Match on changes: read the resource and send its ETag",
        ),
        C::MalformedJson => ApiError::bad_request(code, "expected value at line 1 column 13"),
        C::MissingBody => ApiError::bad_request(code, "this operation needs a JSON body"),
        C::UnreadableBody => ApiError::bad_request(code, "the body could not be read"),
        C::PayloadTooLarge => http(S::PAYLOAD_TOO_LARGE, code, "the body is over 1048576 bytes"),
        C::UnsupportedMediaType => http(
            S::UNSUPPORTED_MEDIA_TYPE,
            code,
            "send the body as application/json",
        ),
        C::UriTooLong => http(S::URI_TOO_LONG, code, "the request target is over 8 KiB"),
        C::HeadersTooLarge => http(
            S::REQUEST_HEADER_FIELDS_TOO_LARGE,
            code,
            "the request headers are over 32 KiB",
        ),
        C::MethodNotAllowed => http(S::METHOD_NOT_ALLOWED, code, "GET is not allowed here"),
        C::DatabaseUnavailable => http(
            S::SERVICE_UNAVAILABLE,
            code,
            "the database is not reachable",
        ),
        C::HttpError => http(S::NOT_ACCEPTABLE, code, "Not Acceptable"),
        _ => return None,
    })
}

/// The problem a client gets for `code`.
fn example(code: ErrorCode) -> ApiError {
    use ErrorCode as C;
    if let Some(problem) = http_level(code) {
        return problem;
    }
    let error = match code {
        C::NotFound => AppError::NotFound {
            kind: "user",
            id: "carol".into(),
        },
        C::ValidationFailed => AppError::Invalid(vec![FieldError::new(
            "username",
            "must be 1 to 64 characters",
        )]),
        C::InvalidToken => AppError::Unauthenticated("the token has expired".into()),
        C::InsufficientScope => AppError::Forbidden {
            missing_scope: Scope::UsersWrite,
        },
        C::PreconditionFailed => AppError::PreconditionFailed {
            current: "\"4\"".into(),
        },
        C::RateLimited => AppError::RateLimited { retry_after: 60 },
        C::DatabaseBusy => AppError::Busy {
            retry_after: 2,
            cause: "database is locked".into(),
        },
        C::InternalError => AppError::internal("never shown"),
        C::Conflict
        | C::UsernameTaken
        | C::UsernameConfusable
        | C::UserDisabled
        | C::AlreadyEnrolled
        | C::NotRemovable
        | C::IdentityNotVerified
        | C::ChallengeUsed
        | C::SessionExists
        | C::SessionNotPending
        | C::EntryExists
        | C::TaskRemoved
        | C::IdempotencyInProgress
        | C::SourceInUse
        | C::FlowInUse
        | C::FlowDisabled
        | C::PetitionDecided
        | C::RecordLinked => return conflict(code, code.meaning()),
        C::SourceUnreachable | C::SourceCredentialsRefused | C::SourceTimeout | C::SourceFailed => {
            AppError::Upstream {
                code,
                message: code.meaning().into(),
            }
        }
        C::AgentEnrollmentNotAllowed
        | C::ServiceDisabled
        | C::ServiceNotConfigured
        | C::NoContact
        | C::InvalidCode
        | C::CodeExpired
        | C::ChallengeLocked
        | C::InvalidRegistrationSecret
        | C::InvalidSelfEnrollmentLink
        | C::InvalidOtp
        | C::IdempotencyKeyReused
        | C::SourceMisconfigured
        | C::InvalidJoinLink => return unprocessable(code, code.meaning()),
        C::InvalidQuery
        | C::InvalidHeader
        | C::MalformedJson
        | C::MissingBody
        | C::UnreadableBody
        | C::PayloadTooLarge
        | C::UnsupportedMediaType
        | C::UriTooLong
        | C::HeadersTooLarge
        | C::PreconditionRequired
        | C::MethodNotAllowed
        | C::DatabaseUnavailable
        | C::HttpError => unreachable!("answered by http_level"),
    };
    error.into()
}

#[test]
fn a_problem_body_per_error_code() {
    for &code in ErrorCode::ALL {
        let problem = example(code);
        assert_eq!(problem.code, code);
        let mut body = serde_json::to_value(problem.problem(Some(REQUEST_ID))).unwrap();
        body["headers"] = problem
            .headers
            .iter()
            .map(|(name, value)| format!("{name}: {value}"))
            .collect();
        insta::assert_json_snapshot!(code.as_str(), body);
    }
}
