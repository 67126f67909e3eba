//! `citizens-server`: the central sync server. Devices enrol with one-time codes, then push
//! their local changes and pull what their role lets them see (protocol v1, CBOR over HTTP).
//! Everything is in the library; this reads the command line.
#![allow(clippy::print_stdout)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{anyhow, Result};
use citizens_core::clock::SystemClock;
use citizens_protocol::Role;
use citizens_server::config::FileConfig;
use citizens_server::Application;
use citizens_server_core::desk::NewOfficer;
use citizens_server_core::NewCode;
use clap::{Parser, Subcommand};
use uuid::Uuid;

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
    /// A PostgreSQL database shared by several instances (`postgres://user:password@host/name`);
    /// without it, the embedded database in --data-dir. Attachments stay in --data-dir.
    #[arg(
        long,
        global = true,
        env = "CITIZENS_SERVER_DATABASE",
        hide_env_values = true
    )]
    database: Option<String>,
    /// Attachments in an S3 bucket shared by the instances (`s3://bucket`; endpoint and keys
    /// from AWS_ENDPOINT, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION); without it,
    /// `blobs/` in --data-dir.
    #[arg(long, global = true, env = "CITIZENS_SERVER_ATTACHMENTS")]
    attachments: Option<String>,
    /// A TOML config file (keys: listen, data_dir, database, database_connections, attachments,
    /// token_ttl_secs, page_bytes, max_body_bytes, timeout_secs, header_timeout_secs,
    /// behind_proxy, enrol_attempts_per_minute).
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
    /// Make a one-time enrolment code (for an agency's officer: a code that sets up their
    /// account on the agency desk, /desk/setup).
    Enroll {
        /// volunteer, coordinator or agency.
        #[arg(long)]
        role: String,
        /// With --role agency: the agency, by its short name in the organisation's directory
        /// (e.g. KEDCO).
        #[arg(long)]
        agency: Option<String>,
        /// With --role agency: a phone registered for the officer; its SMS `ACK <case code>
        /// [their reference]` to the organisation's number acknowledges the agency's case.
        #[arg(long)]
        phone: Option<String>,
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
    /// Agency officers of the agency desk.
    #[command(subcommand)]
    Officers(OfficersCmd),
    /// Status messages sent to reporters this month, by provider (what they cost).
    Updates,
    /// Bring the database's schema up to date (PostgreSQL: run once before starting instances
    /// of a new version; they refuse to start on an older schema).
    Migrate,
}

#[derive(Subcommand, Debug)]
enum OfficersCmd {
    /// List officers: sign-in name, state (invited, active, locked, revoked), name, agency.
    List,
    /// Revoke an officer: their sessions end now and they cannot sign in again.
    Revoke {
        /// Their sign-in name (e.g. KEDCO-7QK).
        login: String,
    },
}

#[derive(Subcommand, Debug)]
enum DevicesCmd {
    /// List devices.
    List,
    /// Revoke a device: its next request is refused.
    Revoke { id: Uuid },
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

/// Text from the database or the command line as the terminal shows it: a control character
/// (a device's name of `\x1b[2K\r… revoked`) is written out, never acted on.
fn shown(text: &str) -> String {
    citizens_core::text::escape_controls(text)
}

fn main() -> std::process::ExitCode {
    match run(Cli::parse()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", shown(&format!("{e:#}")));
            std::process::ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<()> {
    let file = FileConfig::read(cli.config.as_deref())?;
    let command = cli.command.unwrap_or(Command::Serve { listen: None });
    let listen = match &command {
        Command::Serve { listen } => *listen,
        _ => None,
    };
    let config = file.resolve(cli.data_dir, cli.database, cli.attachments, listen)?;
    match command {
        Command::Serve { .. } => return serve(config),
        Command::Migrate => {
            let before = config.migrate()?;
            println!("database schema was {before}; it is up to date");
            return Ok(());
        }
        _ => {}
    }
    let core = config.open(Arc::new(SystemClock))?;
    match command {
        Command::Enroll {
            role,
            agency,
            phone,
            org,
            user,
            expires,
            ..
        } if role == "agency" => {
            let agency = agency.ok_or_else(|| {
                anyhow!("--role agency needs --agency, the agency's short name (e.g. KEDCO)")
            })?;
            let invitation = core.invite_officer(&NewOfficer {
                org: &org,
                agency: &agency,
                user: &user,
                phone: phone.as_deref(),
                valid_for: parse_duration(&expires)?,
            })?;
            println!("{}", invitation.code);
            eprintln!(
                "one-time set-up code for {} of {} at {}, valid for {}; their sign-in name is {} (they open /desk/setup on this server's public address)",
                shown(user.trim()),
                shown(&agency),
                shown(&org),
                shown(&expires),
                invitation.login
            );
            Ok(())
        }
        Command::Enroll {
            role,
            agency,
            phone,
            org,
            org_public_key,
            user,
            expires,
        } => {
            if agency.is_some() || phone.is_some() {
                return Err(anyhow!("--agency and --phone are only for --role agency"));
            }
            let role = Role::parse(&role)
                .ok_or_else(|| anyhow!("--role must be volunteer, coordinator or agency"))?;
            let code = core.create_enrolment(&NewCode {
                org: &org,
                org_public_key: org_public_key.as_deref(),
                role,
                user: &user,
                valid_for: parse_duration(&expires)?,
            })?;
            println!("{code}");
            eprintln!(
                "one-time {} code for {} of {}, valid for {}; it carries the organisation key's fingerprint",
                role.as_str(),
                shown(user.trim()),
                shown(&org),
                shown(&expires)
            );
            Ok(())
        }
        Command::Devices(DevicesCmd::List) => {
            for d in core.devices()? {
                let state = if d.revoked_at.is_some() {
                    "revoked"
                } else {
                    "active"
                };
                println!(
                    "{}  {:<11} {:<8} {:<4} {} ({}) — {}",
                    d.id,
                    shown(&d.role),
                    state,
                    shown(&d.device_code),
                    shown(&d.name),
                    shown(&d.user),
                    shown(&d.organisation)
                );
            }
            Ok(())
        }
        Command::Devices(DevicesCmd::Revoke { id }) => {
            if core.revoke(id)? {
                println!("revoked {id}");
                Ok(())
            } else {
                Err(anyhow!("no active device {id}"))
            }
        }
        Command::Officers(OfficersCmd::List) => {
            for o in core.officers()? {
                println!(
                    "{:<16} {:<8} {} ({}) — {}",
                    o.login,
                    o.state,
                    shown(&o.name),
                    shown(&o.agency),
                    shown(&o.organisation)
                );
            }
            Ok(())
        }
        Command::Officers(OfficersCmd::Revoke { login }) => {
            if core.revoke_officer(&login)? {
                println!("revoked {}", shown(&login));
                Ok(())
            } else {
                Err(anyhow!("{} was already revoked", shown(&login)))
            }
        }
        Command::Updates => {
            let sent = core.updates_this_month()?;
            let total: u64 = sent.iter().map(|(_, n)| n).sum();
            println!("status messages sent this month: {total}");
            for (provider, n) in sent {
                println!("  {provider}: {n}");
            }
            Ok(())
        }
        Command::Serve { .. } | Command::Migrate => Ok(()),
    }
}

#[tokio::main]
async fn serve(config: citizens_server::Config) -> Result<()> {
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let app = Application::build(config, Arc::new(SystemClock)).await?;
    let bound = app.local_addr()?;
    println!("listening on http://{bound}");
    tracing::info!(%bound, "serving");
    app.run_until(async {
        let mut term =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = async { match term.as_mut() { Some(t) => { t.recv().await; } None => std::future::pending::<()>().await } } => {}
        }
        tracing::info!("shutting down");
    })
    .await
}
