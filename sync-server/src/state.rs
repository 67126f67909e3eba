//! What the server's HTTP edge shares: the running server's state ([`AppState`]), the HTTP
//! settings, how the public face is known ([`Face`]), running a rule off the async workers,
//! where a request came from, and a form's fields. A leaf: the router (`http.rs`) and the
//! routes it merges (`blobs_http.rs`, `open311.rs`, `public/`) import it; it imports none of
//! them, only leaves of its own (the attachment store `blobs.rs`, `config.rs`, `error.rs`).

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::http::HeaderMap;
use citizens_server_core::webhooks;
use citizens_server_core::Core;

use crate::blobs::Blobs;
use crate::config::{Integration, Providers};
use crate::error::{ApiError, Result};

/// Shared state of the running server.
#[derive(Debug)]
pub struct AppState {
    /// The rules over the database.
    pub core: Arc<Core>,
    /// Where attachments live.
    pub blobs: Blobs,
    /// Count clients by `X-Forwarded-For` (see [`HttpConfig::behind_proxy`]).
    pub(crate) behind_proxy: bool,
    /// How the server is known to Open311 clients.
    pub site: citizens_server_core::open311::Site,
    /// How the public pages and webhooks know it.
    pub face: Face,
}

/// Settings of the HTTP layer.
#[derive(Debug, Clone, Copy)]
pub struct HttpConfig {
    /// Largest request body accepted (after decompression).
    pub max_body_bytes: usize,
    /// Per-request timeout.
    pub timeout: Duration,
    /// How long a connection may take to send its request headers.
    pub header_timeout: Duration,
    /// The server sits behind a proxy that appends the client's address to `X-Forwarded-For`:
    /// rate limits then count per client, not per proxy. Off, the header is ignored (anyone
    /// could write it).
    pub behind_proxy: bool,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            max_body_bytes: 32 * 1024 * 1024,
            timeout: Duration::from_secs(60),
            header_timeout: Duration::from_secs(10),
            behind_proxy: false,
        }
    }
}

/// How the public face is known and which providers it takes.
#[derive(Debug, Clone)]
pub struct Face {
    /// The name the public reads.
    pub name: String,
    /// The address the public uses, without a trailing slash.
    pub url: String,
    /// The providers' secrets.
    pub providers: Providers,
    /// Sends replies through the providers' APIs.
    pub replier: crate::replies::Replier,
    /// The Open311 integrations.
    pub integrations: Vec<Integration>,
}

impl Face {
    /// The integration with this key (compared in constant time with each).
    pub fn integration(&self, key: &str) -> Option<&Integration> {
        self.integrations
            .iter()
            .find(|i| webhooks::same_secret(key, &i.key))
    }
}

/// Run a rule off the async workers (the databases' clients block).
pub async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> citizens_server_core::Result<T> + Send + 'static,
) -> Result<T> {
    Ok(tokio::task::spawn_blocking(f)
        .await
        .map_err(ApiError::internal)??)
}

/// Where a request came from: behind a proxy, the last address the proxy appended (the last
/// `X-Forwarded-For` line's last entry: anything before it the client could have written).
pub fn client_of(state: &AppState, peer: SocketAddr, headers: &HeaderMap) -> IpAddr {
    state
        .behind_proxy
        .then(|| {
            headers
                .get_all("x-forwarded-for")
                .iter()
                .next_back()
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.rsplit(',').next())
                .and_then(|v| v.trim().parse::<IpAddr>().ok())
        })
        .flatten()
        .unwrap_or(peer.ip())
}

/// The key a client is counted under for rate limits: its IPv4 address, or its IPv6 /64 (one
/// subscriber's network: anyone holds a whole /64).
pub fn client_key(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

/// A form's fields, in order (a field sent twice keeps its first value).
pub fn fields(body: &[u8]) -> Vec<(String, String)> {
    serde_urlencoded::from_bytes(body).unwrap_or_default()
}

/// The first value of the field `name` (empty when it was not sent).
pub fn field<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}
