//! File sources: CSV (mapped by column name) or JSON lines (mapped by JSON pointer), kept parsed in
//! memory and read again when the file's size or modification time changes.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::SystemTime;

use super::{Lookup, SourceError, records, secrets, settings};
use crate::model::identity_sources::{
    FileFormat, FileSettings, IdentitySource, SourceMapping, SourceRecord,
};

/// The largest file read, in bytes.
const MAX_FILE: u64 = 64 * 1024 * 1024;

/// A parsed file, as of one version of it.
struct Parsed {
    version: (u64, Option<SystemTime>),
    mapping: SourceMapping,
    records: Arc<Vec<SourceRecord>>,
}

static PARSED: LazyLock<Mutex<HashMap<PathBuf, Parsed>>> = LazyLock::new(Mutex::default);

pub async fn query(
    source: &IdentitySource,
    files_dir: Option<&Path>,
    lookup: &Lookup,
) -> Result<Vec<SourceRecord>, SourceError> {
    let file = settings(source.file.as_ref(), "file")?.clone();
    let path = secrets::resolve(files_dir, &file.path)?;
    let mapping = source.mapping.clone();
    let all = tokio::task::spawn_blocking(move || current(&path, &file, &mapping))
        .await
        .map_err(|e| SourceError::Failed(e.to_string()))??;
    Ok(all.iter().filter(|r| lookup.matches(r)).cloned().collect())
}

/// The records of the file as it is now: parsed again only when it changed.
fn current(
    path: &Path,
    file: &FileSettings,
    mapping: &SourceMapping,
) -> Result<Arc<Vec<SourceRecord>>, SourceError> {
    let meta = std::fs::metadata(path).map_err(|e| {
        SourceError::Unreachable(format!("cannot read the file {:?}: {e}", file.path))
    })?;
    if meta.len() > MAX_FILE {
        return Err(SourceError::Failed(format!(
            "{:?} is over 64 MiB",
            file.path
        )));
    }
    let version = (meta.len(), meta.modified().ok());
    let known = PARSED
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(path)
        .filter(|known| known.version == version && known.mapping == *mapping)
        .map(|known| known.records.clone());
    if let Some(records) = known {
        return Ok(records);
    }
    // Read and parsed outside the lock, so one large file does not hold up queries of the others.
    let text = std::fs::read_to_string(path)
        .map_err(|e| SourceError::Failed(format!("cannot read {:?}: {e}", file.path)))?;
    let records = Arc::new(parse(&text, format_of(file), mapping, &file.path)?);
    PARSED.lock().unwrap_or_else(|e| e.into_inner()).insert(
        path.to_owned(),
        Parsed {
            version,
            mapping: mapping.clone(),
            records: records.clone(),
        },
    );
    Ok(records)
}

/// The format given, else from the extension (`.jsonl`/`.ndjson` or CSV).
fn format_of(file: &FileSettings) -> FileFormat {
    file.format.unwrap_or_else(|| {
        let lower = file.path.to_ascii_lowercase();
        if lower.ends_with(".jsonl") || lower.ends_with(".ndjson") {
            FileFormat::Jsonl
        } else {
            FileFormat::Csv
        }
    })
}

fn parse(
    text: &str,
    format: FileFormat,
    mapping: &SourceMapping,
    name: &str,
) -> Result<Vec<SourceRecord>, SourceError> {
    let failed = |line: usize, e: &dyn std::fmt::Display| {
        SourceError::Failed(format!("{name:?} line {line}: {e}"))
    };
    let mut records = Vec::new();
    match format {
        FileFormat::Jsonl => {
            for (at, line) in text
                .lines()
                .enumerate()
                .filter(|(_, l)| !l.trim().is_empty())
            {
                let value: serde_json::Value =
                    serde_json::from_str(line).map_err(|e| failed(at + 1, &e))?;
                records.extend(records::build(mapping, |f| records::json_values(&value, f)));
            }
        }
        FileFormat::Csv => {
            let mut reader = csv::ReaderBuilder::new()
                .flexible(true)
                .from_reader(text.as_bytes());
            let headers = reader.headers().map_err(|e| failed(1, &e))?.clone();
            for (at, row) in reader.records().enumerate() {
                let row = row.map_err(|e| failed(at + 2, &e))?;
                let column = |name: &str| {
                    let at = headers
                        .iter()
                        .position(|h| h.trim().eq_ignore_ascii_case(name));
                    at.and_then(|at| row.get(at))
                        .map(|v| v.trim().to_owned())
                        .filter(|v| !v.is_empty())
                        .into_iter()
                        .collect()
                };
                records.extend(records::build(mapping, column));
            }
        }
    }
    Ok(records)
}
