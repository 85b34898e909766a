//! Faults an operator must fix outside Truce, told apart from other
//! failures: a server refusing entries says which, so that the client
//! (and whoever reads the server's log) knows it is the disk, not Truce.

use std::error::Error;
use std::io::ErrorKind;

/// A storage fault that lasts until an operator fixes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Fault {
    /// No space is left: the disk, the file system or the quota is full.
    #[error("the disk is full")]
    Full,
    /// The file system, or the database, takes no writes.
    #[error("the storage is read-only")]
    ReadOnly,
    /// The files or the database refuse this process's writes.
    #[error("the storage refuses writes (permissions)")]
    Permission,
    /// The device reports I/O errors (EIO): a failing disk, or a failed
    /// fsync, after which what was written may not be durable.
    #[error("the storage reports I/O errors")]
    Failing,
}

impl Fault {
    /// The fault behind `error`, looked for along its whole chain of
    /// sources: an I/O error, a SQLite or a PostgreSQL error.
    pub fn of(error: &(dyn Error + 'static)) -> Option<Fault> {
        let mut next = Some(error);
        while let Some(e) = next {
            if let Some(fault) = io_fault(e).or_else(|| sqlite_fault(e)).or_else(|| pg_fault(e)) {
                return Some(fault);
            }
            next = e.source();
        }
        None
    }
}

/// EIO, the same number on every Unix.
const EIO: i32 = 5;

fn io_fault(e: &(dyn Error + 'static)) -> Option<Fault> {
    let e = e.downcast_ref::<std::io::Error>()?;
    match e.kind() {
        ErrorKind::StorageFull | ErrorKind::QuotaExceeded => Some(Fault::Full),
        ErrorKind::ReadOnlyFilesystem => Some(Fault::ReadOnly),
        ErrorKind::PermissionDenied => Some(Fault::Permission),
        _ if e.raw_os_error() == Some(EIO) => Some(Fault::Failing),
        _ => None,
    }
}

fn sqlite_fault(e: &(dyn Error + 'static)) -> Option<Fault> {
    match e.downcast_ref::<rusqlite::Error>()?.sqlite_error_code()? {
        rusqlite::ErrorCode::DiskFull => Some(Fault::Full),
        rusqlite::ErrorCode::ReadOnly => Some(Fault::ReadOnly),
        rusqlite::ErrorCode::PermissionDenied => Some(Fault::Permission),
        rusqlite::ErrorCode::SystemIoFailure => Some(Fault::Failing),
        _ => None,
    }
}

fn pg_fault(e: &(dyn Error + 'static)) -> Option<Fault> {
    use postgres::error::SqlState;
    let code = e.downcast_ref::<postgres::Error>()?.code()?;
    if *code == SqlState::DISK_FULL {
        Some(Fault::Full)
    } else if *code == SqlState::READ_ONLY_SQL_TRANSACTION {
        Some(Fault::ReadOnly)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("wrapped: {0}")]
    struct Wrapped(#[source] Box<dyn Error + Send + Sync>);

    #[test]
    fn faults_are_found_along_the_chain() {
        let full = std::io::Error::from(ErrorKind::StorageFull);
        assert_eq!(Fault::of(&Wrapped(Box::new(full))), Some(Fault::Full));
        let read_only = std::io::Error::from(ErrorKind::ReadOnlyFilesystem);
        assert_eq!(Fault::of(&read_only), Some(Fault::ReadOnly));
        let sqlite = rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_FULL),
            None,
        );
        assert_eq!(Fault::of(&Wrapped(Box::new(sqlite))), Some(Fault::Full));
        assert_eq!(Fault::of(&std::io::Error::from_raw_os_error(5)), Some(Fault::Failing));
        assert_eq!(Fault::of(&std::io::Error::from(ErrorKind::NotFound)), None);
    }
}
