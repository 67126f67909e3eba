//! The background sync: its own thread with its own connection to the store, so the window never
//! waits for the network. The window polls [`Live`] for the indicator and the progress bar.

use std::sync::mpsc::{channel, Sender};
use std::sync::{Arc, Mutex};

use citizens_client::{Client, Nudge, Progress, SyncLoop};
use serde::Serialize;

/// What the sync thread is doing now.
#[derive(Debug, Clone, Default, Serialize, ts_rs::TS)]
pub struct Live {
    /// A background sync thread is running.
    pub running: bool,
    /// A sync is in progress.
    pub syncing: bool,
    /// `pushing`, `pulled`, `retrying` or `recovering` while syncing.
    pub stage: Option<&'static str>,
    /// Changes sent and received in this sync so far.
    pub sent: usize,
    /// Changes received so far.
    pub received: usize,
    /// Why the thread stopped for good (revoked, not enrolled), in plain words.
    pub stopped: Option<String>,
}

/// The handle the window keeps.
#[derive(Debug, Default)]
pub struct Background {
    nudges: Mutex<Option<Sender<Nudge>>>,
    /// Shared with the thread.
    pub live: Arc<Mutex<Live>>,
}

impl Background {
    /// Start the thread unless one runs. It syncs through its own connection to the store,
    /// made by `open` on the thread (so the window does not wait for the key derivation).
    pub fn start(&self, open: impl FnOnce() -> citizens_client::Result<Client> + Send + 'static) {
        let Ok(mut nudges) = self.nudges.lock() else {
            return;
        };
        if nudges.is_some() {
            return;
        }
        let (sender, receiver) = channel();
        *nudges = Some(sender);
        let live = Arc::clone(&self.live);
        update(&live, |l| {
            *l = Live {
                running: true,
                syncing: true,
                ..Live::default()
            }
        });
        std::thread::spawn(move || {
            let ended = match open() {
                Ok(mut client) => {
                    let progress_live = Arc::clone(&live);
                    client
                        .run_sync_loop(
                            &receiver,
                            SyncLoop::default(),
                            &mut |p| {
                                update(&progress_live, |l| {
                                    l.syncing = true;
                                    match p {
                                        Progress::Pushing(n) => {
                                            l.stage = Some("pushing");
                                            l.sent += n;
                                        }
                                        Progress::Pulled(n) => {
                                            l.stage = Some("pulled");
                                            l.received += n;
                                        }
                                        Progress::Retrying(_) => l.stage = Some("retrying"),
                                        Progress::Recovering => l.stage = Some("recovering"),
                                    }
                                })
                            },
                            &mut |_| {
                                update(&live, |l| {
                                    l.syncing = false;
                                    l.stage = None;
                                    l.sent = 0;
                                    l.received = 0;
                                })
                            },
                        )
                        .err()
                        .map(|e| e.to_string())
                }
                Err(e) => Some(e.to_string()),
            };
            update(&live, |l| {
                l.running = false;
                l.syncing = false;
                l.stopped = ended;
            });
        });
    }

    /// Ask for a sync now. False when no thread runs.
    pub fn nudge(&self) -> bool {
        let Ok(mut nudges) = self.nudges.lock() else {
            return false;
        };
        let running = self.live.lock().map(|l| l.running).unwrap_or(false);
        match nudges.as_ref() {
            Some(sender) if running => {
                update(&self.live, |l| l.syncing = true);
                sender.send(Nudge::SyncNow).is_ok()
            }
            _ => {
                // The thread ended (or never ran): forget it so it can be started again.
                *nudges = None;
                false
            }
        }
    }

    /// The indicator's view.
    pub fn live(&self) -> Live {
        self.live.lock().map(|l| l.clone()).unwrap_or_default()
    }
}

fn update(live: &Mutex<Live>, f: impl FnOnce(&mut Live)) {
    if let Ok(mut l) = live.lock() {
        f(&mut l);
    }
}
