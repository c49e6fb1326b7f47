//! The provisioning report: every task, completed ones included, one CSV row per entry, streamed in
//! batches so that memory stays flat however many rows there are.

use bytes::Bytes;
use futures_util::Stream;

use super::today;
use crate::db::task_entries::{self as entries, ReportRow};
use crate::error::AppResult;
use crate::service::Deps;

/// Rows fetched per database round trip.
const BATCH: i64 = 1000;

const HEADER: &str = "task_number,task_created_at,operator_id,operator_name,token_type,task_start_date,task_stop_date,task_removed_at,user_id,username,display_name,entry_status,attempts,serial,emailed_to,entry_stop_date,completed_at,canceled_at\r\n";

/// One CSV field (RFC 4180 quoting; a leading `= + - @`, tab or CR is prefixed with `'` so
/// spreadsheets do not run it as a formula).
fn field(out: &mut String, value: &str) {
    let guarded = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    if guarded.contains([',', '"', '\r', '\n']) {
        out.push('"');
        out.push_str(&guarded.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(&guarded);
    }
}

fn line(row: &ReportRow, today: chrono::NaiveDate) -> String {
    let time =
        |t: Option<chrono::NaiveDateTime>| t.map(|t| t.and_utc().to_rfc3339()).unwrap_or_default();
    let fields = [
        row.task.number.to_string(),
        row.task.created_at.and_utc().to_rfc3339(),
        row.task.operator_id.clone(),
        row.task.operator_name.clone().unwrap_or_default(),
        row.task.token_type.clone(),
        row.task.start_date.to_string(),
        row.task.stop_date.to_string(),
        time(row.task.removed_at),
        row.entry.user_id.clone(),
        row.username.clone(),
        row.display_name.clone(),
        row.entry.effective_status(today).as_str().to_owned(),
        row.entry.attempts.to_string(),
        row.entry.serial.clone().unwrap_or_default(),
        row.entry.emailed_to.clone().unwrap_or_default(),
        row.entry.stop_date.to_string(),
        time(row.entry.completed_at),
        time(row.entry.canceled_at),
    ];
    let mut out = String::with_capacity(256);
    for (i, value) in fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        field(&mut out, value);
    }
    out.push_str("\r\n");
    out
}

enum Cursor {
    Start,
    After(i64, String),
    Done,
}

/// The report as a stream of CSV chunks (header first).
pub fn stream(deps: Deps) -> AppResult<impl Stream<Item = AppResult<Bytes>> + use<>> {
    let today = today(deps.clock.now());
    let header = futures_util::stream::once(async { Ok(Bytes::from_static(HEADER.as_bytes())) });
    let rows = futures_util::stream::unfold(Cursor::Start, move |cursor| {
        let deps = deps.clone();
        async move {
            let after = match cursor {
                Cursor::Done => return None,
                Cursor::Start => None,
                Cursor::After(number, id) => Some((number, id)),
            };
            let batch = deps
                .db
                .read(move |conn| {
                    entries::report_batch(conn, after, BATCH).map_err(crate::error::AppError::from)
                })
                .await;
            match batch {
                Err(error) => Some((Err(error), Cursor::Done)),
                Ok(rows) if rows.is_empty() => None,
                Ok(rows) => {
                    let next = match rows.last() {
                        Some(last) if rows.len() as i64 == BATCH => {
                            Cursor::After(last.task.number, last.entry.id.clone())
                        }
                        _ => Cursor::Done,
                    };
                    let text: String = rows.iter().map(|row| line(row, today)).collect();
                    Some((Ok(Bytes::from(text)), next))
                }
            }
        }
    });
    Ok(futures_util::StreamExt::chain(header, rows))
}

#[cfg(test)]
mod tests {
    use super::field;
    use proptest::prelude::*;

    #[test]
    fn formula_cells_are_neutralised() {
        for dangerous in ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"] {
            let mut out = String::new();
            field(&mut out, dangerous);
            assert!(
                out.strip_prefix('"').unwrap_or(&out).starts_with('\''),
                "{out:?}"
            );
        }
    }

    proptest! {
        #[test]
        fn any_cell_is_one_quoted_field(value in any::<String>()) {
            let mut out = String::new();
            field(&mut out, &value);
            let first = out.strip_prefix('"').unwrap_or(&out).chars().next();
            prop_assert!(!matches!(first, Some('=' | '+' | '-' | '@' | '\t' | '\r')));
            if out.starts_with('"') {
                let inner = &out[1..out.len() - 1];
                prop_assert!(!inner.replace("\"\"", "").contains('"'));
            } else {
                prop_assert!(!out.contains([',', '"', '\r', '\n']));
            }
        }
    }
}
