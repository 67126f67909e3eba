//! The server's Debian package (`scripts/package.sh`, `packaging/deb/`) as an admin meets it:
//! built from this binary, installed with dpkg on this machine, started with the `ExecStart`
//! line of the installed unit as the unit's user (CI runs as root where systemd is not PID 1, so
//! the test starts it as systemd would), a laptop enrolled with `enroll` and synced; then a
//! higher version installed over it, keeping the admin's edited config and the data, having run
//! `migrate`; then purged, leaving nothing behind. Once on the embedded SQLite (the package's
//! default), once on the test PostgreSQL cluster (`CITIZENS_TEST_POSTGRES`, as `scripts/test.sh`
//! provides).
//!
//! It installs into the machine it runs on, so it needs root: not root, it fails and says so.
//! Run twice, it purges what an earlier run left first.

use std::io::{BufRead, BufReader};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use citizens_test_support::device::{fast, Device};
use citizens_test_support::postgres::Database;
use citizens_test_support::server::{spawn_tied, Backend, Tied, ORG};
use citizens_test_support::{populate, FakeClock, TOWN_HALL_DAY};

const PACKAGE: &str = "citizens-server";
const CONFIG: &str = "/etc/citizens-server/config.toml";
const ENVIRONMENT: &str = "/etc/citizens-server/environment";
const UNIT: &str = "/lib/systemd/system/citizens-server.service";
const BINARY: &str = "/usr/bin/citizens-server";
const STATE: &str = "/var/lib/citizens-server";
/// The crate's version, the first package's; and the one the test upgrades to.
const VERSION: &str = env!("CARGO_PKG_VERSION");
const NEWER: &str = concat!(env!("CARGO_PKG_VERSION"), "+upgrade1");
const ENABLED: &str = "/etc/systemd/system/multi-user.target.wants/citizens-server.service";

/// Run `command` to its end; its stdout and stderr, or a panic showing them.
fn run(command: &mut Command) -> String {
    let out = command
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("{command:?}: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{command:?}: {}\n{text}", out.status);
    text
}

/// The package's state in dpkg's database, e.g. `install ok installed` (empty: unknown to dpkg).
fn dpkg_status() -> String {
    let out = Command::new("dpkg-query")
        .args(["-W", "-f=${Status}", PACKAGE])
        .output()
        .expect("dpkg-query");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn dpkg_field(field: &str) -> String {
    run(Command::new("dpkg-query").args(["-W", &format!("-f=${{{field}}}"), PACKAGE]))
        .trim()
        .to_string()
}

fn exists(user_or_group: &str, database: &str) -> bool {
    Command::new("getent")
        .args([database, user_or_group])
        .stdout(Stdio::null())
        .status()
        .expect("getent")
        .success()
}

/// `scripts/package.sh` on the binary cargo built for these tests: the .deb's path.
fn package(out: &Path, version: Option<&str>) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut command = Command::new("bash");
    command
        .arg(root.join("scripts/package.sh"))
        .arg(env!("CARGO_BIN_EXE_citizens-server"))
        .arg(out)
        .args(version)
        // Many times faster than xz on a debug binary.
        .env("DEB_COMPRESSION", "gzip");
    let printed = run(&mut command);
    let deb = PathBuf::from(printed.lines().last().expect("the package's path").trim());
    assert!(deb.is_file(), "{printed}");
    deb
}

/// How the installed unit runs the server.
#[derive(Debug)]
struct Unit {
    user: String,
    group: String,
    exec_start: Vec<String>,
}

impl Unit {
    fn installed() -> Unit {
        let text = std::fs::read_to_string(UNIT).expect("the installed unit");
        let value = |key: &str| {
            let found: Vec<&str> = text
                .lines()
                .filter_map(|line| line.strip_prefix(key)?.strip_prefix('='))
                .collect();
            assert_eq!(found.len(), 1, "one {key}= in {UNIT}:\n{text}");
            found[0].trim().to_string()
        };
        let exec_start = value("ExecStart");
        // Words as systemd splits them; the test splits on spaces, so it must hold no quotes.
        assert!(
            !exec_start.contains(['"', '\'', '\\', '$', '%']),
            "{exec_start}"
        );
        Unit {
            user: value("User"),
            group: value("Group"),
            exec_start: exec_start.split_whitespace().map(str::to_string).collect(),
        }
    }

    /// `setpriv` to the unit's user and group, the way the server's commands run (and dying
    /// with this test process, whatever ends it).
    fn as_user(&self) -> Command {
        let mut command = Command::new("setpriv");
        command
            .args([
                "--reuid",
                &self.user,
                "--regid",
                &self.group,
                "--init-groups",
            ])
            .args(["--pdeathsig", "KILL", "--"])
            .current_dir("/");
        // systemd gives a service a clean environment: none of a test's settings.
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("CITIZENS_SERVER_") {
                command.env_remove(key);
            }
        }
        command
    }

    /// A one-time code, made as an admin would (`runuser -u citizens-server -- …`).
    fn code(&self, role: &str, user: &str, org_key: &str) -> String {
        let mut command = self.as_user();
        command
            .args([BINARY, "--config", CONFIG, "enroll", "--role", role])
            .args(["--user", user, "--org", ORG, "--org-public-key", org_key])
            .args(["--expires", "1h"])
            .stderr(Stdio::null());
        let code = run(&mut command);
        code.trim().to_string()
    }

    /// The server started exactly as the unit's `ExecStart` says, as the unit's user, its log
    /// (stderr, the journal's under systemd) in `log`.
    fn start(&self, log: &Path) -> Running {
        let mut command = self.as_user();
        command
            .args(&self.exec_start)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(log).expect("log file"));
        let mut child = spawn_tied(command).expect("start the installed server");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("the server says where it listens");
        let url = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| {
                panic!(
                    "not an address: {line:?}; log:\n{}",
                    std::fs::read_to_string(log).unwrap_or_default()
                )
            })
            .to_string();
        Running {
            child,
            url,
            log: log.to_path_buf(),
        }
    }
}

/// The installed server, killed when dropped (and with this test process).
struct Running {
    child: Tied,
    url: String,
    log: PathBuf,
}

impl Running {
    /// Stop it as systemd does (SIGTERM), and see it end cleanly (on PostgreSQL it once
    /// aborted after its graceful shutdown, and systemd called every stop a failure).
    fn stop(mut self) {
        run(Command::new("kill").args(["-TERM", &self.child.id().to_string()]));
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                let log = std::fs::read_to_string(&self.log).unwrap_or_default();
                assert!(
                    status.success(),
                    "SIGTERM ends the server cleanly: {status}; log:\n{log}"
                );
                return;
            }
            assert!(
                Instant::now() < deadline,
                "the server did not stop on SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// Where systemd runs the machine (not in CI), the package's postinst started the unit: stop it,
/// so that the test's server is the only one on the data.
fn stop_the_unit_if_systemd_runs() {
    if Path::new("/run/systemd/system").is_dir() {
        run(Command::new("systemctl").args(["stop", "citizens-server.service"]));
    }
}

/// Neither installed nor leaving config files behind.
fn gone() -> bool {
    let status = dpkg_status();
    status.is_empty() || status.ends_with(" not-installed")
}

fn purge() {
    if !gone() {
        run(Command::new("dpkg").args(["--purge", PACKAGE]));
    }
}

#[test]
fn the_package_installs_serves_a_laptop_upgrades_over_itself_and_purges() {
    let euid = std::fs::metadata("/proc/self").expect("/proc/self").uid();
    assert!(
        euid == 0,
        "the package test installs a .deb into this machine with dpkg: it needs root (CI runs \
         as root; by hand: `sudo -E cargo nextest run -p citizens-server --test package`)"
    );
    let packages = tempfile::tempdir().expect("tempdir");
    // The crate's version (package.sh's default), and a higher one to upgrade to.
    let first = package(packages.path(), None);
    let arch = run(Command::new("dpkg").arg("--print-architecture"));
    let name = format!("{PACKAGE}_{VERSION}_{}.deb", arch.trim());
    assert!(
        first
            .file_name()
            .is_some_and(|n| n.to_string_lossy() == name),
        "{}",
        first.display()
    );
    let info = run(Command::new("dpkg-deb").arg("--info").arg(&first));
    assert!(info.contains("Depends: libc6 (>= "), "{info}");
    assert!(!info.contains("libssl"), "no OpenSSL is linked: {info}");
    let second = package(packages.path(), Some(NEWER));
    // Each database in turn: one machine, one package, so one after the other.
    scenario(Backend::Sqlite, &first, &second);
    scenario(Backend::Postgres, &first, &second);
}

/// Install `first`, serve a laptop, upgrade to `second`, serve it again, purge; the admin's
/// config on `backend`.
fn scenario(backend: Backend, first: &Path, second: &Path) {
    eprintln!("The package on {backend:?}");
    let (version, newer) = (VERSION, NEWER);
    // What an earlier run may have left.
    purge();
    let work = tempfile::tempdir().expect("tempdir");
    let database = (backend == Backend::Postgres).then(Database::fresh);
    let installed = run(Command::new("dpkg").arg("-i").arg(first));
    assert!(
        installed.contains("database schema was 0; it is up to date"),
        "postinst ran migrate:\n{installed}"
    );
    stop_the_unit_if_systemd_runs();
    assert_eq!(dpkg_status(), "install ok installed");

    // The files, the user and their owners.
    let mode = |path: &str| std::fs::metadata(path).expect(path).permissions().mode() & 0o7777;
    assert_eq!(mode(BINARY), 0o755);
    assert_eq!(
        run(Command::new(BINARY).arg("--version")).trim(),
        format!("citizens-server {version}")
    );
    assert!(exists(PACKAGE, "passwd") && exists(PACKAGE, "group"));
    let owner = |path: &str| {
        run(Command::new("stat").args(["-c", "%U:%G", path]))
            .trim()
            .to_string()
    };
    assert_eq!(owner(CONFIG), "root:citizens-server");
    assert_eq!(mode(CONFIG), 0o640, "the config may hold secrets");
    assert_eq!(owner(STATE), "citizens-server:citizens-server");
    assert_eq!(mode(STATE), 0o750);
    assert_eq!(
        owner(&format!("{STATE}/server.db")),
        "citizens-server:citizens-server",
        "migrate made the database as the server's user"
    );
    assert!(dpkg_field("Conffiles").contains(CONFIG));
    assert!(Path::new(ENABLED).is_symlink(), "enabled for the next boot");
    let unit = Unit::installed();
    assert_eq!(
        unit.exec_start.join(" "),
        "/usr/bin/citizens-server --config /etc/citizens-server/config.toml serve"
    );
    assert_eq!(
        (unit.user.as_str(), unit.group.as_str()),
        (PACKAGE, PACKAGE)
    );
    let text = std::fs::read_to_string(UNIT).expect("unit");
    for line in [
        "ProtectSystem=strict",
        "ProtectHome=yes",
        "PrivateTmp=yes",
        "NoNewPrivileges=yes",
        "StateDirectory=citizens-server",
        "ConfigurationDirectory=citizens-server",
        "CapabilityBoundingSet=\n",
        "SystemCallFilter=@system-service",
        "Restart=on-failure",
        "StandardOutput=journal",
    ] {
        assert!(text.contains(line), "the unit has {line:?}");
    }
    // systemd's own reading of the unit, where its tools are installed (they run without
    // systemd running the machine).
    if Path::new("/usr/bin/systemd-analyze").exists() {
        run(Command::new("systemd-analyze").args(["verify", UNIT]));
    }

    // The admin edits the config: any free port (the server prints the one it took).
    let shipped = std::fs::read_to_string(CONFIG).expect("config");
    assert!(
        shipped.contains("\nlisten = \"127.0.0.1:8080\"\n"),
        "{shipped}"
    );
    assert!(shipped.contains("\ndata_dir = \"/var/lib/citizens-server\"\n"));
    let database_line = database
        .as_ref()
        .map(|db| format!("database = \"{}\"\n", db.url))
        .unwrap_or_default();
    let edited = shipped.replace(
        "\nlisten = \"127.0.0.1:8080\"\n",
        &format!("\n# Edited by the admin.\nlisten = \"127.0.0.1:0\"\n{database_line}"),
    );
    std::fs::write(CONFIG, &edited).expect("edit the config");
    if database.is_some() {
        // Moved to PostgreSQL: the admin migrates the new database once (README), as the
        // server's user; the server refuses a database without the schema.
        let mut migrate = unit.as_user();
        migrate.args([BINARY, "--config", CONFIG, "migrate"]);
        assert!(run(&mut migrate).contains("database schema was 0; it is up to date"));
    }

    // Started as the unit starts it; a coordinator's laptop enrols and syncs a case.
    let server = unit.start(&work.path().join("first.log"));
    let health = reqwest::blocking::get(format!("{}/healthz", server.url)).expect("healthz");
    assert_eq!(health.text().expect("body"), "ok");
    let clock = FakeClock::at(TOWN_HALL_DAY);
    let mut coordinator = Device::founder("Ngozi Eze", clock.clone());
    let key = coordinator.key();
    let code = unit.code("coordinator", "Ngozi Eze", &key);
    coordinator
        .client
        .enroll(&server.url, &code, fast())
        .expect("enrol against the installed server");
    let case = populate(&mut coordinator.client, &clock, 1, 27).remove(0);
    let report = coordinator.sync();
    assert!(report.pushed >= 1 && report.in_step, "{report:?}");
    server.stop();
    // The log is JSON lines (the journal's, under systemd).
    let log = std::fs::read_to_string(work.path().join("first.log")).expect("log");
    let lines: Vec<&str> = log.lines().collect();
    assert!(!lines.is_empty());
    for line in &lines {
        let entry: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        assert!(entry.get("level").is_some(), "{line}");
    }
    assert!(log.contains("\"serving\""), "{log}");

    // An upgrade: the admin's config stays, postinst migrates (reading the environment file the
    // unit reads too, quotes and all), the data survives.
    std::fs::write(
        ENVIRONMENT,
        "# Secrets for the server\nCITIZENS_SERVER_DATA_DIR=\"/var/lib/citizens-server\"\n",
    )
    .expect("environment file");
    let upgraded = run(Command::new("dpkg")
        .args(["-i", "--force-confold"])
        .arg(second));
    assert!(
        upgraded.contains(&format!(
            "Unpacking citizens-server ({newer}) over ({version})"
        )),
        "{upgraded}"
    );
    assert!(
        upgraded.contains("it is up to date") && !upgraded.contains("database schema was 0;"),
        "postinst ran migrate on the upgrade, on the database the config names:\n{upgraded}"
    );
    stop_the_unit_if_systemd_runs();
    assert_eq!(dpkg_field("Version"), newer);
    assert_eq!(
        std::fs::read_to_string(CONFIG).expect("config"),
        edited,
        "the admin's config is kept"
    );
    assert_eq!(owner(CONFIG), "root:citizens-server");
    assert!(!Path::new(&format!("{CONFIG}.dpkg-new")).exists());

    let unit = Unit::installed();
    let server = unit.start(&work.path().join("second.log"));
    // The laptop syncs again (the server's address is the one it took this time) and its case
    // is still there; a second coordinator laptop receives it from the server.
    coordinator
        .client
        .store()
        .set_meta("sync.server", &server.url)
        .expect("the server's new port");
    coordinator.sync();
    assert!(coordinator.references().contains(&case));
    let mut second_laptop = Device::with_key("Chinedu Okafor", &key);
    let code = unit.code("coordinator", "Chinedu Okafor", &key);
    second_laptop
        .client
        .enroll(&server.url, &code, fast())
        .expect("enrol a second laptop");
    second_laptop.sync();
    assert_eq!(
        second_laptop.references(),
        vec![case.clone()],
        "the server kept the case"
    );
    server.stop();

    // Purge: nothing of it stays.
    run(Command::new("dpkg").args(["--purge", PACKAGE]));
    assert!(gone(), "{}", dpkg_status());
    for path in [BINARY, UNIT, "/etc/citizens-server", STATE, ENABLED] {
        assert!(
            std::fs::symlink_metadata(path).is_err(),
            "{path} is gone after a purge"
        );
    }
    assert!(
        !exists(PACKAGE, "passwd") && !exists(PACKAGE, "group"),
        "the system user and group are gone after a purge"
    );
}
