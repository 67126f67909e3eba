//! A real `citizens-server` process on port 0 with a fresh data folder, for integration tests
//! of the server and of the desktop app's sync; and how every process a test starts ends with
//! that test ([`spawn_tied`]).

use std::ffi::OsStr;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{mpsc, OnceLock};

/// A process a test started. It ends with the test whatever path the test takes: SIGKILLed and
/// reaped when dropped (a panic unwinding the test drops it too), and SIGKILLed by the kernel if
/// the test process dies without dropping it (killed by the runner, or a value that is never
/// dropped: a proxy thread holding a server) — see [`tied_command`] and [`spawn_tied`].
#[derive(Debug)]
pub struct Tied(Child);

impl Tied {
    /// SIGKILL the process and reap it.
    pub fn kill(self) {
        drop(self);
    }
}

impl std::ops::Deref for Tied {
    type Target = Child;
    fn deref(&self) -> &Child {
        &self.0
    }
}

impl std::ops::DerefMut for Tied {
    fn deref_mut(&mut self) -> &mut Child {
        &mut self.0
    }
}

impl Drop for Tied {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `program` found the way `execvp` finds it (a path as it is, a bare name on `PATH`).
fn find_program(program: &OsStr) -> std::io::Result<PathBuf> {
    let path = Path::new(program);
    let found = if path.components().count() > 1 {
        path.is_file().then(|| path.to_path_buf())
    } else {
        std::env::var_os("PATH").and_then(|dirs| {
            std::env::split_paths(&dirs)
                .map(|dir| dir.join(program))
                .find(|candidate| candidate.is_file())
        })
    };
    found.ok_or_else(|| {
        std::io::Error::new(
            std::io::ErrorKind::NotFound,
            format!("{} not found", path.display()),
        )
    })
}

/// A command running `program` under `setpriv --pdeathsig KILL` (util-linux, on every Debian):
/// the kernel SIGKILLs it when the thread that started it ends. [`spawn_tied`] starts it from a
/// thread that lasts as long as the test process, so it dies with the test process however that
/// ends. (`PR_SET_PDEATHSIG` by hand would need `unsafe` `pre_exec`, which the workspace forbids.)
/// Fails when `program` cannot be found, as spawning it would.
pub fn tied_command(program: impl AsRef<OsStr>) -> std::io::Result<Command> {
    let program = find_program(program.as_ref())?;
    let mut command = Command::new("setpriv");
    command.args(["--pdeathsig", "KILL", "--"]).arg(program);
    Ok(command)
}

type SpawnJob = (Command, mpsc::Sender<std::io::Result<Child>>);

/// Start `command` from the one thread that lives as long as the test process: the kernel's
/// parent-death signal follows the *thread* that started a process, and servers are restarted
/// from a proxy's short-lived connection threads. `command` comes from [`tied_command`], or is a
/// `setpriv` of the caller's own with `--pdeathsig KILL` (it holds across `--reuid`: `setpriv`
/// sets the signal after changing users).
pub fn spawn_tied(command: Command) -> std::io::Result<Tied> {
    static SPAWNER: OnceLock<mpsc::Sender<SpawnJob>> = OnceLock::new();
    let spawner = SPAWNER.get_or_init(|| {
        let (jobs, queue) = mpsc::channel::<SpawnJob>();
        std::thread::Builder::new()
            .name("test-processes".into())
            .spawn(move || {
                // Never returns: the sender lives in a static.
                for (mut command, answer) in queue {
                    let _ = answer.send(command.spawn());
                }
            })
            .expect("the thread that starts test processes");
        jobs
    });
    let (answer, started) = mpsc::channel();
    spawner
        .send((command, answer))
        .map_err(|_| std::io::Error::other("the thread that starts test processes is gone"))?;
    started
        .recv()
        .map_err(|_| std::io::Error::other("the thread that starts test processes is gone"))?
        .map(Tied)
}

/// The organisation test servers serve.
pub const ORG: &str = "Kano Civic Forum";

/// The database a test server runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// Embedded SQLite in the data folder.
    Sqlite,
    /// A fresh database on the test PostgreSQL cluster (`CITIZENS_TEST_POSTGRES`).
    Postgres,
}

/// A `citizens-server` process and its data folder; killed when dropped.
#[derive(Debug)]
pub struct Server {
    /// Its data folder.
    pub dir: tempfile::TempDir,
    /// Its PostgreSQL database, when not on SQLite (instances may share one).
    pub database: Option<std::sync::Arc<crate::postgres::Database>>,
    bin: PathBuf,
    /// Extra config file lines (`key = value`), the same for every instance.
    config: String,
    child: Option<Tied>,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
}

impl Server {
    /// Start the binary at `bin` on a free port with a fresh data folder (on SQLite).
    pub fn start(bin: impl Into<PathBuf>) -> Server {
        Server::start_on(bin, Backend::Sqlite)
    }

    /// Start the binary at `bin` on a free port with a fresh data folder and database.
    pub fn start_on(bin: impl Into<PathBuf>, backend: Backend) -> Server {
        let database = (backend == Backend::Postgres)
            .then(|| std::sync::Arc::new(crate::postgres::Database::fresh()));
        Server::start_with(bin, database, "127.0.0.1:0", "")
    }

    /// [`Server::start_on`] with extra config file lines, e.g. `enrol_attempts_per_minute = 100`.
    pub fn start_configured(bin: impl Into<PathBuf>, backend: Backend, config: &str) -> Server {
        let database = (backend == Backend::Postgres)
            .then(|| std::sync::Arc::new(crate::postgres::Database::fresh()));
        Server::start_with(bin, database, "127.0.0.1:0", config)
    }

    /// Another instance on the PostgreSQL database of `first` (migrated), with a data folder of
    /// its own, listening on `listen`.
    pub fn instance_of(first: &Server, listen: &str) -> Server {
        Server::start_with(
            first.bin.clone(),
            first.database.clone(),
            listen,
            &first.config,
        )
    }

    fn start_with(
        bin: impl Into<PathBuf>,
        database: Option<std::sync::Arc<crate::postgres::Database>>,
        listen: &str,
        config: &str,
    ) -> Server {
        let mut server = Server {
            dir: tempfile::tempdir().expect("tempdir"),
            database,
            bin: bin.into(),
            config: config.to_string(),
            child: None,
            url: String::new(),
        };
        if server.database.is_some() {
            server.admin(&["migrate"]);
        }
        server.spawn(listen);
        server
    }

    /// SIGKILL the server (it stays down).
    pub fn kill(&mut self) {
        if let Some(child) = self.child.take() {
            child.kill();
        }
    }

    /// The command line for this server's binary, data folder and database.
    pub fn command(&self) -> Command {
        let mut command = Command::new(&self.bin);
        self.configure(&mut command);
        command
    }

    /// This server's data folder, config file and database on `command`.
    fn configure(&self, command: &mut Command) {
        command.arg("--data-dir").arg(self.dir.path());
        if !self.config.is_empty() {
            let path = self.dir.path().join("server.toml");
            std::fs::write(&path, &self.config).expect("config file");
            command.arg("--config").arg(path);
        }
        match &self.database {
            Some(db) => command.env("CITIZENS_SERVER_DATABASE", &db.url),
            None => command.env_remove("CITIZENS_SERVER_DATABASE"),
        };
    }

    /// The server's log (JSON lines on stderr, appended across restarts).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }

    fn spawn(&mut self, listen: &str) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.path().join("server.log"))
            .expect("log file");
        let mut command = tied_command(&self.bin).expect("the citizens-server binary");
        self.configure(&mut command);
        command
            .env("RUST_LOG", "debug")
            .args(["serve", "--listen", listen])
            .stdout(Stdio::piped())
            .stderr(log);
        // Held from here on: a server that never says where it listens is killed with the panic.
        let mut child = spawn_tied(command).expect("start citizens-server");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("read address");
        self.url = line
            .trim()
            .strip_prefix("listening on ")
            .expect("address line")
            .to_string();
        self.child = Some(child);
    }

    /// SIGKILL the server, then start it again on the same address and data.
    pub fn kill_and_restart(&mut self) {
        self.while_stopped(|_| {});
    }

    /// SIGKILL the server, let `f` work on its data folder, start it again on the same address.
    pub fn while_stopped(&mut self, f: impl FnOnce(&Path)) {
        self.kill();
        f(self.dir.path());
        let listen = self.url.trim_start_matches("http://").to_string();
        self.spawn(&listen);
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().map_or(0, |child| child.id())
    }

    pub fn admin(&self, args: &[&str]) -> String {
        let out = self
            .command()
            .args(args)
            .output()
            .expect("run admin command");
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout)
            .expect("utf-8")
            .trim()
            .to_string()
    }

    /// A one-time code for `user` (the person the device will belong to).
    /// Every file in the server's attachment folder, by its path there (`orgs/1/{sha}`), with
    /// its bytes.
    pub fn blob_files(&self) -> Vec<(String, Vec<u8>)> {
        fn walk(root: &Path, dir: &Path, found: &mut Vec<(String, Vec<u8>)>) {
            let Ok(entries) = std::fs::read_dir(dir) else {
                return;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                if path.is_dir() {
                    walk(root, &path, found);
                } else if let Ok(bytes) = std::fs::read(&path) {
                    let name = path.strip_prefix(root).unwrap_or(&path);
                    found.push((name.to_string_lossy().into_owned(), bytes));
                }
            }
        }
        let root = self.dir.path().join("blobs");
        let mut found = Vec::new();
        walk(&root, &root, &mut found);
        found.sort();
        found
    }

    pub fn code(&self, role: &str, user: &str, org_key: &str) -> String {
        self.admin(&[
            "enroll",
            "--role",
            role,
            "--user",
            user,
            "--org",
            ORG,
            "--org-public-key",
            org_key,
            "--expires",
            "1h",
        ])
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // Before the data folder goes: the server must not write into a folder being removed.
        self.kill();
    }
}
