//! Numbered, forward-only schema migrations, embedded in the binary.

use rusqlite::Connection;

use crate::Error;

/// `(version, sql)`: never edit a released entry; append a new one.
const MIGRATIONS: &[(u32, &str)] = &[(1, include_str!("../../../migrations/client/0001_schema.sql"))];

/// The schema version this binary writes.
pub const LATEST: u32 = MIGRATIONS.len() as u32;

/// Bring the database up to [`LATEST`]; refuse a database written by a newer binary.
pub fn run(conn: &mut Connection) -> Result<(), Error> {
    let current: u32 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if current > LATEST {
        return Err(Error::NewerSchema {
            found: current,
            supported: LATEST,
        });
    }
    for (version, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > current) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", version)?;
        tx.commit()?;
    }
    Ok(())
}
