//! Every row of every table as text, for tests that must show a request changed nothing at all.

use diesel::RunQueryDsl;
use diesel::sql_types::Text;

use crate::TestServer;

#[derive(diesel::QueryableByName)]
struct Line {
    #[diesel(sql_type = Text)]
    line: String,
}

impl TestServer {
    /// Every table (found in the database's catalogue, so a new table is included without listing
    /// it), each row as one line, the rows of a table sorted.
    pub fn dump(&self) -> String {
        let mut conn = self.database();
        let postgres = matches!(conn, enrolld::db::DbConn::Postgresql(_));
        let catalogue = if postgres {
            "SELECT CAST(table_name AS TEXT) AS line FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1"
        } else {
            "SELECT name AS line FROM sqlite_master \
             WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY 1"
        };
        let tables: Vec<Line> = diesel::sql_query(catalogue).load(&mut conn).unwrap();
        let mut out = String::new();
        for table in tables.into_iter().map(|t| t.line) {
            let query = if postgres {
                format!("SELECT CAST(row_to_json(t) AS TEXT) AS line FROM \"{table}\" t")
            } else {
                sqlite_rows(&mut conn, &table)
            };
            let mut rows: Vec<String> = diesel::sql_query(query)
                .load::<Line>(&mut conn)
                .unwrap()
                .into_iter()
                .map(|row| row.line)
                .collect();
            rows.sort();
            out.push_str(&format!("== {table} ({} rows)\n", rows.len()));
            for row in rows {
                out.push_str(&row);
                out.push('\n');
            }
        }
        out
    }
}

/// A query giving each row of a SQLite table as one line, every column quoted (`quote()` keeps
/// NULL, numbers, text and blobs apart).
fn sqlite_rows(conn: &mut enrolld::db::DbConn, table: &str) -> String {
    let columns: Vec<Line> = diesel::sql_query(format!(
        "SELECT name AS line FROM pragma_table_info('{table}')"
    ))
    .load(conn)
    .unwrap();
    let parts: Vec<String> = columns
        .iter()
        .map(|c| format!("quote(\"{}\")", c.line))
        .collect();
    format!(
        "SELECT {} AS line FROM \"{table}\"",
        parts.join(" || '|' || ")
    )
}
