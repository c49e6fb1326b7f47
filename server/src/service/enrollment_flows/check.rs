//! Checks on a flow, each failure naming its field: the options' bounds, and each attached source
//! (it exists, is attached once, and its mode fits the flow).

use super::Stored;
use crate::db::DbConn;
use crate::db::enrollment_flows::FlowSourceRow;
use crate::db::identity_sources as source_rows;
use crate::error::AppResult;
use crate::model::enrollment_flows::{FlowAuthorization, FlowSourceInput, SourceMode};
use crate::service::validate::Checks;

/// Bounds of `invitation_validity_hours`.
const VALIDITY_HOURS: std::ops::RangeInclusive<u32> = 1..=720;
/// The most sources one flow may consult.
const MAX_SOURCES: usize = 20;

/// Checks the options.
pub fn options(checks: &mut Checks, stored: &Stored) {
    if !VALIDITY_HOURS.contains(&stored.invitation_validity_hours) {
        checks.fail("invitation_validity_hours", "must be 1 to 720 hours");
    }
}

/// Resolves and checks the attached sources; the rows to store (positions from 0).
pub fn sources(
    conn: &mut DbConn,
    checks: &mut Checks,
    flow_id: &str,
    authorization: FlowAuthorization,
    given: &[FlowSourceInput],
) -> AppResult<Vec<FlowSourceRow>> {
    if given.len() > MAX_SOURCES {
        checks.fail("sources", format!("at most {MAX_SOURCES} sources"));
        return Ok(Vec::new());
    }
    let mut rows: Vec<FlowSourceRow> = Vec::with_capacity(given.len());
    for (i, attached) in given.iter().enumerate() {
        let field = |name: &str| format!("sources[{i}].{name}");
        if let Some(reason) = mode_refusal(authorization, attached) {
            let name = if reason.starts_with("verify") {
                "verify_family_name"
            } else {
                "mode"
            };
            checks.fail(&field(name), reason);
        }
        let Some(source) = source_rows::find(conn, &attached.source)? else {
            checks.fail(&field("source"), "no such identity source");
            continue;
        };
        if rows.iter().any(|r| r.source_id == source.id) {
            checks.fail(&field("source"), "is attached twice");
            continue;
        }
        rows.push(FlowSourceRow {
            flow_id: flow_id.to_owned(),
            position: i32::try_from(i).unwrap_or(i32::MAX),
            source_id: source.id,
            mode: attached.mode,
            verify_family_name: attached.verify_family_name,
        });
    }
    Ok(rows)
}

/// Why a mode cannot be used this way in a flow with this authorization, if it cannot.
fn mode_refusal(authorization: FlowAuthorization, attached: &FlowSourceInput) -> Option<String> {
    match attached.mode {
        SourceMode::Select if authorization != FlowAuthorization::Administrator => Some(
            "select is honoured only in flows whose authorization is administrator (an administrator picks the record)".into(),
        ),
        SourceMode::Authenticate | SourceMode::Identify => Some(format!(
            "{} needs OpenID Connect sign-in at the source, which this server does not offer yet",
            attached.mode
        )),
        mode if attached.verify_family_name
            && !matches!(mode, SourceMode::Search | SourceMode::SearchRequired) =>
        {
            Some("verify_family_name applies to search and search_required only".into())
        }
        _ => None,
    }
}
