//! Fresh PostgreSQL databases for tests, on the cluster `scripts/postgres.sh` starts
//! (`CITIZENS_TEST_POSTGRES=postgres://postgres@127.0.0.1:PORT`); each dropped after its test.

/// The test cluster's address.
pub fn cluster() -> String {
    std::env::var("CITIZENS_TEST_POSTGRES").unwrap_or_else(|_| {
        panic!(
            "the PostgreSQL tests need a cluster: run `bash scripts/test.sh`, or \
             `eval \"$(bash scripts/postgres.sh start /tmp/cc-pg)\"` and run them again"
        )
    })
}

/// A database of its own for one test.
#[derive(Debug)]
pub struct Database {
    /// `postgres://…/t_…`.
    pub url: String,
    name: String,
}

impl Database {
    /// Make an empty database on the test cluster.
    pub fn fresh() -> Database {
        let cluster = cluster();
        let name = format!("t_{}", uuid_like());
        let mut admin = postgres::Client::connect(&cluster, postgres::NoTls)
            .expect("connect to the test cluster");
        admin
            .batch_execute(&format!("CREATE DATABASE {name} TEMPLATE template0"))
            .expect("create a test database");
        Database {
            url: format!("{}/{name}", cluster.trim_end_matches('/')),
            name,
        }
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        if let Ok(mut admin) = postgres::Client::connect(&cluster(), postgres::NoTls) {
            let _ = admin.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}

fn uuid_like() -> String {
    use rand::Rng;
    let mut rng = rand::thread_rng();
    (0..16)
        .map(|_| char::from(b'a' + rng.gen_range(0..26)))
        .collect()
}
