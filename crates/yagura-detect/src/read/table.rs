//! CSV (and TSV) with a header line: each record's values under the
//! header's names. Quoted values may span lines; the place of a record is
//! the line it starts on.

use std::io::Read;

use crate::event::{Place, Visitor};

/// Reads CSV from `input` (delimiter `delimiter`), calling `each` with
/// each record's `(name, value)` pairs and `error` with each record that
/// cannot be read (either returns false to stop). Fails when the header
/// cannot be read or the input fails.
pub fn read<R: Read>(
    input: R,
    delimiter: u8,
    mut each: impl FnMut(Place, &[(&str, &str)]) -> bool,
    mut error: impl FnMut(Place, String) -> bool,
) -> Result<(), String> {
    let mut r = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(false)
        .has_headers(true)
        .from_reader(input);
    let headers = r
        .headers()
        .map_err(|e| format!("the header line: {e}"))?
        .clone();
    if headers.is_empty() {
        return Err("the header line is empty".into());
    }
    let mut rec = csv::StringRecord::new();
    loop {
        match r.read_record(&mut rec) {
            Ok(false) => return Ok(()),
            Ok(true) => {
                let line = rec.position().map_or(0, csv::Position::line);
                let pairs: Vec<(&str, &str)> = headers.iter().zip(rec.iter()).collect();
                if !each(Place::Line(line), &pairs) {
                    return Ok(());
                }
            }
            Err(e) => {
                let line = e.position().map_or(0, csv::Position::line);
                let msg = match e.kind() {
                    csv::ErrorKind::Utf8 { .. } => "not UTF-8".to_owned(),
                    csv::ErrorKind::UnequalLengths {
                        expected_len, len, ..
                    } => {
                        format!("{len} values where the header names {expected_len}")
                    }
                    _ => e.to_string(),
                };
                if matches!(e.kind(), csv::ErrorKind::Io(_)) {
                    return Err(e.to_string());
                }
                if !error(Place::Line(line), msg) {
                    return Ok(());
                }
            }
        }
    }
}

/// Visits one record's fields.
pub fn visit<V: Visitor + ?Sized>(fields: &[(&str, &str)], v: &mut V) {
    for (name, value) in fields {
        if !value.is_empty() {
            v.field(name, value, true);
        }
    }
}
