//! The one domain error. It knows nothing about HTTP: `api::problem` maps it to RFC 9457 responses.

use crate::auth::scopes::Scope;

/// Declares the stable problem codes: variant, code, meaning.
macro_rules! error_codes {
    ($($variant:ident => $code:literal: $doc:literal,)*) => {
        /// Every stable machine code a problem answer carries (its `code`, and the last segment of its
        /// `type`). Clients can match on it; the OpenAPI document lists the values.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum ErrorCode {
            $(#[doc = $doc] $variant,)*
        }

        impl ErrorCode {
            /// Every code, in declaration order.
            pub const ALL: &[Self] = &[$(Self::$variant),*];

            /// The code as sent.
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $code,)* }
            }

            /// What the code means, as the OpenAPI document says.
            pub fn meaning(self) -> &'static str {
                match self { $(Self::$variant => $doc,)* }
            }
        }
    };
}

error_codes! {
    NotFound => "not_found": "The named resource does not exist.",
    ValidationFailed => "validation_failed": "A field is invalid; `errors` names each.",
    InvalidQuery => "invalid_query": "A query parameter cannot be read; `errors` names it.",
    InvalidHeader => "invalid_header": "A header has the wrong form (If-Match).",
    MalformedJson => "malformed_json": "The body is not valid JSON.",
    MissingBody => "missing_body": "The operation needs a body and none was sent.",
    UnreadableBody => "unreadable_body": "The body could not be read.",
    PayloadTooLarge => "payload_too_large": "The body is larger than the limit.",
    UnsupportedMediaType => "unsupported_media_type": "The body is not in a media type the operation takes.",
    UriTooLong => "uri_too_long": "The request target is longer than 8 KiB.",
    HeadersTooLarge => "headers_too_large": "The request headers are larger than 32 KiB.",
    MethodNotAllowed => "method_not_allowed": "The path exists, but not for this method (`Allow` lists the methods).",
    InvalidToken => "invalid_token": "The bearer token is missing or invalid.",
    InsufficientScope => "insufficient_scope": "The token lacks a scope the operation needs.",
    PreconditionFailed => "precondition_failed": "If-Match names another version than the current one.",
    PreconditionRequired => "precondition_required": "The server requires If-Match on changes (`require_if_match`); read the resource and send its ETag.",
    RateLimited => "rate_limited": "Too many attempts; `Retry-After` says when to try again.",
    DatabaseBusy => "database_busy": "The database is busy; `Retry-After` says when to try again.",
    DatabaseUnavailable => "database_unavailable": "The database is not reachable.",
    InternalError => "internal_error": "The server failed; quote `instance` to an administrator.",
    HttpError => "http_error": "Another HTTP-level refusal (the status says which).",
    Conflict => "conflict": "A record with the same unique value exists.",
    UsernameTaken => "username_taken": "A user with this username exists.",
    UsernameConfusable => "username_confusable": "The username looks like an existing one (Unicode confusables).",
    UserDisabled => "user_disabled": "The user is disabled.",
    AlreadyEnrolled => "already_enrolled": "The user is already enrolled with the service.",
    NotRemovable => "not_removable": "The enrollment cannot be removed this way.",
    AgentEnrollmentNotAllowed => "agent_enrollment_not_allowed": "The service does not allow enrollment by an operator.",
    ServiceDisabled => "service_disabled": "The identity service is switched off.",
    ServiceNotConfigured => "service_not_configured": "The identity service (or email) is not configured on this server.",
    NoContact => "no_contact": "The user has no address for the channel.",
    IdentityNotVerified => "identity_not_verified": "The operator has not verified this user's identity in the current window.",
    InvalidCode => "invalid_code": "The code is wrong.",
    CodeExpired => "code_expired": "The code has expired.",
    ChallengeUsed => "challenge_used": "The challenge was already used.",
    ChallengeLocked => "challenge_locked": "The challenge is locked after too many wrong codes.",
    SessionExists => "session_exists": "The user already has a pending registration session.",
    SessionNotPending => "session_not_pending": "The registration session is no longer pending.",
    InvalidRegistrationSecret => "invalid_registration_secret": "The registration secret does not work (wrong, used, removed or expired).",
    InvalidSelfEnrollmentLink => "invalid_self_enrollment_link": "The self-enrollment link does not work (wrong, canceled, expired or locked).",
    InvalidOtp => "invalid_otp": "The one-time password is wrong.",
    EntryExists => "entry_exists": "The user already has an active entry for the token type.",
    TaskRemoved => "task_removed": "The provisioning task was removed.",
    IdempotencyKeyReused => "idempotency_key_reused": "The Idempotency-Key was used with a different request.",
    IdempotencyInProgress => "idempotency_in_progress": "A request with this Idempotency-Key is still running.",
    SourceUnreachable => "source_unreachable": "The identity source could not be reached (refused, unknown host, TLS refused).",
    SourceCredentialsRefused => "source_credentials_refused": "The identity source refused the configured credentials.",
    SourceTimeout => "source_timeout": "The identity source did not answer within its timeout.",
    SourceFailed => "source_failed": "The identity source answered with an error or with something that cannot be read.",
    SourceMisconfigured => "source_misconfigured": "The identity source cannot be used as configured on this server (a secret or file is missing).",
    SourceInUse => "source_in_use": "The identity source is attached to enrollment flows or has linked identities.",
    FlowInUse => "flow_in_use": "The enrollment flow has petitions; disable it instead.",
    FlowDisabled => "flow_disabled": "The enrollment flow is switched off, or does not start petitions this way.",
    PetitionDecided => "petition_decided": "The petition is no longer waiting for this step (approved, denied or otherwise decided).",
    RecordLinked => "record_linked": "The source record is already linked to a user or another petition.",
    InvalidJoinLink => "invalid_join_link": "The join link or code does not work (wrong, used, declined or expired).",
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One invalid input: which field, and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct FieldError {
    /// The field, as a JSON pointer-like path (`users[3].email`), or the query/header parameter name.
    pub field: String,
    /// What is wrong with it, for a person to read.
    pub message: String,
}

impl FieldError {
    /// A field error.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Everything a service can refuse or fail with.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The named thing does not exist.
    #[error("{kind} {id:?} does not exist")]
    NotFound {
        /// What kind of thing (`user`, `identity service`).
        kind: &'static str,
        /// The identifier that was asked for.
        id: String,
    },
    /// The request conflicts with the current state.
    #[error("{message}")]
    Conflict {
        /// Stable machine code.
        code: ErrorCode,
        /// What conflicts.
        message: String,
    },
    /// One or more inputs are invalid.
    #[error("the request has invalid fields")]
    Invalid(Vec<FieldError>),
    /// The request is well-formed but cannot be carried out as asked.
    #[error("{message}")]
    Unprocessable {
        /// Stable machine code.
        code: ErrorCode,
        /// Why.
        message: String,
    },
    /// No valid operator credentials.
    #[error("{0}")]
    Unauthenticated(String),
    /// The operator lacks a scope.
    #[error("this operation needs the scope {missing_scope}")]
    Forbidden {
        /// The scope that is needed.
        missing_scope: Scope,
    },
    /// `If-Match` named an older version.
    #[error("the resource has changed since it was read (ETag {current})")]
    PreconditionFailed {
        /// The current ETag.
        current: String,
    },
    /// Too many requests.
    #[error("too many requests; retry after {retry_after} seconds")]
    RateLimited {
        /// Seconds to wait.
        retry_after: u64,
    },
    /// The database stayed busy (locked by another writer, or no connection free) for longer than
    /// a request may wait. The transaction that met it changed nothing; what a bulk operation's
    /// earlier groups stored is said in the operation's description.
    #[error("the database is busy; retry after {retry_after} seconds")]
    Busy {
        /// Seconds to wait.
        retry_after: u64,
        /// What the database said (logged, never shown).
        cause: String,
    },
    /// Something broke inside; the detail is logged, never shown.
    /// A service this server depends on (an identity source) failed; `code` says how.
    #[error("{message}")]
    Upstream { code: ErrorCode, message: String },
    #[error("internal error: {0}")]
    Internal(String),
}

/// Seconds a client is asked to wait after a busy database.
const BUSY_RETRY_AFTER: u64 = 2;

/// Whether a database error means "another writer holds the lock" (SQLite's busy timeout ran out,
/// PostgreSQL's `lock_timeout` or a serialization failure), not a defect.
fn is_busy(message: &str) -> bool {
    let message = message.to_ascii_lowercase();
    [
        "database is locked",
        "database is busy",
        "database table is locked",
        "lock timeout",
        "could not serialize access",
    ]
    .iter()
    .any(|needle| message.contains(needle))
}

impl AppError {
    /// One invalid field.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Invalid(vec![FieldError::new(field, message)])
    }

    /// An internal failure with a description for the log.
    pub fn internal(what: impl std::fmt::Display) -> Self {
        Self::Internal(what.to_string())
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(error: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match error {
            Error::NotFound => Self::NotFound {
                kind: "resource",
                id: String::new(),
            },
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
                unique_conflict(info.constraint_name(), info.message())
            }
            Error::DatabaseError(DatabaseErrorKind::SerializationFailure, info) => Self::Busy {
                retry_after: BUSY_RETRY_AFTER,
                cause: info.message().to_owned(),
            },
            Error::DatabaseError(_, info) if is_busy(info.message()) => Self::Busy {
                retry_after: BUSY_RETRY_AFTER,
                cause: info.message().to_owned(),
            },
            other => Self::Internal(format!("database: {other}")),
        }
    }
}

const PENDING_SESSION_RACE: &str =
    "the user has a pending registration session made at the same time; use force to replace it";
const ACTIVE_ENTRY_RACE: &str = "a user in this task got an active entry for this token type from another task made at the same time; send the request again to see which";

/// A unique-constraint race, said in our words: the database's own message never reaches a client.
fn unique_conflict(constraint: Option<&str>, message: &str) -> AppError {
    // PostgreSQL names the constraint (`users_username_key`); SQLite says `UNIQUE constraint failed:
    // users.username`. Both are turned into `table.column`-like words matched below.
    let said = constraint
        .map(str::to_owned)
        .unwrap_or_else(|| message.replace('.', "_"));
    let known: &[(&str, ErrorCode, &str)] = &[
        (
            "username_skeleton",
            ErrorCode::UsernameConfusable,
            "the username looks like an existing username",
        ),
        (
            "users_username",
            ErrorCode::UsernameTaken,
            "a user with this username exists",
        ),
        // A parallel create won: PostgreSQL names the index, SQLite the column.
        (
            "registration_sessions_one_pending",
            ErrorCode::SessionExists,
            PENDING_SESSION_RACE,
        ),
        (
            "registration_sessions_user_id",
            ErrorCode::SessionExists,
            PENDING_SESSION_RACE,
        ),
        (
            "task_entries_one_active",
            ErrorCode::EntryExists,
            ACTIVE_ENTRY_RACE,
        ),
        (
            "task_entries_user_id",
            ErrorCode::EntryExists,
            ACTIVE_ENTRY_RACE,
        ),
    ];
    tracing::info!(database.message = %message, "unique constraint refused a write");
    match known.iter().find(|(needle, _, _)| said.contains(needle)) {
        Some((_, code, text)) => AppError::Conflict {
            code: *code,
            message: (*text).to_owned(),
        },
        None => AppError::Conflict {
            code: ErrorCode::Conflict,
            message: "a record with the same unique value exists".into(),
        },
    }
}

impl From<diesel::r2d2::PoolError> for AppError {
    /// No connection came free within the pool's wait: the server is saturated, not broken.
    fn from(error: diesel::r2d2::PoolError) -> Self {
        Self::Busy {
            retry_after: BUSY_RETRY_AFTER,
            cause: format!("database pool: {error}"),
        }
    }
}

/// Result of a service call.
pub type AppResult<T> = Result<T, AppError>;

impl From<String> for AppError {
    fn from(message: String) -> Self {
        Self::Internal(message)
    }
}
