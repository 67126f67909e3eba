//! Numbered, forward-only schema migrations, embedded in the binary.

use rusqlite::Connection;

use crate::Error;

/// `(version, sql)`: never edit a released entry; append a new one.
const MIGRATIONS: &[(u32, &str)] = &[
    (
        1,
        include_str!("../../../migrations/client/0001_schema.sql"),
    ),
    (2, include_str!("../../../migrations/client/0002_blobs.sql")),
    (
        3,
        include_str!("../../../migrations/client/0003_rulebook_and_duplicates.sql"),
    ),
    (
        4,
        include_str!("../../../migrations/client/0004_set_aside_and_held_back.sql"),
    ),
    (
        5,
        include_str!("../../../migrations/client/0005_milestones.sql"),
    ),
    (
        6,
        include_str!("../../../migrations/client/0006_form_numbers.sql"),
    ),
    (
        7,
        include_str!("../../../migrations/client/0007_intake.sql"),
    ),
    (
        8,
        include_str!("../../../migrations/client/0008_agency_confirmed.sql"),
    ),
];

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
    // Rebuilding a table (to change a CHECK) needs foreign keys off; they are checked after.
    let foreign_keys: bool = conn.pragma_query_value(None, "foreign_keys", |r| r.get(0))?;
    conn.pragma_update(None, "foreign_keys", false)?;
    for (version, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > current) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        let broken: i64 =
            tx.query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
                r.get(0)
            })?;
        if broken > 0 {
            return Err(Error::Damaged(format!(
                "schema {version} would leave {broken} rows pointing nowhere"
            )));
        }
        tx.pragma_update(None, "user_version", version)?;
        tx.commit()?;
    }
    conn.pragma_update(None, "foreign_keys", foreign_keys)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn version(conn: &Connection) -> u32 {
        conn.pragma_query_value(None, "user_version", |r| r.get(0))
            .expect("user_version")
    }

    #[test]
    fn migrates_a_new_database_once() {
        let mut conn = Connection::open_in_memory().expect("memory db");
        run(&mut conn).expect("first run");
        assert_eq!(version(&conn), LATEST);
        conn.execute("INSERT INTO meta (key, value) VALUES ('k', 'v')", [])
            .expect("insert");
        run(&mut conn).expect("second run is a no-op");
        let kept: String = conn
            .query_row("SELECT value FROM meta WHERE key = 'k'", [], |r| r.get(0))
            .expect("kept");
        assert_eq!(kept, "v");
    }

    #[test]
    fn refuses_a_newer_schema_and_leaves_it_alone() {
        let mut conn = Connection::open_in_memory().expect("memory db");
        conn.execute_batch("CREATE TABLE future (x); PRAGMA user_version = 99;")
            .expect("future db");
        let err = run(&mut conn).expect_err("newer schema");
        assert!(matches!(
            err,
            Error::NewerSchema {
                found: 99,
                supported: LATEST
            }
        ));
        assert!(err.to_string().contains("newer version"), "{err}");
        assert_eq!(version(&conn), 99);
        let tables: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE name = 'meta'",
                [],
                |r| r.get(0),
            )
            .expect("count");
        assert_eq!(tables, 0, "nothing was migrated");
    }

    #[test]
    fn a_version_1_database_keeps_its_data_when_upgraded() {
        let mut conn = Connection::open_in_memory().expect("memory db");
        let tx = conn.transaction().expect("tx");
        tx.execute_batch(MIGRATIONS[0].1).expect("schema 1");
        tx.pragma_update(None, "user_version", 1).expect("version");
        tx.execute(
            "INSERT INTO meta (key, value) VALUES ('user', 'Amina Bello')",
            [],
        )
        .expect("data");
        tx.execute_batch(
            "INSERT INTO documents (id, kind, snapshot, heads, updated_at)
                 VALUES ('d1', 'grievance', x'01', x'02', 5);
             INSERT INTO outbox (doc_id, kind, change, created_at) VALUES ('d1', 'grievance', x'03', 5);",
        )
        .expect("a case waiting to be pushed");
        tx.commit().expect("commit");
        conn.pragma_update(None, "foreign_keys", true)
            .expect("as the store opens it");
        run(&mut conn).expect("upgrade");
        assert_eq!(version(&conn), LATEST);
        let user: String = conn
            .query_row("SELECT value FROM meta WHERE key = 'user'", [], |r| {
                r.get(0)
            })
            .expect("kept");
        assert_eq!(user, "Amina Bello");
        conn.execute("INSERT INTO blobs (sha256, size) VALUES ('ab', 1)", [])
            .expect("new table");
        let waiting: (String, i64) = conn
            .query_row(
                "SELECT d.kind, d.updated_at FROM outbox o JOIN documents d ON d.id = o.doc_id",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .expect("the case and its waiting change survive the rebuild");
        assert_eq!(waiting, ("grievance".to_string(), 5));
        conn.execute(
            "INSERT INTO documents (id, kind, snapshot, heads, updated_at)
                 VALUES ('r', 'rulebook', x'01', x'02', 0)",
            [],
        )
        .expect("the new kind is allowed");
        let on: bool = conn
            .pragma_query_value(None, "foreign_keys", |r| r.get(0))
            .expect("pragma");
        assert!(on, "foreign keys are back on");
        assert!(
            conn.execute("INSERT INTO outbox (doc_id, kind, change, created_at) VALUES ('none', 'grievance', x'00', 0)", [])
                .is_err(),
            "and enforced on the rebuilt table"
        );
    }

    #[test]
    fn migration_files_are_numbered_without_gaps() {
        for (i, (version, _)) in MIGRATIONS.iter().enumerate() {
            assert_eq!(*version as usize, i + 1);
        }
    }
}
