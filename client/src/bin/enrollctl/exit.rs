//! Exit codes: 0 success; 1 failed; 2 usage; 3 partly failed (bulk results with failed items, or some
//! piped rows failed); 4 not found; 5 authentication or permission.

use serde_json::Value;

use crate::call::Outcome;

pub const OK: u8 = 0;
pub const FAILED: u8 = 1;
pub const USAGE: u8 = 2;
pub const PARTLY: u8 = 3;
pub const NOT_FOUND: u8 = 4;
pub const DENIED: u8 = 5;

pub fn of(outcome: &Outcome) -> u8 {
    match outcome {
        Outcome::Answer { value, .. } if failed_items(value) => PARTLY,
        Outcome::Answer { .. } | Outcome::Done | Outcome::Declined => OK,
        Outcome::Failed(failure) if failure.usage => USAGE,
        Outcome::Failed(failure) => match failure.status {
            Some(404) => NOT_FOUND,
            Some(401 | 403) => DENIED,
            _ => FAILED,
        },
    }
}

/// A bulk answer with a failed item: `results` with an `error` status.
fn failed_items(value: &Value) -> bool {
    value["results"]
        .as_array()
        .is_some_and(|r| r.iter().any(|i| i["status"] == "error"))
}

/// One code for many calls: all well, all failed alike (that code), or partly failed.
pub fn fold(codes: &[u8]) -> u8 {
    let failed: Vec<u8> = codes
        .iter()
        .copied()
        .filter(|c| *c != OK && *c != PARTLY)
        .collect();
    match (failed.first(), failed.len() == codes.len()) {
        (None, _) if codes.contains(&PARTLY) => PARTLY,
        (None, _) => OK,
        (Some(first), true) if failed.iter().all(|c| c == first) => *first,
        (Some(_), true) => FAILED,
        (Some(_), false) => PARTLY,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn many_calls_fold_into_one_code() {
        assert_eq!(fold(&[OK, OK]), OK);
        assert_eq!(fold(&[OK, PARTLY]), PARTLY);
        assert_eq!(fold(&[OK, NOT_FOUND]), PARTLY);
        assert_eq!(fold(&[NOT_FOUND, NOT_FOUND]), NOT_FOUND);
        assert_eq!(fold(&[NOT_FOUND, DENIED]), FAILED);
        assert_eq!(fold(&[]), OK);
    }
}
