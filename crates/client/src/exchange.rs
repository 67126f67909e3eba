//! Export to JSON/CSV and all-or-nothing CSV import. Exports never contain reporters' names or
//! phones: they are for sharing.

use citizens_store::Error as StoreError;
use std::io::{Read, Write};

use citizens_core::grievance::Grievance;
use serde::Serialize;

use crate::cases::CaseRow;
use crate::GrievanceInput;
use crate::{Client, Error, Result};

/// A wrong row in an import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportError {
    /// Row number, 1 = the first row after the header.
    pub row: usize,
    /// What is wrong.
    pub message: String,
}

/// Why an import stored nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    /// Every wrong row.
    pub errors: Vec<ImportError>,
}

impl std::fmt::Display for ImportReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "nothing was imported; {} row(s) need fixing:",
            self.errors.len()
        )?;
        for e in &self.errors {
            write!(f, "\n  row {}: {}", e.row, e.message)?;
        }
        Ok(())
    }
}

const BOOL_FIELDS: [&str; 6] = [
    "reporter_disability",
    "anonymous",
    "seal_identity",
    "consent_purpose_explained",
    "consent_share_with_agency",
    "consent_may_contact",
];

fn normalise_bool(text: &str) -> Option<&'static str> {
    match text.trim().to_ascii_lowercase().as_str() {
        "" => Some(""),
        "yes" | "y" | "true" | "1" | "x" => Some("true"),
        "no" | "n" | "false" | "0" => Some("false"),
        _ => None,
    }
}

impl Client {
    fn export_rows(&self) -> Result<Vec<CaseRow>> {
        self.store
            .grievance_ids()?
            .iter()
            .map(|id| Ok(self.open_case(id)?.row))
            .collect()
    }

    /// Every case as pretty JSON (no names or phones).
    pub fn export_json(&self, out: impl Write) -> Result<usize> {
        let rows = self.export_rows()?;
        serde_json::to_writer_pretty(out, &rows).map_err(|e| StoreError::Io(e.into()))?;
        Ok(rows.len())
    }

    /// Every case as CSV (no names or phones), every text a spreadsheet shows as written.
    pub fn export_csv(&self, out: impl Write) -> Result<usize> {
        let rows = self.export_rows()?;
        let mut writer = csv::Writer::from_writer(out);
        for row in rows.iter().map(CaseRow::inert) {
            writer.serialize(row).map_err(csv_error)?;
        }
        writer.flush()?;
        Ok(rows.len())
    }

    /// Import cases from CSV. `mapping` renames source columns to field names
    /// (e.g. `("Complaint", "narrative")`). All rows land, or none.
    pub fn import_csv(
        &mut self,
        input: impl Read,
        mapping: &[(String, String)],
    ) -> std::result::Result<Vec<Grievance>, ImportReport> {
        let report = |row, message: String| ImportReport {
            errors: vec![ImportError { row, message }],
        };
        let mut reader = csv::ReaderBuilder::new()
            .flexible(false)
            .trim(csv::Trim::All)
            .from_reader(input);
        let headers = reader
            .headers()
            .map_err(|e| report(0, format!("the header row cannot be read: {e}")))?
            .clone();
        let known: Vec<String> = serde_json::to_value(GrievanceInput::default())
            .ok()
            .and_then(|v| v.as_object().map(|o| o.keys().cloned().collect()))
            .unwrap_or_default();
        let mut renamed = csv::StringRecord::new();
        for header in &headers {
            let name = mapping
                .iter()
                .find(|(from, _)| from.eq_ignore_ascii_case(header))
                .map_or(header, |(_, to)| to.as_str());
            if !known.iter().any(|k| k == name) {
                return Err(report(0, format!("column '{header}' is not a field; map it with --map '{header}=FIELD' (fields: {})", known.join(", "))));
            }
            renamed.push_field(name);
        }
        let mut inputs = Vec::new();
        let mut errors = Vec::new();
        for (i, record) in reader.records().enumerate() {
            let row = i + 1;
            let record = match record {
                Ok(r) => r,
                Err(e) => {
                    errors.push(ImportError {
                        row,
                        message: format!("cannot be read: {e}"),
                    });
                    continue;
                }
            };
            let mut fixed = csv::StringRecord::new();
            let mut bad_bool = None;
            for (name, value) in renamed.iter().zip(record.iter()) {
                if BOOL_FIELDS.contains(&name) {
                    match normalise_bool(value) {
                        Some(v) => fixed.push_field(v),
                        None => {
                            bad_bool = Some(format!("{name}: '{value}' is not yes or no"));
                            fixed.push_field("");
                        }
                    }
                } else {
                    fixed.push_field(value);
                }
            }
            if let Some(message) = bad_bool {
                errors.push(ImportError { row, message });
                continue;
            }
            match fixed.deserialize::<GrievanceInput>(Some(&renamed)) {
                Ok(input) => inputs.push((row, input)),
                Err(e) => errors.push(ImportError {
                    row,
                    message: e.to_string(),
                }),
            }
        }
        let (rows, inputs): (Vec<usize>, Vec<GrievanceInput>) = inputs.into_iter().unzip();
        if !errors.is_empty() {
            // Nothing is stored: report what is wrong with the other rows too.
            for (row, input) in rows.iter().zip(&inputs) {
                if let Err(e) = self.check_capture(input) {
                    errors.push(ImportError {
                        row: *row,
                        message: e.to_string(),
                    });
                }
            }
            errors.sort_by_key(|e| e.row);
            return Err(ImportReport { errors });
        }
        match self.capture_all(&inputs) {
            Ok(stored) => Ok(stored),
            Err(mut checked) => {
                for e in &mut checked.errors {
                    e.row = rows.get(e.row.wrapping_sub(1)).copied().unwrap_or(e.row);
                }
                errors.extend(checked.errors);
                errors.sort_by_key(|e| e.row);
                Err(ImportReport { errors })
            }
        }
    }
}

fn csv_error(e: csv::Error) -> Error {
    std::io::Error::other(e).into()
}
