//! `citizens-server`: the central sync server. Devices enrol with one-time codes, then push
//! their local changes and pull what their role lets them see (protocol v1, CBOR over HTTP).
//! Storage is embedded SQLite in `--data-dir` by default, behind the `Storage` trait.
#![allow(clippy::print_stdout)]

mod blobs;
mod error;
mod http;
mod storage;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{anyhow, Context, Result};
use citizens_protocol::Role;
use clap::{Parser, Subcommand};
use serde::Deserialize;
use uuid::Uuid;

use crate::storage::{Limits, Storage};

#[derive(Parser, Debug)]
#[command(
    name = "citizens-server",
    version,
    about = "Citizens Connect sync server"
)]
struct Cli {
    /// Folder for the server's database.
    #[arg(long, global = true, env = "CITIZENS_SERVER_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// A TOML config file (keys: listen, data_dir, token_ttl_secs, page_bytes, max_body_bytes,
    /// timeout_secs, header_timeout_secs, behind_proxy).
    #[arg(long, global = true, env = "CITIZENS_SERVER_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Serve devices (the default).
    Serve {
        /// Address to listen on; port 0 picks a free port (printed on stdout).
        #[arg(long, env = "CITIZENS_SERVER_LISTEN")]
        listen: Option<SocketAddr>,
    },
    /// Make a one-time enrolment code.
    Enroll {
        /// volunteer or coordinator.
        #[arg(long)]
        role: String,
        /// Organisation name.
        #[arg(long)]
        org: String,
        /// The organisation's public key (needed the first time an organisation is named).
        #[arg(long)]
        org_public_key: Option<String>,
        /// The person the device will belong to, e.g. "Musa Garba": they see the cases they
        /// capture and those assigned to this name. The same name again is the same person
        /// (a new laptop, or enrolling again after a revocation).
        #[arg(long)]
        user: String,
        /// How long the code stays valid: e.g. 30m, 24h, 7d.
        #[arg(long, default_value = "24h")]
        expires: String,
    },
    /// Enrolled devices.
    #[command(subcommand)]
    Devices(DevicesCmd),
}

#[derive(Subcommand, Debug)]
enum DevicesCmd {
    /// List devices.
    List,
    /// Revoke a device: its next request is refused.
    Revoke { id: Uuid },
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    listen: Option<SocketAddr>,
    data_dir: Option<PathBuf>,
    token_ttl_secs: Option<u64>,
    page_bytes: Option<usize>,
    max_body_bytes: Option<usize>,
    timeout_secs: Option<u64>,
    header_timeout_secs: Option<u64>,
    behind_proxy: Option<bool>,
}

fn parse_duration(text: &str) -> Result<Duration> {
    let (number, unit) = text.trim().split_at(text.trim().len().saturating_sub(1));
    let n: u64 = number
        .parse()
        .map_err(|_| anyhow!("'{text}' is not a duration like 30m, 24h or 7d"))?;
    let secs = match unit {
        "m" => n * 60,
        "h" => n * 3600,
        "d" => n * 86_400,
        _ => return Err(anyhow!("'{text}' is not a duration like 30m, 24h or 7d")),
    };
    Ok(Duration::from_secs(secs))
}

fn main() -> std::process::ExitCode {
    match run(Cli::parse()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<()> {
    let file: FileConfig = match &cli.config {
        Some(path) => toml::from_str(
            &std::fs::read_to_string(path)
                .with_context(|| format!("cannot read {}", path.display()))?,
        )
        .with_context(|| format!("{} is not a valid config file", path.display()))?,
        None => FileConfig::default(),
    };
    let data_dir = cli
        .data_dir
        .clone()
        .or(file.data_dir.clone())
        .ok_or_else(|| {
            anyhow!("give --data-dir (or CITIZENS_SERVER_DATA_DIR, or data_dir in the config file)")
        })?;
    let storage = storage::sqlite::Sqlite::open(&data_dir)?;
    let now = http::now_millis();
    match cli.command.unwrap_or(Command::Serve { listen: None }) {
        Command::Enroll {
            role,
            org,
            org_public_key,
            user,
            expires,
        } => {
            let role = Role::parse(&role)
                .ok_or_else(|| anyhow!("--role must be volunteer or coordinator"))?;
            let ttl = parse_duration(&expires)?;
            let expires_at = now + i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX);
            let code = storage.create_enrolment(
                &storage::NewCode {
                    org: &org,
                    org_public_key: org_public_key.as_deref(),
                    role,
                    user: &user,
                    expires_at,
                },
                now,
            )?;
            println!("{code}");
            eprintln!(
                "one-time {} code for {} of {org}, valid for {expires}; it carries the organisation key's fingerprint",
                role.as_str(),
                user.trim()
            );
            Ok(())
        }
        Command::Devices(DevicesCmd::List) => {
            for d in storage.devices()? {
                let state = if d.revoked_at.is_some() {
                    "revoked"
                } else {
                    "active"
                };
                println!(
                    "{}  {:<11} {:<8} {:<4} {} ({}) — {}",
                    d.id, d.role, state, d.device_code, d.name, d.user, d.organisation
                );
            }
            Ok(())
        }
        Command::Devices(DevicesCmd::Revoke { id }) => {
            if storage.revoke(id, now)? {
                println!("revoked {id}");
                Ok(())
            } else {
                Err(anyhow!("no active device {id}"))
            }
        }
        Command::Serve { listen } => {
            let listen = listen
                .or(file.listen)
                .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 8420)));
            let limits = Limits {
                token_ttl_secs: file.token_ttl_secs.unwrap_or(900),
                page_bytes: file.page_bytes.unwrap_or(256 * 1024),
            };
            let config = http::HttpConfig {
                max_body_bytes: file.max_body_bytes.unwrap_or(32 * 1024 * 1024),
                timeout: Duration::from_secs(file.timeout_secs.unwrap_or(60)),
                header_timeout: Duration::from_secs(file.header_timeout_secs.unwrap_or(10)),
                behind_proxy: file.behind_proxy.unwrap_or(false),
            };
            serve(
                Arc::new(storage),
                listen,
                limits,
                config,
                data_dir.join("blobs"),
            )
        }
    }
}

/// Accept connections until `shutdown`, then let open ones finish. Each connection must send
/// its request headers within `header_timeout` (a client that trickles them is dropped), and
/// each request knows its peer address (`ConnectInfo`) for the enrolment rate limit.
async fn serve_connections(
    listener: tokio::net::TcpListener,
    app: axum::Router,
    header_timeout: Duration,
    shutdown: impl std::future::Future<Output = ()>,
) {
    use tower::ServiceExt as _;
    let (closing, closed) = tokio::sync::watch::channel(());
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let app = app.clone();
        let service = hyper::service::service_fn(
            move |mut request: hyper::Request<hyper::body::Incoming>| {
                request
                    .extensions_mut()
                    .insert(axum::extract::ConnectInfo(peer));
                app.clone().oneshot(request.map(axum::body::Body::new))
            },
        );
        let mut closed = closed.clone();
        tokio::spawn(async move {
            let mut builder =
                hyper_util::server::conn::auto::Builder::new(hyper_util::rt::TokioExecutor::new());
            builder
                .http1()
                .timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(header_timeout);
            let connection =
                builder.serve_connection(hyper_util::rt::TokioIo::new(stream), service);
            let mut connection = std::pin::pin!(connection);
            tokio::select! {
                _ = connection.as_mut() => {}
                _ = closed.changed() => {
                    connection.as_mut().graceful_shutdown();
                    let _ = connection.await;
                }
            }
        });
    }
    drop(closed);
    let _ = closing.send(());
    closing.closed().await;
}

#[tokio::main]
async fn serve(
    storage: Arc<dyn Storage>,
    listen: SocketAddr,
    limits: Limits,
    config: http::HttpConfig,
    blob_dir: PathBuf,
) -> Result<()> {
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let swept = blobs::sweep(&blob_dir, storage.as_ref())?;
    tracing::info!(removed = swept, "abandoned uploads swept");
    let (sweep_dir, sweep_storage) = (blob_dir.clone(), storage.clone());
    tokio::spawn(async move {
        // Swept just now; then every hour.
        let hour = Duration::from_secs(3600);
        let mut hourly = tokio::time::interval_at(tokio::time::Instant::now() + hour, hour);
        loop {
            hourly.tick().await;
            let (dir, storage) = (sweep_dir.clone(), sweep_storage.clone());
            let _ = tokio::task::spawn_blocking(move || blobs::sweep(&dir, storage.as_ref())).await;
        }
    });
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    let bound = listener.local_addr()?;
    println!("listening on http://{bound}");
    tracing::info!(%bound, "serving");
    let app = http::router(storage, limits, config, blob_dir);
    serve_connections(listener, app, config.header_timeout, async {
        let mut term =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = async { match term.as_mut() { Some(t) => { t.recv().await; } None => std::future::pending::<()>().await } } => {}
        }
        tracing::info!("shutting down");
    })
    .await;
    Ok(())
}
