//! The Citizens Connect sync server as a library: [`Application::build`] opens the database,
//! puts the rules (`citizens-server-core`) over it and binds the listener; the binary
//! (`citizens-server`) only reads its command line. Tests run it in-process with their own
//! clock ([`Application::spawn`]).

mod blobs;
mod blobs_http;
pub mod config;
mod desk;
mod error;
mod http;
mod open311;
mod public;
pub mod replies;
mod state;
pub mod storage;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use citizens_core::clock::Clock;
use citizens_server_core::Core;

pub use config::Config;
/// The public pages' rendering (HTML, style sheet, words), for tests that read the pages.
pub use public::pages;
pub use state::HttpConfig;

/// A server ready to serve: database open and migrated, listener bound.
#[derive(Debug)]
pub struct Application {
    core: Arc<Core>,
    listener: tokio::net::TcpListener,
    blobs: blobs::Blobs,
    http: HttpConfig,
    site: citizens_server_core::open311::Site,
    face: state::Face,
    sweeps: tokio::sync::watch::Sender<u64>,
}

impl Application {
    /// Open the database `config` names, put the rules over it (reading time from `clock`,
    /// secrets from the operating system), sweep abandoned uploads and bind `config.listen`
    /// (port 0 picks one).
    pub async fn build(config: Config, clock: Arc<dyn Clock>) -> Result<Application> {
        let core = {
            let config = config.clone();
            Arc::new(tokio::task::spawn_blocking(move || config.open(clock)).await??)
        };
        let blobs = config.blobs()?;
        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .with_context(|| format!("cannot listen on {}", config.listen))?;
        let url = match &config.public.url {
            Some(url) => url.trim_end_matches('/').to_string(),
            None => format!("http://{}", listener.local_addr()?),
        };
        let name = config
            .public
            .name
            .clone()
            .unwrap_or_else(|| "Citizens Connect".into());
        let site = citizens_server_core::open311::Site {
            url: format!("{url}/open311/v2"),
            organisation: name.clone(),
        };
        let face = state::Face {
            name,
            url,
            replier: replies::Replier::new(
                config.public.providers.africastalking_send.clone(),
                config.public.providers.whatsapp_send.clone(),
            )?,
            providers: config.public.providers.clone(),
            integrations: config.public.integrations.clone(),
        };
        Ok(Application {
            core,
            listener,
            blobs,
            http: config.http,
            site,
            face,
            sweeps: tokio::sync::watch::channel(0).0,
        })
    }

    /// Where it listens.
    pub fn local_addr(&self) -> Result<SocketAddr> {
        Ok(self.listener.local_addr()?)
    }

    /// The rules it serves (for administration and tests).
    pub fn core(&self) -> Arc<Core> {
        self.core.clone()
    }

    /// How many sweeps of abandoned uploads have finished.
    fn sweeps(&self) -> tokio::sync::watch::Receiver<u64> {
        self.sweeps.subscribe()
    }

    /// Serve until `shutdown` completes, then let open requests finish. In the background, at
    /// start and then every hour, SMS and WhatsApp senders' hashes older than a day are
    /// blanked (whether or not another message comes) and abandoned uploads are swept: a
    /// store of millions of objects never delays serving.
    pub async fn run_until(self, shutdown: impl std::future::Future<Output = ()>) -> Result<()> {
        // Files of the layout before organisations kept their own go to theirs before anything
        // is served.
        match self.blobs.adopt_legacy(self.core.clone()).await {
            Ok(0) => {}
            Ok(adopted) => tracing::info!(adopted, "attachments moved to their organisations"),
            Err(e) => {
                tracing::warn!(error = %e, "moving attachments to their organisations failed")
            }
        }
        let (blobs, core, sweeps) = (self.blobs.clone(), self.core.clone(), self.sweeps);
        let sweeper = tokio::spawn(async move {
            let mut hourly = tokio::time::interval(Duration::from_secs(3600));
            loop {
                hourly.tick().await;
                let forgetting = core.clone();
                match state::blocking(move || forgetting.forget_senders()).await {
                    Ok(()) => tracing::info!("senders older than a day forgotten"),
                    Err(e) => {
                        tracing::warn!(code = e.0.code().as_str(), "forgetting senders failed")
                    }
                }
                match blobs.sweep(core.clone()).await {
                    Ok(removed) => tracing::info!(removed, "abandoned uploads swept"),
                    Err(e) => tracing::warn!(error = %e, "sweeping attachments failed"),
                }
                sweeps.send_modify(|n| *n += 1);
            }
        });
        let updater = tokio::spawn(send_updates(self.core.clone(), self.face.replier.clone()));
        // The rules' last handle is let go on a blocking thread: dropping PostgreSQL's
        // synchronous clients blocks, which a runtime worker may not (the server aborted after
        // its graceful shutdown, so systemd called every stop a failure).
        let last = self.core.clone();
        let app = http::router(self.core, self.http, self.blobs, self.site, self.face);
        serve_connections(self.listener, app, self.http.header_timeout, shutdown).await;
        sweeper.abort();
        let _ = sweeper.await;
        updater.abort();
        let _ = updater.await;
        let _ = tokio::task::spawn_blocking(move || drop(last)).await;
        Ok(())
    }

    /// Build and serve on a thread of its own (tests, tools): the server stops when the
    /// handle is dropped.
    pub fn spawn(config: Config, clock: Arc<dyn Clock>) -> Result<Running> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()?;
        let app = runtime.block_on(Application::build(config, clock))?;
        let (addr, core, sweeps) = (app.local_addr()?, app.core(), app.sweeps());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            runtime.block_on(app.run_until(async {
                let _ = stopped.await;
            }))
        });
        Ok(Running {
            url: format!("http://{addr}"),
            core,
            sweeps,
            stop: Some(stop),
            thread: Some(thread),
        })
    }
}

/// A server serving on its own thread; dropped, it stops.
#[derive(Debug)]
pub struct Running {
    /// Its address, `http://127.0.0.1:PORT`.
    pub url: String,
    core: Arc<Core>,
    sweeps: tokio::sync::watch::Receiver<u64>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<Result<()>>>,
}

impl Running {
    /// The rules it serves.
    pub fn core(&self) -> &Core {
        &self.core
    }

    /// Wait until the sweep of abandoned uploads made at start has finished.
    pub fn wait_for_first_sweep(&self) {
        let mut sweeps = self.sweeps.clone();
        // The watch needs no runtime of its own; the server's keeps running on its thread.
        let _ = futures::executor::block_on(sweeps.wait_for(|n| *n > 0));
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
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

/// Send the status messages the rules queued for reporters, every two seconds, through the
/// provider each came in by: each is taken once (marked sent, its phone forgotten), so that
/// several instances never send one twice.
async fn send_updates(core: Arc<Core>, replier: replies::Replier) {
    let mut every = tokio::time::interval(Duration::from_secs(2));
    loop {
        every.tick().await;
        let taking = core.clone();
        let taken = match state::blocking(move || taking.take_updates(50)).await {
            Ok(taken) => taken,
            Err(e) => {
                tracing::warn!(code = e.0.code().as_str(), "taking status messages failed");
                continue;
            }
        };
        for row in taken {
            let provider = match row.provider.as_str() {
                citizens_server_core::webhooks::AFRICAS_TALKING => {
                    citizens_server_core::webhooks::AFRICAS_TALKING
                }
                citizens_server_core::webhooks::WHATSAPP => {
                    citizens_server_core::webhooks::WHATSAPP
                }
                _ => continue,
            };
            if let Some(phone) = &row.phone {
                replier.send(provider, phone.clone(), public::update_text(&row));
            }
        }
    }
}
