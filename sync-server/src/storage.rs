//! The databases the server's rules run on: embedded SQLite (the default) and PostgreSQL.
//! Each is rows only; the rules are in `citizens-server-core`.

pub mod postgres;
pub mod sqlite;
