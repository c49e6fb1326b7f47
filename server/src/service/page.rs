//! Keyset pagination: `limit` bounds and opaque cursors.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::error::{AppError, AppResult};

/// Default page size.
pub const DEFAULT_LIMIT: u32 = 50;
/// Largest page size.
pub const MAX_LIMIT: u32 = 500;

/// Checks `limit` and returns it as a query limit.
pub fn limit(requested: Option<u32>) -> AppResult<i64> {
    match requested.unwrap_or(DEFAULT_LIMIT) {
        n @ 1..=MAX_LIMIT => Ok(i64::from(n)),
        _ => Err(AppError::invalid(
            "limit",
            format!("must be between 1 and {MAX_LIMIT}"),
        )),
    }
}

/// Wraps a sort key into an opaque cursor for `kind` of list.
pub fn encode_cursor(kind: &str, key: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{kind}:{key}"))
}

/// Unwraps a cursor made by [`encode_cursor`] for the same kind of list.
pub fn decode_cursor(kind: &str, cursor: &str) -> AppResult<String> {
    URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|text| text.strip_prefix(&format!("{kind}:")).map(str::to_owned))
        .ok_or_else(|| {
            AppError::invalid(
                "cursor",
                "is not a cursor from this list; pass next_cursor unchanged",
            )
        })
}

/// Splits a fetched page of `limit + 1` rows into the page and the next cursor.
pub fn split<T>(
    mut rows: Vec<T>,
    limit: i64,
    kind: &str,
    key: impl Fn(&T) -> String,
) -> (Vec<T>, Option<String>) {
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    if rows.len() > limit {
        rows.truncate(limit);
        let next = rows.last().map(|row| encode_cursor(kind, &key(row)));
        (rows, next)
    } else {
        (rows, None)
    }
}
