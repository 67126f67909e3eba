//! The server's settings: the command line and environment over an optional TOML file over
//! defaults.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{anyhow, Context, Result};
use citizens_core::clock::Clock;
use citizens_core::geo::Lga;
use citizens_server_core::{Core, Limits};
use serde::Deserialize;

use crate::state::HttpConfig;

/// Which database the rules run on.
#[derive(Clone, PartialEq, Eq)]
pub enum Database {
    /// Embedded SQLite in the data folder (the default).
    Sqlite,
    /// PostgreSQL, shared by every instance.
    Postgres {
        /// `postgres://user:password@host:port/name`.
        url: String,
        /// Connections this instance keeps open at most.
        connections: u32,
    },
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Database::Sqlite => f.write_str("Sqlite"),
            Database::Postgres { url, connections } => f
                .debug_struct("Postgres")
                .field("url", &crate::storage::postgres::redact(url))
                .field("connections", connections)
                .finish(),
        }
    }
}

impl Database {
    /// `postgres://…` (or `postgresql://…`) is PostgreSQL; nothing is the embedded SQLite.
    pub fn parse(url: Option<&str>, connections: Option<u32>) -> Result<Database> {
        match url {
            None => Ok(Database::Sqlite),
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                Ok(Database::Postgres {
                    url: url.to_string(),
                    connections: connections.unwrap_or(16),
                })
            }
            Some(other) => Err(anyhow!(
                "--database must be a postgres:// address (leave it out for the embedded database), not '{}'",
                crate::storage::postgres::redact(other)
            )),
        }
    }
}

/// Everything [`crate::Application::build`] needs.
#[derive(Debug, Clone)]
pub struct Config {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// Folder for the embedded database and attachments.
    pub data_dir: PathBuf,
    /// The database.
    pub database: Database,
    /// Where attachments live: `s3://bucket` (shared by instances), or none for the data
    /// folder's `blobs/`.
    pub attachments: Option<String>,
    /// The rules' settings.
    pub limits: Limits,
    /// The HTTP layer's settings.
    pub http: HttpConfig,
    /// How the server is known to the public (Open311 discovery).
    pub public: Public,
}

/// How the server is known to the public.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Public {
    /// The address citizens and Open311 clients use, e.g. `https://citizens.example.org`
    /// (none: this server's own listening address).
    pub url: Option<String>,
    /// Who runs it, as the public should read it (none: "Citizens Connect").
    pub name: Option<String>,
    /// The organisation whose reports the public pages, SMS and WhatsApp take (none: the
    /// server takes none), where it files a message naming no place, and its limits.
    pub intake: Option<citizens_server_core::intake::Public>,
    /// The providers' secrets.
    pub providers: Providers,
    /// The Open311 integrations allowed to post requests (and, naming an agency, updates).
    pub integrations: Vec<Integration>,
}

/// An Open311 client allowed to post: its name, its `api_key`, and the agency (short name)
/// whose cases it may post updates to.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Integration {
    /// Who it is (for the log).
    pub name: String,
    /// Its key.
    pub key: String,
    /// The agency it speaks for, if any.
    pub agency: Option<String>,
}

impl std::fmt::Debug for Integration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Integration")
            .field("name", &self.name)
            .field("agency", &self.agency)
            .finish_non_exhaustive()
    }
}

/// The SMS and WhatsApp providers' secrets (none: that provider's webhook refuses everything).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Providers {
    /// The key in Africa's Talking's callback address (`/sms/africastalking?key=…`).
    pub africastalking_key: Option<String>,
    /// Twilio's auth token (signs its webhooks).
    pub twilio_auth_token: Option<String>,
    /// The token Meta's verify handshake sends.
    pub whatsapp_verify_token: Option<String>,
    /// The WhatsApp app secret (signs its webhooks).
    pub whatsapp_app_secret: Option<String>,
    /// Africa's Talking's SMS API, to reply with the reference and PIN.
    pub africastalking_send: Option<crate::replies::AfricasTalking>,
    /// The WhatsApp Cloud API, to reply with the reference and PIN.
    pub whatsapp_send: Option<crate::replies::WhatsApp>,
}

impl std::fmt::Debug for Providers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let set = |s: &Option<String>| if s.is_some() { "set" } else { "none" };
        f.debug_struct("Providers")
            .field("africastalking_key", &set(&self.africastalking_key))
            .field("twilio_auth_token", &set(&self.twilio_auth_token))
            .field("whatsapp_verify_token", &set(&self.whatsapp_verify_token))
            .field("whatsapp_app_secret", &set(&self.whatsapp_app_secret))
            .field("africastalking_send", &self.africastalking_send.is_some())
            .field("whatsapp_send", &self.whatsapp_send.is_some())
            .finish()
    }
}

/// The keys a config file may have.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    listen: Option<SocketAddr>,
    data_dir: Option<PathBuf>,
    token_ttl_secs: Option<u64>,
    page_bytes: Option<usize>,
    max_body_bytes: Option<usize>,
    timeout_secs: Option<u64>,
    header_timeout_secs: Option<u64>,
    behind_proxy: Option<bool>,
    enrol_attempts_per_minute: Option<u32>,
    database: Option<String>,
    database_connections: Option<u32>,
    attachments: Option<String>,
    public_url: Option<String>,
    public_name: Option<String>,
    public_org: Option<String>,
    public_home_state: Option<String>,
    public_home_lga: Option<String>,
    reports_per_hour: Option<u32>,
    tracks_per_hour: Option<u32>,
    messages_per_hour: Option<u32>,
    integration_reports_per_hour: Option<u32>,
    min_fill_secs: Option<u32>,
    africastalking_key: Option<String>,
    twilio_auth_token: Option<String>,
    whatsapp_verify_token: Option<String>,
    whatsapp_app_secret: Option<String>,
    africastalking_send: Option<crate::replies::AfricasTalking>,
    whatsapp_send: Option<crate::replies::WhatsApp>,
    #[serde(default)]
    open311: Vec<Integration>,
}

impl FileConfig {
    /// Read a config file (none: every key at its default).
    pub fn read(path: Option<&Path>) -> Result<FileConfig> {
        let Some(path) = path else {
            return Ok(FileConfig::default());
        };
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        toml::from_str(&text)
            .with_context(|| format!("{} is not a valid config file", path.display()))
    }

    /// The settings, the command line's `data_dir`, `database` and `listen` winning over the
    /// file's.
    pub fn resolve(
        self,
        data_dir: Option<PathBuf>,
        database: Option<String>,
        attachments: Option<String>,
        listen: Option<SocketAddr>,
    ) -> Result<Config> {
        let defaults = Limits::default();
        let http = HttpConfig::default();
        let intake = match self.public_org {
            Some(org) => {
                let home = Lga::parse(
                    self.public_home_state.as_deref().unwrap_or("FC"),
                    self.public_home_lga
                        .as_deref()
                        .unwrap_or("Abuja Municipal Area Council"),
                )
                .map_err(|e| anyhow!("public_home_state and public_home_lga: {e}"))?;
                let mut public = citizens_server_core::intake::Public::new(org, home);
                public.reports_per_hour = self.reports_per_hour.unwrap_or(public.reports_per_hour);
                public.tracks_per_hour = self.tracks_per_hour.unwrap_or(public.tracks_per_hour);
                public.messages_per_hour =
                    self.messages_per_hour.unwrap_or(public.messages_per_hour);
                public.min_fill_secs = self.min_fill_secs.unwrap_or(public.min_fill_secs);
                public.integration_reports_per_hour = self
                    .integration_reports_per_hour
                    .unwrap_or(public.integration_reports_per_hour);
                Some(public)
            }
            None => None,
        };
        Ok(Config {
            listen: listen
                .or(self.listen)
                .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 8420))),
            data_dir: data_dir.or(self.data_dir).ok_or_else(|| {
                anyhow!(
                    "give --data-dir (or CITIZENS_SERVER_DATA_DIR, or data_dir in the config file)"
                )
            })?,
            database: Database::parse(
                database.or(self.database).as_deref(),
                self.database_connections,
            )?,
            attachments: attachments.or(self.attachments),
            limits: Limits {
                token_ttl_secs: self.token_ttl_secs.unwrap_or(defaults.token_ttl_secs),
                page_bytes: self.page_bytes.unwrap_or(defaults.page_bytes),
                enrol_attempts_per_minute: self
                    .enrol_attempts_per_minute
                    .unwrap_or(defaults.enrol_attempts_per_minute),
            },
            http: HttpConfig {
                max_body_bytes: self.max_body_bytes.unwrap_or(http.max_body_bytes),
                timeout: self.timeout_secs.map_or(http.timeout, Duration::from_secs),
                header_timeout: self
                    .header_timeout_secs
                    .map_or(http.header_timeout, Duration::from_secs),
                behind_proxy: self.behind_proxy.unwrap_or(http.behind_proxy),
            },
            public: Public {
                url: self.public_url,
                name: self.public_name,
                intake,
                providers: Providers {
                    africastalking_key: self.africastalking_key,
                    twilio_auth_token: self.twilio_auth_token,
                    whatsapp_verify_token: self.whatsapp_verify_token,
                    whatsapp_app_secret: self.whatsapp_app_secret,
                    africastalking_send: self.africastalking_send,
                    whatsapp_send: self.whatsapp_send,
                },
                integrations: self.open311,
            },
        })
    }
}

impl Config {
    /// Defaults for a server keeping its data in `data_dir`, on a free loopback port.
    pub fn local(data_dir: impl Into<PathBuf>) -> Config {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            data_dir: data_dir.into(),
            database: Database::Sqlite,
            attachments: None,
            limits: Limits::default(),
            http: HttpConfig::default(),
            public: Public::default(),
        }
    }

    /// Open the database and put the rules over it (blocking: not on an async worker).
    pub fn open(&self, clock: Arc<dyn Clock>) -> Result<Core> {
        let db: Arc<dyn citizens_server_core::Persistence> = match &self.database {
            Database::Sqlite => Arc::new(crate::storage::sqlite::Sqlite::open(&self.data_dir)?),
            Database::Postgres { url, connections } => {
                Arc::new(crate::storage::postgres::Postgres::open(url, *connections)?)
            }
        };
        let core = Core::new(db, clock, Box::new(rand::rngs::OsRng), self.limits)?;
        for (org, record) in core.shipped_data_kept_back() {
            tracing::warn!(
                org = ?org,
                %record,
                "a stored copy of a shipped record could not take this release's shipped data; it keeps what it had"
            );
        }
        Ok(match &self.public.intake {
            Some(public) => core.with_public(public.clone()),
            None => core,
        })
    }

    /// Where attachments live.
    pub fn blobs(&self) -> Result<crate::blobs::Blobs> {
        match &self.attachments {
            None => crate::blobs::Blobs::folder(&self.data_dir.join("blobs")),
            Some(url) if url.starts_with("s3://") => crate::blobs::Blobs::s3(url),
            Some(other) => Err(anyhow!(
                "attachments must be an s3:// bucket (leave it out for the data folder), not '{other}'"
            )),
        }
    }

    /// Bring the database's schema up to date; the version it was at.
    pub fn migrate(&self) -> Result<i64> {
        match &self.database {
            Database::Sqlite => {
                let before = crate::storage::sqlite::Sqlite::version(&self.data_dir)?;
                crate::storage::sqlite::Sqlite::open(&self.data_dir)?;
                Ok(i64::from(before))
            }
            Database::Postgres { url, .. } => {
                Ok(i64::from(crate::storage::postgres::Postgres::migrate(url)?))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_public_organisation_alone_files_unplaced_messages_in_the_fct_and_keeps_its_keys_out_of_logs(
    ) {
        let file: FileConfig = toml::from_str(
            "public_org = \"Kano Civic Forum\"\ntwilio_auth_token = \"secret-token\"\n\
             [[open311]]\nname = \"Civic app\"\nkey = \"secret-key\"\n",
        )
        .expect("config");
        let config = file
            .resolve(Some("/tmp/x".into()), None, None, None)
            .expect("resolves");
        let intake = config.public.intake.clone().expect("intake");
        assert_eq!(
            (
                intake.org.as_str(),
                intake.home.state.code,
                intake.home.name
            ),
            ("Kano Civic Forum", "FC", "Abuja Municipal Area Council")
        );
        let shown = format!("{config:?}");
        assert!(
            !shown.contains("secret-token") && !shown.contains("secret-key"),
            "{shown}"
        );
        let wrong: FileConfig = toml::from_str(
            "public_org = \"X\"\npublic_home_state = \"Kano\"\npublic_home_lga = \"Ikeja\"\n",
        )
        .expect("config");
        let error = wrong
            .resolve(Some("/tmp/x".into()), None, None, None)
            .expect_err("refused");
        assert!(
            error.to_string().starts_with(
                "public_home_state and public_home_lga: LGA: 'Ikeja' is not an LGA of Kano state"
            ),
            "{error}"
        );
    }
}
