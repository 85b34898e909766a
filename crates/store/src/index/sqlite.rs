//! The query index in SQLite: one file, an R*Tree for place and time.

use std::path::Path;

use rusqlite::{Connection, OptionalExtension as _, Transaction, TransactionBehavior, params};
use truce_entry::{Entry, EntryType, Identifier, Report, Sha256Hex, Source, SourceAction};
use truce_log::Hash;

use super::{
    EntryRow, IndexError, IndexedEntry, QueryIndex, ReportFilter, SourceRow, check_origin, to_i64,
    to_u64,
};

/// The version of [`SCHEMA`], kept in SQLite's `user_version`. An index of
/// another version is dropped and rebuilt from the log: it is derived.
const SCHEMA_VERSION: i64 = 5;

/// The tables of every version, to drop an index of another version.
const TABLES: [&str; 8] = [
    "meta",
    "entries",
    "reports",
    "report_targets",
    "report_places",
    "sources",
    "agreements",
    "evidence",
];

/// Where a report without a time sits on the time axis of
/// `report_places`: everywhere (a time filter then drops it, as it does
/// elsewhere). Within the R*Tree's 32-bit floats.
const ALL_TIME: (f64, f64) = (-1e38, 1e38);

const SCHEMA: &str = "
    CREATE TABLE IF NOT EXISTS meta (
        key TEXT PRIMARY KEY,
        value INTEGER,
        bytes BLOB
    );
    CREATE TABLE IF NOT EXISTS entries (
        idx INTEGER PRIMARY KEY,
        type TEXT NOT NULL,
        source TEXT NOT NULL,
        local_id TEXT,
        leaf BLOB NOT NULL,
        json TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS entries_by_type ON entries (type, idx);
    CREATE UNIQUE INDEX IF NOT EXISTS entries_by_local_id
        ON entries (source, type, local_id) WHERE local_id IS NOT NULL;
    CREATE TABLE IF NOT EXISTS reports (
        idx INTEGER PRIMARY KEY,
        source TEXT NOT NULL,
        t_from INTEGER,
        t_to INTEGER,
        lat REAL,
        lon REAL,
        event TEXT,
        party TEXT,
        superseded_by INTEGER
    );
    -- Version 4 had an index on t_from that no query plan used (a time
    -- range alone scans in log order to fill its page; with a place, the
    -- R*Tree's time axis decides): a test now keeps every index useful.
    DROP INDEX IF EXISTS reports_by_time;
    CREATE INDEX IF NOT EXISTS reports_by_source ON reports (source, idx);
    CREATE INDEX IF NOT EXISTS reports_by_event ON reports (event, idx);
    CREATE INDEX IF NOT EXISTS reports_by_party ON reports (party, idx);
    CREATE TABLE IF NOT EXISTS report_targets (
        category TEXT NOT NULL,
        idx INTEGER NOT NULL,
        PRIMARY KEY (category, idx)
    ) WITHOUT ROWID;
    CREATE VIRTUAL TABLE IF NOT EXISTS report_places USING rtree (
        idx, min_lon, max_lon, min_lat, max_lat, min_t, max_t,
        +lon, +lat, +t_from, +t_to
    );
    CREATE TABLE IF NOT EXISTS sources (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        role TEXT NOT NULL,
        organisation TEXT NOT NULL,
        party TEXT,
        reliability TEXT NOT NULL,
        key TEXT NOT NULL,
        registered_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        revoked_at INTEGER
    );
    CREATE TABLE IF NOT EXISTS evidence (
        idx INTEGER PRIMARY KEY,
        sha256 TEXT NOT NULL,
        source TEXT NOT NULL,
        size INTEGER NOT NULL
    );
    CREATE INDEX IF NOT EXISTS evidence_by_sha256 ON evidence (sha256, idx);
    CREATE INDEX IF NOT EXISTS evidence_by_source ON evidence (source);
    CREATE TABLE IF NOT EXISTS agreements (
        idx INTEGER PRIMARY KEY,
        agreement TEXT NOT NULL,
        in_force_from INTEGER NOT NULL,
        in_force_to INTEGER,
        superseded_by INTEGER
    );
";

/// The entry of a source with a local id, of one type.
const BY_LOCAL_ID: &str =
    "SELECT idx, leaf FROM entries WHERE source = ?1 AND type = ?2 AND local_id = ?3";

/// One entry, with what supersedes it.
const ENTRY: &str = "SELECT e.idx, e.type, e.source, e.leaf, e.json,
                    COALESCE(r.superseded_by, a.superseded_by)
             FROM entries e
             LEFT JOIN reports r ON r.idx = e.idx
             LEFT JOIN agreements a ON a.idx = e.idx
             WHERE e.idx = ?1";

/// The indices of the source entries.
const SOURCE_ENTRIES: &str = "SELECT idx FROM entries WHERE type = 'truce.source/v1' ORDER BY idx";

/// The entries in a range of indices.
const ENTRIES_BETWEEN: &str =
    "SELECT idx, source, json FROM entries WHERE idx >= ?1 AND idx < ?2 ORDER BY idx";

/// The agreements no other supersedes.
const AGREEMENT_ROOTS: &str = "SELECT idx FROM agreements WHERE idx NOT IN
                (SELECT superseded_by FROM agreements WHERE superseded_by IS NOT NULL)
             ORDER BY idx";

/// A page of the entries of one type.
const ENTRIES_OF_TYPE: &str = "SELECT e.idx, e.type, e.source, e.leaf, e.json,
                    COALESCE(r.superseded_by, a.superseded_by)
             FROM entries e
             LEFT JOIN reports r ON r.idx = e.idx
             LEFT JOIN agreements a ON a.idx = e.idx
             WHERE e.type = ?1 AND e.idx > ?2 ORDER BY e.idx LIMIT ?3";

/// The evidence entries naming one file.
const EVIDENCE: &str = "SELECT e.idx, e.type, e.source, e.leaf, e.json, NULL
             FROM evidence v JOIN entries e ON e.idx = v.idx
             WHERE v.sha256 = ?1 ORDER BY v.idx";

/// The bytes of evidence one source logged.
const EVIDENCE_BYTES: &str = "SELECT COALESCE(SUM(size), 0) FROM evidence WHERE source = ?1";

/// The sources.
const SOURCES: &str = "SELECT id, name, role, organisation, party, reliability, key,
                    registered_at, updated_at, revoked_at
             FROM sources ORDER BY id";

/// The query index of one log in an SQLite file.
#[derive(Debug)]
pub struct SqliteIndex {
    db: Connection,
}

impl SqliteIndex {
    /// Opens (or creates) the index at `path` of the log `origin`.
    pub fn open(path: &Path, origin: &str) -> Result<SqliteIndex, IndexError> {
        let db = Connection::open(path)?;
        db.pragma_update(None, "journal_mode", "WAL")?;
        db.pragma_update(None, "synchronous", "NORMAL")?;
        db.busy_timeout(std::time::Duration::from_secs(5))?;
        // One connection at a time checks the version and builds the
        // schema.
        let tx = rusqlite::Transaction::new_unchecked(&db, TransactionBehavior::Immediate)?;
        let version: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if version != SCHEMA_VERSION {
            for table in TABLES {
                tx.execute_batch(&format!("DROP TABLE IF EXISTS {table}"))?;
            }
            tx.execute_batch(&format!("PRAGMA user_version = {SCHEMA_VERSION}"))?;
        }
        tx.execute_batch(SCHEMA)?;
        let found: Option<Vec<u8>> = tx
            .query_row("SELECT bytes FROM meta WHERE key = 'origin'", [], |r| r.get(0))
            .optional()?;
        match found {
            Some(found) => check_origin(Some(&found), origin)?,
            None => {
                tx.execute(
                    "INSERT INTO meta (key, bytes) VALUES ('origin', ?1)",
                    params![origin.as_bytes()],
                )?;
            }
        }
        tx.commit()?;
        Ok(SqliteIndex { db })
    }

    /// Opens the index at `path` of the log `origin` to read it only:
    /// nothing is created or dropped (a server of another version must not
    /// drop the sequencer's index). An index of another version, or of
    /// another log, is refused.
    pub fn open_reader(path: &Path, origin: &str) -> Result<SqliteIndex, IndexError> {
        use rusqlite::OpenFlags;
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let db =
            Connection::open_with_flags(path, flags).map_err(|e| match e.sqlite_error_code() {
                Some(rusqlite::ErrorCode::CannotOpen) => IndexError::Missing,
                _ => IndexError::Sqlite(e),
            })?;
        db.busy_timeout(std::time::Duration::from_secs(5))?;
        let version: i64 = db.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if version != SCHEMA_VERSION {
            return Err(IndexError::Version { found: version, expected: SCHEMA_VERSION });
        }
        let index = SqliteIndex { db };
        check_origin(index.meta_bytes("origin")?.as_deref(), origin)?;
        Ok(index)
    }

    /// A meta value's bytes.
    fn meta_bytes(&self, key: &str) -> Result<Option<Vec<u8>>, IndexError> {
        let bytes: Option<Option<Vec<u8>>> = self
            .db
            .prepare_cached("SELECT bytes FROM meta WHERE key = ?1")?
            .query_row(params![key], |r| r.get(0))
            .optional()?;
        Ok(bytes.flatten())
    }
}

fn set_meta_bytes(db: &Connection, key: &str, bytes: &[u8]) -> Result<(), IndexError> {
    db.prepare_cached(
        "INSERT INTO meta (key, bytes) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET bytes = excluded.bytes",
    )?
    .execute(params![key, bytes])?;
    Ok(())
}

impl QueryIndex for SqliteIndex {
    fn indexed_size(&self) -> Result<u64, IndexError> {
        let size: Option<i64> = self
            .db
            .query_row("SELECT value FROM meta WHERE key = 'indexed_size'", [], |r| r.get(0))
            .optional()?;
        Ok(to_u64(size.unwrap_or(0)))
    }

    fn checkpoint(&self) -> Result<Option<Vec<u8>>, IndexError> {
        self.meta_bytes("checkpoint")
    }

    fn witnessed(&self) -> Result<Option<Vec<u8>>, IndexError> {
        self.meta_bytes("witnessed")
    }

    fn set_witnessed(&mut self, note: &[u8]) -> Result<(), IndexError> {
        let tx = self.db.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let stored: Option<Option<Vec<u8>>> = tx
            .query_row("SELECT bytes FROM meta WHERE key = 'witnessed'", [], |r| r.get(0))
            .optional()?;
        if super::newer_note(stored.flatten().as_deref(), note) {
            set_meta_bytes(&tx, "witnessed", note)?;
        }
        Ok(tx.commit()?)
    }

    fn clear(&mut self) -> Result<(), IndexError> {
        // One transaction: a crash half-way must not leave rows behind a
        // size of zero (the rebuild would then insert them twice).
        let tx = self.db.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute_batch(
            "DELETE FROM meta WHERE key <> 'origin'; DELETE FROM entries; DELETE FROM reports;
             DELETE FROM report_targets; DELETE FROM report_places;
             DELETE FROM sources; DELETE FROM agreements; DELETE FROM evidence;",
        )?;
        Ok(tx.commit()?)
    }

    fn apply(
        &mut self,
        entries: &[IndexedEntry<'_>],
        covered: u64,
        checkpoint: Option<&[u8]>,
    ) -> Result<(), IndexError> {
        // Immediate: the size is read and moved on under one write lock,
        // so two writers (a sequencer that lost its lease and the one that
        // took over) cannot both append after it.
        let tx = self.db.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let indexed: Option<i64> = tx
            .query_row("SELECT value FROM meta WHERE key = 'indexed_size'", [], |r| r.get(0))
            .optional()?;
        let mut next = to_u64(indexed.unwrap_or(0));
        if covered < next {
            return Err(IndexError::OutOfOrder { covered: next, index: covered });
        }
        for entry in entries {
            if entry.index < next || entry.index >= covered {
                return Err(IndexError::OutOfOrder { covered: next, index: entry.index });
            }
            apply_entry(&tx, entry)?;
            next = entry.index + 1;
        }
        tx.execute(
            "INSERT INTO meta (key, value) VALUES ('indexed_size', ?1)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![to_i64(covered)],
        )?;
        if let Some(checkpoint) = checkpoint {
            set_meta_bytes(&tx, "checkpoint", checkpoint)?;
        }
        tx.commit()?;
        Ok(())
    }

    fn by_local_id(
        &self,
        source: &str,
        entry_type: EntryType,
        local_id: &str,
    ) -> Result<Option<(u64, Hash)>, IndexError> {
        let row: Option<(i64, Vec<u8>)> = self
            .db
            .prepare_cached(BY_LOCAL_ID)?
            .query_row(params![source, entry_type.as_str(), local_id], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?;
        row.map(|(i, leaf)| Ok((to_u64(i), leaf_of(&leaf, 1)?))).transpose()
    }

    fn entry(&self, index: u64) -> Result<Option<EntryRow>, IndexError> {
        let mut query = self.db.prepare_cached(ENTRY)?;
        Ok(query.query_row(params![to_i64(index)], entry_row).optional()?)
    }

    fn source_entries(&self) -> Result<Vec<u64>, IndexError> {
        let mut query = self.db.prepare_cached(SOURCE_ENTRIES)?;
        let rows = query.query_map([], |r| r.get::<_, i64>(0))?;
        Ok(rows.map(|r| r.map(to_u64)).collect::<Result<_, _>>()?)
    }

    fn reports(&self, filter: &ReportFilter) -> Result<Vec<EntryRow>, IndexError> {
        let (sql, args) = reports_query(filter);
        let mut query = self.db.prepare_cached(&sql)?;
        let rows = query.query_map(rusqlite::params_from_iter(args), entry_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn entries_between(
        &self,
        from: u64,
        to: u64,
    ) -> Result<Vec<(u64, String, String)>, IndexError> {
        let mut query = self.db.prepare_cached(ENTRIES_BETWEEN)?;
        let bounds = (to_i64(from), to_i64(to));
        let rows = query.query_map(bounds, |r| Ok((to_u64(r.get(0)?), r.get(1)?, r.get(2)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn agreement_roots(&self) -> Result<Vec<u64>, IndexError> {
        let mut query = self.db.prepare_cached(AGREEMENT_ROOTS)?;
        let rows = query.query_map([], |r| r.get::<_, i64>(0))?;
        Ok(rows.map(|r| r.map(to_u64)).collect::<Result<_, _>>()?)
    }

    fn entries_of_type(
        &self,
        entry_type: EntryType,
        after: Option<u64>,
        limit: u32,
    ) -> Result<Vec<EntryRow>, IndexError> {
        let mut query = self.db.prepare_cached(ENTRIES_OF_TYPE)?;
        let rows = query.query_map(
            params![entry_type.as_str(), after.map_or(-1, to_i64), i64::from(limit)],
            entry_row,
        )?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn evidence(&self, sha256: &Sha256Hex) -> Result<Vec<EntryRow>, IndexError> {
        let mut query = self.db.prepare_cached(EVIDENCE)?;
        let rows = query.query_map(params![sha256.to_string()], entry_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn evidence_bytes(&self, source: &str) -> Result<u64, IndexError> {
        let sum: i64 =
            self.db.prepare_cached(EVIDENCE_BYTES)?.query_row(params![source], |r| r.get(0))?;
        Ok(to_u64(sum))
    }

    fn sources(&self) -> Result<Vec<SourceRow>, IndexError> {
        let mut query = self.db.prepare_cached(SOURCES)?;
        let rows = query.query_map([], |r| {
            Ok(SourceRow {
                id: r.get(0)?,
                name: r.get(1)?,
                role: r.get(2)?,
                organisation: r.get(3)?,
                party: r.get(4)?,
                reliability: r.get(5)?,
                key: r.get(6)?,
                registered_at: to_u64(r.get(7)?),
                updated_at: to_u64(r.get(8)?),
                revoked_at: r.get::<_, Option<i64>>(9)?.map(to_u64),
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

/// The query of [`QueryIndex::reports`] for `filter`, with its arguments.
fn reports_query(filter: &ReportFilter) -> (String, Vec<rusqlite::types::Value>) {
    // The matching indices first, then the entries of the page only:
    // sorting whole rows would carry every candidate's JSON along.
    let mut args: Vec<rusqlite::types::Value> = vec![filter.after.map_or(-1, to_i64).into()];
    let mut arg = |value: rusqlite::types::Value| {
        args.push(value);
        args.len()
    };
    let mut conditions = Vec::new();
    let by_column = filter.event.is_some() || filter.source.is_some() || filter.party.is_some();
    let (from, key) = if let Some([min_lon, min_lat, max_lon, max_lat]) = filter.bbox {
        // The R*Tree alone, by place and, when asked, by time. Its
        // boxes are 32-bit floats rounded outwards: the exact tests on
        // the place and time it keeps beside them decide. The reports
        // only when a filter needs their columns (CROSS JOIN keeps
        // SQLite from walking them in log order instead).
        let (a, b, c, d) =
            (arg(min_lon.into()), arg(max_lon.into()), arg(min_lat.into()), arg(max_lat.into()));
        conditions.push(format!(
            "p.max_lon >= ?{a} AND p.min_lon <= ?{b} AND p.max_lat >= ?{c} AND p.min_lat <= ?{d}
             AND p.lon BETWEEN ?{a} AND ?{b} AND p.lat BETWEEN ?{c} AND ?{d}"
        ));
        if let Some((from, to)) = filter.time {
            let (a, b) = (arg((from as f64).into()), arg((to as f64).into()));
            let (c, d) = (arg(from.into()), arg(to.into()));
            conditions.push(format!(
                "p.max_t >= ?{a} AND p.min_t <= ?{b} AND p.t_to >= ?{c} AND p.t_from <= ?{d}"
            ));
        }
        let from = if by_column {
            "report_places p CROSS JOIN reports r ON r.idx = p.idx"
        } else {
            "report_places p"
        };
        (from, "p.idx")
    } else {
        if let Some((from, to)) = filter.time {
            let (a, b) = (arg(from.into()), arg(to.into()));
            conditions.push(format!("r.t_to >= ?{a} AND r.t_from <= ?{b}"));
        }
        ("reports r", "r.idx")
    };
    conditions.push(format!("{key} > ?1"));
    if let Some(target) = &filter.target {
        let n = arg(target.clone().into());
        conditions.push(format!("{key} IN (SELECT idx FROM report_targets WHERE category = ?{n})"));
    }
    for (column, value) in
        [("r.event", &filter.event), ("r.source", &filter.source), ("r.party", &filter.party)]
    {
        if let Some(value) = value {
            let n = arg(value.clone().into());
            conditions.push(format!("{column} = ?{n}"));
        }
    }
    let limit = arg(i64::from(filter.limit).into());
    let sql = format!(
        "SELECT {key} AS idx FROM {from} WHERE {} ORDER BY {key} LIMIT ?{limit}",
        conditions.join(" AND ")
    );
    let sql = format!(
        "SELECT e.idx, e.type, e.source, e.leaf, e.json, r.superseded_by
         FROM ({sql}) page JOIN reports r ON r.idx = page.idx JOIN entries e ON e.idx = page.idx
         ORDER BY page.idx"
    );
    (sql, args)
}

/// A leaf hash from column `column`.
fn leaf_of(bytes: &[u8], column: usize) -> rusqlite::Result<Hash> {
    Hash::from_slice(bytes).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(column, rusqlite::types::Type::Blob, Box::new(e))
    })
}

fn entry_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<EntryRow> {
    let leaf: Vec<u8> = r.get(3)?;
    Ok(EntryRow {
        index: to_u64(r.get(0)?),
        entry_type: r.get(1)?,
        source: r.get(2)?,
        leaf: leaf_of(&leaf, 3)?,
        json: r.get(4)?,
        superseded_by: r.get::<_, Option<i64>>(5)?.map(to_u64),
    })
}

fn apply_entry(tx: &Transaction<'_>, e: &IndexedEntry<'_>) -> Result<(), IndexError> {
    let index = to_i64(e.index);
    tx.prepare_cached(
        "INSERT INTO entries (idx, type, source, local_id, leaf, json) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        index,
        e.entry.entry_type().as_str(),
        e.source.as_str(),
        e.entry.local_id().map(Identifier::as_str),
        &e.leaf.0[..],
        e.json
    ])?;
    match e.entry {
        Entry::Report(report) => apply_report(tx, index, e.source, report)?,
        Entry::Source(source) => apply_source(tx, index, source)?,
        Entry::Evidence(evidence) => {
            tx.prepare_cached(
                "INSERT INTO evidence (idx, sha256, source, size) VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![
                index,
                evidence.sha256.to_string(),
                e.source.as_str(),
                to_i64(evidence.size.0)
            ])?;
        }
        Entry::Agreement(agreement) => {
            tx.prepare_cached(
                "INSERT INTO agreements (idx, agreement, in_force_from, in_force_to)
                 VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![
                index,
                agreement.agreement.as_str(),
                agreement.in_force.from.instant().as_second(),
                agreement.in_force.to.as_ref().map(|t| t.instant().as_second()),
            ])?;
            if let Some(old) = agreement.supersedes {
                tx.execute(
                    "UPDATE agreements SET superseded_by = ?1 WHERE idx = ?2",
                    params![index, to_i64(old.0)],
                )?;
            }
        }
        _ => {}
    }
    Ok(())
}

fn apply_report(
    tx: &Transaction<'_>,
    index: i64,
    source: &Identifier,
    report: &Report,
) -> Result<(), IndexError> {
    let (t_from, t_to) = match &report.time {
        Some(t) => (Some(t.from.instant().as_second()), Some(t.to.instant().as_second())),
        None => (None, None),
    };
    let place = report.location.as_ref().map(|l| (l.lat.0, l.lon.0, l.uncertainty_m.0));
    tx.prepare_cached(
        "INSERT INTO reports (idx, source, t_from, t_to, lat, lon, event, party)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        index,
        source.as_str(),
        t_from,
        t_to,
        place.map(|p| p.0),
        place.map(|p| p.1),
        report.event.map(|k| k.as_str()),
        report.perpetrator.as_ref().and_then(|p| p.party.as_ref()).map(|p| p.as_str()),
    ])?;
    if let Some((lat, lon, _)) = place {
        // The point itself: a bounding-box search finds reports located in
        // the box, as the API documents. With the report's time, so that a
        // search by place and time walks one tree.
        let (t_min, t_max) = match (t_from, t_to) {
            (Some(from), Some(to)) => (from as f64, to as f64),
            _ => ALL_TIME,
        };
        tx.prepare_cached(
            "INSERT INTO report_places
                (idx, min_lon, max_lon, min_lat, max_lat, min_t, max_t, lon, lat, t_from, t_to)
             VALUES (?1, ?2, ?2, ?3, ?3, ?4, ?5, ?2, ?3, ?6, ?7)",
        )?
        .execute(params![index, lon, lat, t_min, t_max, t_from, t_to])?;
    }
    for target in &report.targets {
        tx.prepare_cached("INSERT OR IGNORE INTO report_targets (category, idx) VALUES (?1, ?2)")?
            .execute(params![target.category.as_str(), index])?;
    }
    if let Some(old) = report.supersedes {
        tx.execute(
            "UPDATE reports SET superseded_by = ?1 WHERE idx = ?2",
            params![index, to_i64(old.0)],
        )?;
    }
    Ok(())
}

fn apply_source(tx: &Transaction<'_>, index: i64, source: &Source) -> Result<(), IndexError> {
    match source.action {
        SourceAction::Revoke => {
            tx.execute(
                "UPDATE sources SET revoked_at = ?1 WHERE id = ?2",
                params![index, source.source.as_str()],
            )?;
        }
        _ => {
            tx.execute(
                "INSERT INTO sources (id, name, role, organisation, party, reliability, key,
                                      registered_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)
                 ON CONFLICT (id) DO UPDATE SET
                    name = excluded.name, role = excluded.role,
                    organisation = excluded.organisation, party = excluded.party,
                    reliability = excluded.reliability, key = excluded.key,
                    updated_at = excluded.updated_at",
                params![
                    source.source.as_str(),
                    source.name.as_ref().map(|n| n.as_str()).unwrap_or_default(),
                    source.role.map(|r| r.as_str()).unwrap_or_default(),
                    source.organisation.as_ref().map(|o| o.as_str()).unwrap_or_default(),
                    source.party.as_ref().map(|p| p.as_str()),
                    source.reliability.map(|r| r.as_str()).unwrap_or_default(),
                    source.key.as_ref().map(|k| k.0.to_string()).unwrap_or_default(),
                    index,
                ],
            )?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use rusqlite::types::Value;

    use super::*;

    /// The indexes the plan of `sql` reads.
    fn indexes_used(db: &Connection, sql: &str, args: Vec<Value>) -> BTreeSet<String> {
        let mut plan = db.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).expect("plans");
        let details = plan
            .query_map(rusqlite::params_from_iter(args), |r| r.get::<_, String>(3))
            .expect("runs")
            .collect::<Result<Vec<_>, _>>()
            .expect("reads");
        details
            .iter()
            .filter_map(|detail| detail.split("INDEX ").nth(1))
            .filter_map(|rest| rest.split_whitespace().next())
            // An R*Tree names its search strategy ("2:D1B0"), not an index.
            .filter(|name| !name.contains(':'))
            .map(str::to_owned)
            .collect()
    }

    /// Every index of the schema serves the plan of a query the index
    /// makes: none is written for every entry and read by nothing.
    #[test]
    fn every_index_of_the_schema_serves_a_query() {
        let dir = tempfile::tempdir().expect("dir");
        let index = SqliteIndex::open(&dir.path().join("index.sqlite"), "o").expect("opens");
        let db = &index.db;
        let text = |s: &str| Value::Text(s.into());
        let mut used = BTreeSet::new();
        let filters = [
            ReportFilter::default(),
            ReportFilter { time: Some((0, 1)), ..Default::default() },
            ReportFilter { bbox: Some([0.0, 0.0, 1.0, 1.0]), ..Default::default() },
            ReportFilter {
                bbox: Some([0.0, 0.0, 1.0, 1.0]),
                time: Some((0, 1)),
                ..Default::default()
            },
            ReportFilter { event: Some("artillery".into()), ..Default::default() },
            ReportFilter { source: Some("s".into()), ..Default::default() },
            ReportFilter { party: Some("p".into()), ..Default::default() },
            ReportFilter { target: Some("civilian".into()), ..Default::default() },
        ];
        for filter in &filters {
            let (sql, args) = reports_query(filter);
            used.extend(indexes_used(db, &sql, args));
        }
        let fixed: [(&str, Vec<Value>); 9] = [
            (BY_LOCAL_ID, vec![text("s"), text("truce.report/v1"), text("id")]),
            (ENTRY, vec![Value::Integer(1)]),
            (SOURCE_ENTRIES, vec![]),
            (ENTRIES_BETWEEN, vec![Value::Integer(0), Value::Integer(9)]),
            (AGREEMENT_ROOTS, vec![]),
            (ENTRIES_OF_TYPE, vec![text("truce.report/v1"), Value::Integer(-1), Value::Integer(9)]),
            (SOURCES, vec![]),
            (EVIDENCE, vec![text("ab")]),
            (EVIDENCE_BYTES, vec![text("s")]),
        ];
        for (sql, args) in fixed {
            used.extend(indexes_used(db, sql, args));
        }
        let mut all = db
            .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")
            .expect("lists");
        let all: BTreeSet<String> = all
            .query_map([], |r| r.get(0))
            .expect("runs")
            .collect::<Result<_, _>>()
            .expect("reads");
        let unused: Vec<_> = all.difference(&used).collect();
        assert!(unused.is_empty(), "indexes no query uses: {unused:?} (used: {used:?})");
    }
}
