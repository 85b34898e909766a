//! The query index in PostgreSQL with PostGIS: one index shared by every
//! server of a deployment.
//!
//! The tables live in the connection's current schema (the first of its
//! `search_path`), named `index_*` so that the dedup index and the
//! sequencer lock can share the schema. PostGIS must be installed in the
//! database and reachable through the `search_path`: creating an extension
//! takes privileges a server should not hold.
//!
//! How a search by place and time is served: a report's place and time
//! window, taken together, are a segment in three dimensions (longitude,
//! latitude, seconds), from the place at the window's start to the place at
//! its end. One n-dimensional GiST index of those segments (PostGIS's
//! `gist_geometry_ops_nd`) is an R-tree over place and time, like the
//! SQLite index's R*Tree, and serves searches by place, by time and by
//! both. Measured over a million reports clustered on a few cities, it
//! kept a search of a box and a few days fast however large the box: a
//! multi-column GiST on `(place, period)` is a tree over the place that
//! checks the period only in its leaves, so a box over a busy region
//! walked thousands of its pages; and a GiST of `int8range` periods beside
//! it tripled the cost of inserting reports. The index's keys are 32-bit
//! floats rounded outwards: exact tests on the columns decide, as in
//! SQLite.
//!
//! Every `apply` is one transaction, and writes each table with one
//! statement that unnests arrays (a group holds up to thousands of
//! entries); only source entries, rare and order-dependent, are written one
//! by one.

use std::cell::{RefCell, RefMut};
use std::collections::{BTreeMap, BTreeSet};

use postgres::types::{FromSql, ToSql, Type};
use postgres::{Client, Row, Statement};

use crate::pg::Conn;
use truce_entry::{Entry, EntryType, Identifier, Report, Sha256Hex, Source, SourceAction};
use truce_log::Hash;

use super::{
    EntryRow, IndexError, IndexedEntry, QueryIndex, ReportFilter, SourceRow, check_origin, to_i64,
    to_u64,
};

/// The version of [`SCHEMA`], kept in `index_schema`. An index of another
/// version is dropped and rebuilt from the log: it is derived.
const SCHEMA_VERSION: i32 = 2;

/// The tables of every version, to drop an index of another version.
/// (`index_schema` itself never changes.)
const TABLES: [&str; 7] = [
    "index_meta",
    "index_evidence",
    "index_entries",
    "index_reports",
    "index_report_targets",
    "index_sources",
    "index_agreements",
];

/// Where a report without a time sits on the time axis of the place and
/// time index, and one without a place on its place axes: everywhere (a
/// filter on what it lacks then drops it, as it does elsewhere). Within the
/// index's 32-bit floats.
const EVERYWHERE: f64 = 1e38;

/// The segment of a report in place and time, as the GiST index holds it
/// (with [`EVERYWHERE`] for what the report lacks). Searches repeat this
/// exact expression, and [`IN_PLACE_TIME`], so that the planner matches the
/// index.
const PLACE_TIME: &str = "ST_MakeLine(
        ST_MakePoint(COALESCE(lon, -1e38), COALESCE(lat, -1e38), COALESCE(t_from::float8, -1e38)),
        ST_MakePoint(COALESCE(lon, 1e38), COALESCE(lat, 1e38), COALESCE(t_to::float8, 1e38)))";

/// The reports the place and time index holds: those with a place or a
/// time. A report with neither (a withdrawal) would span all of it, and no
/// search by place or time finds it anyway.
const IN_PLACE_TIME: &str = "(lon IS NOT NULL OR t_from IS NOT NULL)";

/// Checks that PostGIS is there, with an error that says what to do.
const CHECK_POSTGIS: &str = "
    DO $$ BEGIN
        IF to_regtype('geometry') IS NULL THEN
            RAISE EXCEPTION USING
                ERRCODE = 'undefined_object',
                MESSAGE = 'the query index needs PostGIS, and the type geometry is not in the search path',
                HINT = 'install it once with CREATE EXTENSION postgis (as a superuser), in a schema of the search path';
        END IF;
    END $$";

/// The tables and indexes (with [`PLACE_TIME`] and [`IN_PLACE_TIME`]
/// spliced in). Identifiers and kinds compare and sort bytewise
/// (`COLLATE "C"`), as in SQLite.
const SCHEMA: &str = r#"
    CREATE TABLE index_meta (
        key text COLLATE "C" PRIMARY KEY,
        value bigint,
        bytes bytea
    );
    CREATE TABLE index_entries (
        idx bigint PRIMARY KEY,
        type text COLLATE "C" NOT NULL,
        source text COLLATE "C" NOT NULL,
        local_id text COLLATE "C",
        leaf bytea NOT NULL,
        json text NOT NULL
    );
    CREATE INDEX index_entries_by_type ON index_entries (type, idx);
    CREATE UNIQUE INDEX index_entries_by_local_id
        ON index_entries (source, type, local_id) WHERE local_id IS NOT NULL;
    CREATE TABLE index_reports (
        idx bigint PRIMARY KEY,
        source text COLLATE "C" NOT NULL,
        t_from bigint,
        t_to bigint,
        lat double precision,
        lon double precision,
        place geometry(Point, 4326),
        event text COLLATE "C",
        party text COLLATE "C",
        superseded_by bigint
    );
    CREATE INDEX index_reports_by_place_time
        ON index_reports USING gist ((%place_time%) gist_geometry_ops_nd) WHERE %in_place_time%;
    CREATE INDEX index_reports_by_source ON index_reports (source, idx);
    CREATE INDEX index_reports_by_event ON index_reports (event, idx);
    CREATE INDEX index_reports_by_party ON index_reports (party, idx);
    CREATE TABLE index_report_targets (
        category text COLLATE "C" NOT NULL,
        idx bigint NOT NULL,
        PRIMARY KEY (category, idx)
    );
    CREATE TABLE index_sources (
        id text COLLATE "C" PRIMARY KEY,
        name text NOT NULL,
        role text NOT NULL,
        organisation text NOT NULL,
        party text,
        reliability text NOT NULL,
        key text NOT NULL,
        registered_at bigint NOT NULL,
        updated_at bigint NOT NULL,
        revoked_at bigint
    );
    CREATE TABLE index_evidence (
        idx bigint PRIMARY KEY,
        sha256 text COLLATE "C" NOT NULL,
        source text COLLATE "C" NOT NULL,
        size bigint NOT NULL
    );
    CREATE INDEX index_evidence_by_sha256 ON index_evidence (sha256, idx);
    CREATE INDEX index_evidence_by_source ON index_evidence (source);
    CREATE TABLE index_agreements (
        idx bigint PRIMARY KEY,
        agreement text NOT NULL,
        in_force_from bigint NOT NULL,
        in_force_to bigint,
        superseded_by bigint
    );
"#;

/// The query index of one log in a PostgreSQL database.
pub struct PgIndex {
    db: RefCell<Db>,
}

/// A connection, with the settings every search relies on: a search's
/// best plan depends on its bounding box and time window, so it is planned
/// for each call, never once for all (a generic plan cannot know how
/// selective `&&&` is); and no JIT: compiling a plan takes longer than any
/// search the indexes serve.
struct Db(Conn);

const SESSION: &str = "SET plan_cache_mode = force_custom_plan; SET jit = off";

impl Db {
    /// The rows of the statement `sql`.
    fn query(&mut self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<Vec<Row>, IndexError> {
        let statement = self.0.statement(sql)?;
        Ok(self.0.client()?.query(&statement, params)?)
    }

    /// The one row, if any, of the statement `sql`.
    fn query_opt(
        &mut self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Option<Row>, IndexError> {
        let statement = self.0.statement(sql)?;
        Ok(self.0.client()?.query_opt(&statement, params)?)
    }

    /// A meta value's bytes.
    fn meta_bytes(&mut self, key: &str) -> Result<Option<Vec<u8>>, IndexError> {
        let row = self.query_opt("SELECT bytes FROM index_meta WHERE key = $1", &[&key])?;
        Ok(row.map(|r| r.try_get::<_, Option<Vec<u8>>>(0)).transpose()?.flatten())
    }
}

impl std::fmt::Debug for PgIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgIndex").finish_non_exhaustive()
    }
}

impl PgIndex {
    /// Connects to the index of the log `origin` at `url`, creating its
    /// tables if needed, or again if they are of another version.
    pub fn connect(url: &str, origin: &str) -> Result<PgIndex, IndexError> {
        let mut db = Conn::open(url, SESSION)?;
        create_tables(db.client()?, origin)?;
        Ok(PgIndex { db: RefCell::new(Db(db)) })
    }

    /// Connects to the index of the log `origin` at `url` to read it only:
    /// nothing is created or dropped (a read-only replica's role may not
    /// be allowed to, and one of another version must not drop the
    /// sequencer's index). An index of another version, or of another
    /// log, is refused.
    pub fn connect_reader(url: &str, origin: &str) -> Result<PgIndex, IndexError> {
        let mut db = Conn::open(url, SESSION)?;
        let client = db.client()?;
        let version: Option<i32> = client
            .query_opt("SELECT version FROM index_schema", &[])
            .map_err(|e| match e.code() {
                Some(&postgres::error::SqlState::UNDEFINED_TABLE) => IndexError::Missing,
                _ => IndexError::Postgres(e),
            })?
            .map(|r| r.try_get(0))
            .transpose()?;
        if version != Some(SCHEMA_VERSION) {
            return Err(IndexError::Version {
                found: version.map_or(0, i64::from),
                expected: i64::from(SCHEMA_VERSION),
            });
        }
        let found: Option<Option<Vec<u8>>> = client
            .query_opt("SELECT bytes FROM index_meta WHERE key = 'origin'", &[])?
            .map(|r| r.try_get(0))
            .transpose()?;
        check_origin(found.flatten().as_deref(), origin)?;
        Ok(PgIndex { db: RefCell::new(Db(db)) })
    }

    fn db(&self) -> Result<RefMut<'_, Db>, IndexError> {
        Ok(self.db.borrow_mut())
    }
}

/// Creates the tables in the current schema if needed, or again if they
/// are of another version, and checks they hold the log `origin`.
fn create_tables(client: &mut Client, origin: &str) -> Result<(), IndexError> {
    let mut tx = client.transaction()?;
    crate::pg::take_turns(&mut tx, "query index")?;
    tx.batch_execute(CHECK_POSTGIS)?;
    tx.batch_execute("CREATE TABLE IF NOT EXISTS index_schema (version integer NOT NULL)")?;
    let version: Option<i32> =
        tx.query_opt("SELECT version FROM index_schema", &[])?.map(|r| r.try_get(0)).transpose()?;
    // The version is written with the tables, so when it is this one the
    // tables are there; creating them again would not change them, but
    // `CREATE INDEX IF NOT EXISTS` would wait for every write under way.
    if version != Some(SCHEMA_VERSION) {
        for table in TABLES {
            tx.batch_execute(&format!("DROP TABLE IF EXISTS {table}"))?;
        }
        let schema =
            SCHEMA.replace("%place_time%", PLACE_TIME).replace("%in_place_time%", IN_PLACE_TIME);
        tx.batch_execute(&schema)?;
        // The row `apply` locks, so that two writers take turns.
        tx.batch_execute("INSERT INTO index_meta (key, value) VALUES ('indexed_size', 0)")?;
        tx.execute("DELETE FROM index_schema", &[])?;
        tx.execute("INSERT INTO index_schema (version) VALUES ($1)", &[&SCHEMA_VERSION])?;
    }
    let found: Option<Option<Vec<u8>>> = tx
        .query_opt("SELECT bytes FROM index_meta WHERE key = 'origin'", &[])?
        .map(|r| r.try_get(0))
        .transpose()?;
    match found.flatten() {
        Some(found) => check_origin(Some(&found), origin)?,
        None => {
            tx.execute(
                "INSERT INTO index_meta (key, bytes) VALUES ('origin', $1)
                 ON CONFLICT (key) DO UPDATE SET bytes = excluded.bytes",
                &[&origin.as_bytes()],
            )?;
        }
    }
    tx.commit()?;
    Ok(())
}

const SET_META_BYTES: &str = "INSERT INTO index_meta (key, bytes) VALUES ($1, $2)
     ON CONFLICT (key) DO UPDATE SET bytes = excluded.bytes";

/// The columns of an entry row, after `FROM index_entries e LEFT JOIN
/// index_reports r LEFT JOIN index_agreements a`.
const ENTRY_COLUMNS: &str = "e.idx, e.type, e.source, e.leaf, e.json,
     COALESCE(r.superseded_by, a.superseded_by)";

impl QueryIndex for PgIndex {
    fn indexed_size(&self) -> Result<u64, IndexError> {
        let row =
            self.db()?.query_opt("SELECT value FROM index_meta WHERE key = 'indexed_size'", &[])?;
        let size: Option<i64> = row.map(|r| r.try_get(0)).transpose()?.flatten();
        Ok(to_u64(size.unwrap_or(0)))
    }

    fn checkpoint(&self) -> Result<Option<Vec<u8>>, IndexError> {
        self.db()?.meta_bytes("checkpoint")
    }

    fn witnessed(&self) -> Result<Option<Vec<u8>>, IndexError> {
        self.db()?.meta_bytes("witnessed")
    }

    fn set_witnessed(&mut self, note: &[u8]) -> Result<(), IndexError> {
        let mut db = self.db()?;
        let statement = db.0.statement(SET_META_BYTES)?;
        let mut tx = db.0.client()?.transaction()?;
        let stored: Option<Option<Vec<u8>>> = tx
            .query_opt("SELECT bytes FROM index_meta WHERE key = 'witnessed' FOR UPDATE", &[])?
            .map(|r| r.try_get(0))
            .transpose()?;
        if super::newer_note(stored.flatten().as_deref(), note) {
            tx.execute(&statement, &[&"witnessed", &note])?;
        }
        Ok(tx.commit()?)
    }

    fn clear(&mut self) -> Result<(), IndexError> {
        // TRUNCATE, not DELETE: a rebuild should not wait for a million
        // rows and their indexes to be deleted one by one.
        let mut db = self.db()?;
        let mut tx = db.0.client()?.transaction()?;
        tx.batch_execute(
            "TRUNCATE index_entries, index_reports, index_report_targets, index_sources,
                      index_agreements, index_evidence;
             DELETE FROM index_meta WHERE key <> 'origin';
             INSERT INTO index_meta (key, value) VALUES ('indexed_size', 0);",
        )?;
        tx.commit()?;
        Ok(())
    }

    fn apply(
        &mut self,
        entries: &[IndexedEntry<'_>],
        covered: u64,
        checkpoint: Option<&[u8]>,
    ) -> Result<(), IndexError> {
        let mut db = self.db()?;
        let group = Group::of(entries);
        let statements = group.statements(&mut db.0)?;
        let lock =
            db.0.statement("SELECT value FROM index_meta WHERE key = 'indexed_size' FOR UPDATE")?;
        let set_size = db.0.statement(
            "INSERT INTO index_meta (key, value) VALUES ('indexed_size', $1)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )?;
        let set_bytes = db.0.statement(SET_META_BYTES)?;
        let mut tx = db.0.client()?.transaction()?;
        // Locked until the commit: another writer waits, then finds the
        // entries it meant to add already there.
        let size: Option<i64> =
            tx.query_opt(&lock, &[])?.map(|r| r.try_get(0)).transpose()?.flatten();
        let mut next = to_u64(size.unwrap_or(0));
        // Never backwards: a sequencer that lost its lease may come late.
        if covered < next {
            return Err(IndexError::OutOfOrder { covered: next, index: covered });
        }
        for entry in entries {
            if entry.index < next || entry.index >= covered {
                return Err(IndexError::OutOfOrder { covered: next, index: entry.index });
            }
            next = entry.index + 1;
        }
        group.write(&mut tx, &statements)?;
        tx.execute(&set_size, &[&to_i64(covered)])?;
        if let Some(checkpoint) = checkpoint {
            tx.execute(&set_bytes, &[&"checkpoint", &checkpoint])?;
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
        let row = self.db()?.query_opt(
            "SELECT idx, leaf FROM index_entries WHERE source = $1 AND type = $2 AND local_id = $3",
            &[&source, &entry_type.as_str(), &local_id],
        )?;
        let Some(row) = row else { return Ok(None) };
        let index: i64 = row.try_get(0)?;
        let Leaf(leaf) = row.try_get(1)?;
        Ok(Some((to_u64(index), leaf)))
    }

    fn entry(&self, index: u64) -> Result<Option<EntryRow>, IndexError> {
        let row = self.db()?.query_opt(
            &format!(
                "SELECT {ENTRY_COLUMNS}
                 FROM index_entries e
                 LEFT JOIN index_reports r ON r.idx = e.idx
                 LEFT JOIN index_agreements a ON a.idx = e.idx
                 WHERE e.idx = $1"
            ),
            &[&to_i64(index)],
        )?;
        row.as_ref().map(entry_row).transpose()
    }

    fn source_entries(&self) -> Result<Vec<u64>, IndexError> {
        let rows = self.db()?.query(
            "SELECT idx FROM index_entries WHERE type = $1 ORDER BY idx",
            &[&EntryType::Source.as_str()],
        )?;
        indices(&rows)
    }

    fn reports(&self, filter: &ReportFilter) -> Result<Vec<EntryRow>, IndexError> {
        let Some(search) = Search::of(filter) else { return Ok(Vec::new()) };
        let params: Vec<&(dyn ToSql + Sync)> = search.params.iter().map(|p| &**p).collect();
        let rows = self.db()?.query(&search.sql, &params)?;
        rows.iter().map(entry_row).collect()
    }

    fn entries_between(
        &self,
        from: u64,
        to: u64,
    ) -> Result<Vec<(u64, String, String)>, IndexError> {
        let rows = self.db()?.query(
            "SELECT idx, source, json FROM index_entries WHERE idx >= $1 AND idx < $2 ORDER BY idx",
            &[&to_i64(from), &to_i64(to)],
        )?;
        rows.iter().map(|r| Ok((to_u64(r.try_get(0)?), r.try_get(1)?, r.try_get(2)?))).collect()
    }

    fn agreement_roots(&self) -> Result<Vec<u64>, IndexError> {
        let rows = self.db()?.query(
            "SELECT idx FROM index_agreements a
             WHERE NOT EXISTS (SELECT 1 FROM index_agreements b WHERE b.superseded_by = a.idx)
             ORDER BY idx",
            &[],
        )?;
        indices(&rows)
    }

    fn entries_of_type(
        &self,
        entry_type: EntryType,
        after: Option<u64>,
        limit: u32,
    ) -> Result<Vec<EntryRow>, IndexError> {
        let rows = self.db()?.query(
            &format!(
                "SELECT {ENTRY_COLUMNS}
                 FROM index_entries e
                 LEFT JOIN index_reports r ON r.idx = e.idx
                 LEFT JOIN index_agreements a ON a.idx = e.idx
                 WHERE e.type = $1 AND e.idx > $2 ORDER BY e.idx LIMIT $3"
            ),
            &[&entry_type.as_str(), &after.map_or(-1, to_i64), &i64::from(limit)],
        )?;
        rows.iter().map(entry_row).collect()
    }

    fn evidence(&self, sha256: &Sha256Hex) -> Result<Vec<EntryRow>, IndexError> {
        let rows = self.db()?.query(
            "SELECT e.idx, e.type, e.source, e.leaf, e.json, NULL::int8
             FROM index_evidence v JOIN index_entries e ON e.idx = v.idx
             WHERE v.sha256 = $1 ORDER BY v.idx",
            &[&sha256.to_string()],
        )?;
        rows.iter().map(entry_row).collect()
    }

    fn evidence_bytes(&self, source: &str) -> Result<u64, IndexError> {
        let rows = self.db()?.query(
            "SELECT COALESCE(SUM(size), 0)::int8 FROM index_evidence WHERE source = $1",
            &[&source],
        )?;
        let sum: Option<i64> = rows.first().map(|r| r.try_get(0)).transpose()?;
        Ok(to_u64(sum.unwrap_or(0)))
    }

    fn sources(&self) -> Result<Vec<SourceRow>, IndexError> {
        let rows = self.db()?.query(
            r#"SELECT id, name, role, organisation, party, reliability, key,
                      registered_at, updated_at, revoked_at
               FROM index_sources ORDER BY id COLLATE "C""#,
            &[],
        )?;
        rows.iter()
            .map(|r| {
                Ok(SourceRow {
                    id: r.try_get(0)?,
                    name: r.try_get(1)?,
                    role: r.try_get(2)?,
                    organisation: r.try_get(3)?,
                    party: r.try_get(4)?,
                    reliability: r.try_get(5)?,
                    key: r.try_get(6)?,
                    registered_at: to_u64(r.try_get(7)?),
                    updated_at: to_u64(r.try_get(8)?),
                    revoked_at: r.try_get::<_, Option<i64>>(9)?.map(to_u64),
                })
            })
            .collect()
    }
}

/// A search of reports: its SQL and parameters.
struct Search {
    sql: String,
    params: Vec<Box<dyn ToSql + Sync>>,
}

impl Search {
    /// The search for `filter`; `None` when nothing can match (a bounding
    /// box with a NaN, which SQLite binds as NULL).
    fn of(filter: &ReportFilter) -> Option<Search> {
        // The matching reports first, then the entries of the page only:
        // sorting whole rows would carry every candidate's JSON along.
        let mut params: Vec<Box<dyn ToSql + Sync>> =
            vec![Box::new(filter.after.map_or(-1, to_i64))];
        let mut arg = |value: Box<dyn ToSql + Sync>| {
            params.push(value);
            params.len()
        };
        let mut conditions = vec!["idx > $1".to_owned()];
        if filter.bbox.is_some() || filter.time.is_some() {
            // The place and time index, by place, time or both (a window
            // given backwards still finds the reports that span it, as the
            // exact tests do). Its keys are 32-bit floats rounded outwards:
            // the exact tests on the columns decide.
            let [min_lon, min_lat, max_lon, max_lat] = match filter.bbox {
                Some(bbox) if bbox.iter().any(|c| c.is_nan()) => return None,
                Some(bbox) => bbox,
                None => [-EVERYWHERE, -EVERYWHERE, EVERYWHERE, EVERYWHERE],
            };
            let (t_min, t_max) = match filter.time {
                Some((from, to)) => (from.min(to) as f64, from.max(to) as f64),
                None => (-EVERYWHERE, EVERYWHERE),
            };
            let (a, b, c, d, e, f) = (
                arg(Box::new(min_lon)),
                arg(Box::new(max_lon)),
                arg(Box::new(min_lat)),
                arg(Box::new(max_lat)),
                arg(Box::new(t_min)),
                arg(Box::new(t_max)),
            );
            conditions.push(format!(
                "{IN_PLACE_TIME} AND {PLACE_TIME}
                 &&& ST_3DMakeBox(ST_MakePoint(${a}::float8, ${c}::float8, ${e}::float8),
                                  ST_MakePoint(${b}::float8, ${d}::float8, ${f}::float8))"
            ));
            if filter.bbox.is_some() {
                conditions.push(format!(
                    "lon BETWEEN ${a}::float8 AND ${b}::float8
                     AND lat BETWEEN ${c}::float8 AND ${d}::float8"
                ));
            }
        }
        if let Some((from, to)) = filter.time {
            let (a, b) = (arg(Box::new(from)), arg(Box::new(to)));
            conditions.push(format!("t_to >= ${a}::int8 AND t_from <= ${b}::int8"));
        }
        if let Some(target) = &filter.target {
            let n = arg(Box::new(target.clone()));
            // With the cursor inside too: merged with the reports in log
            // order, the category's index is then read from the cursor on,
            // not from its start.
            conditions.push(format!(
                "idx IN (SELECT idx FROM index_report_targets
                         WHERE category = ${n}::text AND idx > $1)"
            ));
        }
        for (column, value) in
            [("event", &filter.event), ("source", &filter.source), ("party", &filter.party)]
        {
            if let Some(value) = value {
                let n = arg(Box::new(value.clone()));
                conditions.push(format!("{column} = ${n}::text"));
            }
        }
        // With a place or a time, every candidate is sorted: walking the
        // reports in log order until the page is full looks cheaper to the
        // planner, but reports come in roughly in time order, so a window
        // late in the log would be found only after nearly every report.
        let order = if filter.bbox.is_some() || filter.time.is_some() { "idx + 0" } else { "idx" };
        let limit = arg(Box::new(i64::from(filter.limit)));
        // The page carries along what it read of the reports; the entries
        // (and their JSON) are read for the page alone.
        let sql = format!(
            "SELECT e.idx, e.type, e.source, e.leaf, e.json, page.superseded_by
             FROM (SELECT idx, superseded_by FROM index_reports
                   WHERE {} ORDER BY {order} LIMIT ${limit}) page
             JOIN index_entries e ON e.idx = page.idx
             ORDER BY page.idx",
            conditions.join(" AND ")
        );
        Some(Search { sql, params })
    }
}

/// A leaf hash read from a `bytea` column.
struct Leaf(Hash);

impl<'a> FromSql<'a> for Leaf {
    fn from_sql(
        ty: &Type,
        raw: &'a [u8],
    ) -> Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        Ok(Leaf(Hash::from_slice(<&[u8] as FromSql>::from_sql(ty, raw)?)?))
    }

    fn accepts(ty: &Type) -> bool {
        <&[u8] as FromSql>::accepts(ty)
    }
}

fn entry_row(r: &Row) -> Result<EntryRow, IndexError> {
    let Leaf(leaf) = r.try_get(3)?;
    Ok(EntryRow {
        index: to_u64(r.try_get(0)?),
        entry_type: r.try_get(1)?,
        source: r.try_get(2)?,
        leaf,
        json: r.try_get(4)?,
        superseded_by: r.try_get::<_, Option<i64>>(5)?.map(to_u64),
    })
}

fn indices(rows: &[Row]) -> Result<Vec<u64>, IndexError> {
    rows.iter().map(|r| Ok(to_u64(r.try_get(0)?))).collect()
}

/// The rows a group of entries adds, column by column, to be written with
/// one statement per table.
#[derive(Default)]
struct Group<'a> {
    entries: EntryColumns<'a>,
    reports: ReportColumns<'a>,
    /// `(category, report)`, once each (a report can name two targets of a
    /// category).
    targets: BTreeSet<(&'a str, i64)>,
    /// The report each report is superseded by: the last one applied.
    superseded_reports: BTreeMap<i64, i64>,
    agreements: AgreementColumns<'a>,
    /// The agreement each agreement is superseded by: the last one applied.
    superseded_agreements: BTreeMap<i64, i64>,
    /// Source entries, in log order.
    sources: Vec<(i64, &'a Source)>,
    evidence: EvidenceColumns<'a>,
}

#[derive(Default)]
struct EntryColumns<'a> {
    idx: Vec<i64>,
    types: Vec<&'static str>,
    sources: Vec<&'a str>,
    local_ids: Vec<Option<&'a str>>,
    leaves: Vec<&'a [u8]>,
    json: Vec<&'a str>,
}

#[derive(Default)]
struct ReportColumns<'a> {
    idx: Vec<i64>,
    sources: Vec<&'a str>,
    t_from: Vec<Option<i64>>,
    t_to: Vec<Option<i64>>,
    lat: Vec<Option<f64>>,
    lon: Vec<Option<f64>>,
    events: Vec<Option<&'static str>>,
    parties: Vec<Option<&'a str>>,
}

#[derive(Default)]
struct EvidenceColumns<'a> {
    idx: Vec<i64>,
    sha256: Vec<String>,
    sources: Vec<&'a str>,
    sizes: Vec<i64>,
}

#[derive(Default)]
struct AgreementColumns<'a> {
    idx: Vec<i64>,
    agreements: Vec<&'a str>,
    from: Vec<i64>,
    to: Vec<Option<i64>>,
}

/// The statements that write a group, prepared before its transaction.
struct GroupStatements {
    entries: Statement,
    reports: Statement,
    targets: Statement,
    supersede_reports: Statement,
    agreements: Statement,
    supersede_agreements: Statement,
    evidence: Statement,
    add_source: Statement,
    revoke_source: Statement,
}

impl<'a> Group<'a> {
    fn of(entries: &'a [IndexedEntry<'a>]) -> Group<'a> {
        let mut group = Group::default();
        for e in entries {
            let index = to_i64(e.index);
            let columns = &mut group.entries;
            columns.idx.push(index);
            columns.types.push(e.entry.entry_type().as_str());
            columns.sources.push(e.source.as_str());
            columns.local_ids.push(e.entry.local_id().map(Identifier::as_str));
            columns.leaves.push(&e.leaf.0[..]);
            columns.json.push(e.json);
            match e.entry {
                Entry::Report(report) => group.add_report(index, e.source, report),
                Entry::Source(source) => group.sources.push((index, source)),
                Entry::Evidence(evidence) => {
                    let columns = &mut group.evidence;
                    columns.idx.push(index);
                    columns.sha256.push(evidence.sha256.to_string());
                    columns.sources.push(e.source.as_str());
                    columns.sizes.push(to_i64(evidence.size.0));
                }
                Entry::Agreement(agreement) => {
                    let columns = &mut group.agreements;
                    columns.idx.push(index);
                    columns.agreements.push(agreement.agreement.as_str());
                    columns.from.push(agreement.in_force.from.instant().as_second());
                    columns
                        .to
                        .push(agreement.in_force.to.as_ref().map(|t| t.instant().as_second()));
                    if let Some(old) = agreement.supersedes {
                        supersede(&mut group.superseded_agreements, to_i64(old.0), index);
                    }
                }
                _ => {}
            }
        }
        group
    }

    fn add_report(&mut self, index: i64, source: &'a Identifier, report: &'a Report) {
        let columns = &mut self.reports;
        columns.idx.push(index);
        columns.sources.push(source.as_str());
        columns.t_from.push(report.time.as_ref().map(|t| t.from.instant().as_second()));
        columns.t_to.push(report.time.as_ref().map(|t| t.to.instant().as_second()));
        columns.lat.push(report.location.as_ref().map(|l| l.lat.0));
        columns.lon.push(report.location.as_ref().map(|l| l.lon.0));
        columns.events.push(report.event.map(|k| k.as_str()));
        columns
            .parties
            .push(report.perpetrator.as_ref().and_then(|p| p.party.as_ref()).map(|p| p.as_str()));
        for target in &report.targets {
            self.targets.insert((target.category.as_str(), index));
        }
        if let Some(old) = report.supersedes {
            supersede(&mut self.superseded_reports, to_i64(old.0), index);
        }
    }

    fn statements(&self, db: &mut Conn) -> Result<GroupStatements, postgres::Error> {
        Ok(GroupStatements {
            entries: db.statement(
                "INSERT INTO index_entries (idx, type, source, local_id, leaf, json)
                 SELECT * FROM unnest($1::int8[], $2::text[], $3::text[], $4::text[],
                                      $5::bytea[], $6::text[])",
            )?,
            // The place and time index reads the scalar columns; `place`
            // is there for whoever queries the table with PostGIS.
            reports: db.statement(
                "INSERT INTO index_reports
                    (idx, source, t_from, t_to, lat, lon, place, event, party)
                 SELECT idx, source, t_from, t_to, lat, lon,
                        ST_SetSRID(ST_MakePoint(lon, lat), 4326), event, party
                 FROM unnest($1::int8[], $2::text[], $3::int8[], $4::int8[], $5::float8[],
                             $6::float8[], $7::text[], $8::text[])
                      AS u (idx, source, t_from, t_to, lat, lon, event, party)",
            )?,
            targets: db.statement(
                "INSERT INTO index_report_targets (category, idx)
                 SELECT * FROM unnest($1::text[], $2::int8[])
                 ON CONFLICT DO NOTHING",
            )?,
            supersede_reports: db.statement(
                "UPDATE index_reports r SET superseded_by = u.new
                 FROM unnest($1::int8[], $2::int8[]) AS u (old, new) WHERE r.idx = u.old",
            )?,
            agreements: db.statement(
                "INSERT INTO index_agreements (idx, agreement, in_force_from, in_force_to)
                 SELECT * FROM unnest($1::int8[], $2::text[], $3::int8[], $4::int8[])",
            )?,
            supersede_agreements: db.statement(
                "UPDATE index_agreements a SET superseded_by = u.new
                 FROM unnest($1::int8[], $2::int8[]) AS u (old, new) WHERE a.idx = u.old",
            )?,
            evidence: db.statement(
                "INSERT INTO index_evidence (idx, sha256, source, size)
                 SELECT * FROM unnest($1::int8[], $2::text[], $3::text[], $4::int8[])",
            )?,
            add_source: db.statement(
                "INSERT INTO index_sources (id, name, role, organisation, party, reliability, key,
                                            registered_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)
                 ON CONFLICT (id) DO UPDATE SET
                    name = excluded.name, role = excluded.role,
                    organisation = excluded.organisation, party = excluded.party,
                    reliability = excluded.reliability, key = excluded.key,
                    updated_at = excluded.updated_at",
            )?,
            revoke_source: db
                .statement("UPDATE index_sources SET revoked_at = $1 WHERE id = $2")?,
        })
    }

    /// Writes the group: each table once, in an order that gives what
    /// applying the entries one by one gives (rows first, then the
    /// supersessions among them).
    fn write(
        &self,
        tx: &mut postgres::Transaction<'_>,
        s: &GroupStatements,
    ) -> Result<(), IndexError> {
        let e = &self.entries;
        if !e.idx.is_empty() {
            tx.execute(
                &s.entries,
                &[&e.idx, &e.types, &e.sources, &e.local_ids, &e.leaves, &e.json],
            )?;
        }
        let r = &self.reports;
        if !r.idx.is_empty() {
            tx.execute(
                &s.reports,
                &[&r.idx, &r.sources, &r.t_from, &r.t_to, &r.lat, &r.lon, &r.events, &r.parties],
            )?;
        }
        if !self.targets.is_empty() {
            let (categories, idx): (Vec<&str>, Vec<i64>) = self.targets.iter().copied().unzip();
            tx.execute(&s.targets, &[&categories, &idx])?;
        }
        if !self.superseded_reports.is_empty() {
            let (old, new): (Vec<i64>, Vec<i64>) = self.superseded_reports.iter().unzip();
            tx.execute(&s.supersede_reports, &[&old, &new])?;
        }
        let a = &self.agreements;
        if !a.idx.is_empty() {
            tx.execute(&s.agreements, &[&a.idx, &a.agreements, &a.from, &a.to])?;
        }
        if !self.superseded_agreements.is_empty() {
            let (old, new): (Vec<i64>, Vec<i64>) = self.superseded_agreements.iter().unzip();
            tx.execute(&s.supersede_agreements, &[&old, &new])?;
        }
        let v = &self.evidence;
        if !v.idx.is_empty() {
            tx.execute(&s.evidence, &[&v.idx, &v.sha256, &v.sources, &v.sizes])?;
        }
        // One by one and in order: a source can be registered, updated and
        // revoked within one group.
        for (index, source) in &self.sources {
            match source.action {
                SourceAction::Revoke => {
                    tx.execute(&s.revoke_source, &[index, &source.source.as_str()])?;
                }
                _ => {
                    tx.execute(
                        &s.add_source,
                        &[
                            &source.source.as_str(),
                            &source.name.as_ref().map(|n| n.as_str()).unwrap_or_default(),
                            &source.role.map(|r| r.as_str()).unwrap_or_default(),
                            &source.organisation.as_ref().map(|o| o.as_str()).unwrap_or_default(),
                            &source.party.as_ref().map(|p| p.as_str()),
                            &source.reliability.map(|r| r.as_str()).unwrap_or_default(),
                            &source.key.as_ref().map(|k| k.0.to_string()).unwrap_or_default(),
                            index,
                        ],
                    )?;
                }
            }
        }
        Ok(())
    }
}

/// Records that `new` supersedes `old`, as applying the entries one by one
/// would: the last one applied wins, and an entry can only supersede one
/// already applied (or itself, which is in the table by then).
fn supersede(superseded: &mut BTreeMap<i64, i64>, old: i64, new: i64) {
    if old <= new {
        superseded.insert(old, new);
    }
}
