//! Reading a dataset's CSV export: columns found by their header names (so
//! that layouts that add, drop or reorder columns read alike), one row at a
//! time, each with the line it starts on, and every problem of a row named
//! by its column.

use std::collections::BTreeMap;
use std::io::Read;

use crate::{ImportOptions, Mapped, Outcome};

/// Something wrong with the file as a whole: nothing of it can be read.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// A column the mapping needs is not in the header.
    #[error("the header has no column {0:?} (columns: {1})")]
    MissingColumn(&'static str, String),
    /// The header cannot be read.
    #[error("line 1: {0}")]
    Header(String),
}

/// One thing wrong with a row, at a column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowProblem {
    /// The column's header name, or `(row)` for the row as a whole.
    pub column: String,
    /// What is wrong, in lower case.
    pub reason: String,
}

impl RowProblem {
    /// A problem of `column`.
    pub fn new(column: &str, reason: impl Into<String>) -> RowProblem {
        RowProblem { column: column.to_owned(), reason: reason.into() }
    }
}

/// A row of a CSV file, its fields by column name.
pub struct Row<'t> {
    columns: &'t BTreeMap<&'static str, usize>,
    fields: Vec<String>,
}

impl Row<'_> {
    /// The field of `column` (a column the table was opened with), trimmed;
    /// empty when the layout lacks an optional column.
    pub fn get(&self, column: &str) -> &str {
        self.columns.get(column).and_then(|&i| self.fields.get(i)).map_or("", |f| f.trim())
    }
}

/// A CSV file with a header row.
pub struct Table<R> {
    reader: csv::Reader<R>,
    columns: BTreeMap<&'static str, usize>,
    width: usize,
    record: csv::ByteRecord,
}

impl<R: Read> Table<R> {
    /// Reads the header of `input`, which must name every column of
    /// `required`; `optional` columns may be missing. A UTF-8 byte-order
    /// mark is skipped, as spreadsheets write one.
    pub fn open(
        input: R,
        required: &[&'static str],
        optional: &[&'static str],
    ) -> Result<Table<R>, FileError> {
        let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(input);
        let header = reader.byte_headers().map_err(|e| FileError::Header(e.to_string()))?.clone();
        let names: Vec<String> = header
            .iter()
            .enumerate()
            .map(|(i, name)| {
                let name = String::from_utf8_lossy(name);
                let name = if i == 0 { name.trim_start_matches('\u{feff}') } else { &name };
                name.trim().to_ascii_lowercase()
            })
            .collect();
        let mut columns = BTreeMap::new();
        for &column in required.iter().chain(optional) {
            match names.iter().position(|n| n == column) {
                Some(i) => {
                    columns.insert(column, i);
                }
                None if required.contains(&column) => {
                    return Err(FileError::MissingColumn(column, names.join(", ")));
                }
                None => {}
            }
        }
        Ok(Table { reader, columns, width: names.len(), record: csv::ByteRecord::new() })
    }

    /// The next row and the line it starts on; `None` at the end. A row
    /// that is not UTF-8, has too few or too many fields, or breaks the
    /// CSV syntax is a problem of that row, and reading goes on.
    pub fn next_row(&mut self) -> Option<(u64, Result<Row<'_>, RowProblem>)> {
        let read = self.reader.read_byte_record(&mut self.record);
        let line = self.record.position().map_or(0, csv::Position::line);
        match read {
            Ok(false) => None,
            Err(e) => {
                let line = e.position().map_or(line, csv::Position::line);
                Some((line, Err(RowProblem::new("(row)", e.to_string()))))
            }
            Ok(true) if self.record.len() != self.width => {
                let reason =
                    format!("has {} fields; the header has {}", self.record.len(), self.width);
                Some((line, Err(RowProblem::new("(row)", reason))))
            }
            Ok(true) => {
                let mut fields = Vec::with_capacity(self.record.len());
                for (i, field) in self.record.iter().enumerate() {
                    match std::str::from_utf8(field) {
                        Ok(text) => fields.push(text.to_owned()),
                        Err(_) => {
                            let column = self
                                .columns
                                .iter()
                                .find(|&(_, &c)| c == i)
                                .map_or(format!("column {}", i + 1), |(name, _)| {
                                    (*name).to_owned()
                                });
                            return Some((line, Err(RowProblem::new(&column, "is not UTF-8"))));
                        }
                    }
                }
                Some((line, Ok(Row { columns: &self.columns, fields })))
            }
        }
    }
}

/// The rows of a dataset's export, each mapped to what becomes of it by
/// `map` with the dataset's table `mapping`: `acled::Reader` and
/// `ucdp::Reader` are this, with their mapping.
pub struct MappedRows<'m, R, M> {
    pub(crate) table: Table<R>,
    pub(crate) mapping: &'m M,
    pub(crate) options: &'m ImportOptions,
    pub(crate) map: fn(&Row<'_>, &M, &ImportOptions) -> Outcome,
}

impl<R: Read, M> Iterator for MappedRows<'_, R, M> {
    type Item = Mapped;

    fn next(&mut self) -> Option<Mapped> {
        let (line, row) = self.table.next_row()?;
        let outcome = match row {
            Ok(row) => (self.map)(&row, self.mapping, self.options),
            Err(problem) => Outcome::Refused(vec![problem]),
        };
        Some(Mapped { line, outcome })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_keep_their_lines_and_quoted_fields() {
        let text = "\u{feff}Id,Notes,Extra\n1,\"a, b\nc\",x\n2,plain\n3,\"ok\",y\n";
        let mut table = Table::open(text.as_bytes(), &["id", "notes"], &["tags"]).expect("opens");
        let (line, row) = table.next_row().expect("a row");
        let row = row.expect("valid");
        assert_eq!(
            (line, row.get("id"), row.get("notes"), row.get("tags")),
            (2, "1", "a, b\nc", "")
        );
        let (line, row) = table.next_row().expect("a row");
        assert_eq!(line, 4);
        assert_eq!(row.err().map(|p| p.column), Some("(row)".to_owned()));
        let (line, row) = table.next_row().expect("a row");
        assert_eq!((line, row.expect("valid").get("id")), (5, "3"));
        assert!(table.next_row().is_none());
    }

    #[test]
    fn a_missing_required_column_is_named() {
        let error = Table::open("id,notes\n".as_bytes(), &["id", "latitude"], &[])
            .err()
            .expect("refused")
            .to_string();
        assert!(error.contains("\"latitude\""), "{error}");
    }
}
