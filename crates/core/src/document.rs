//! Records ⇄ Automerge documents, through autosurgeon. One document per record.

use automerge::transaction::CommitOptions;
use automerge::{ActorId, AutoCommit};
use autosurgeon::{Hydrate, Reconcile};

use crate::clock::Timestamp;
use crate::error::{Error, Result};

/// A new document holding `value`, committed by `actor` at `at`.
pub fn create<T: Reconcile>(actor: &ActorId, value: &T, at: Timestamp) -> Result<AutoCommit> {
    let mut doc = AutoCommit::new().with_actor(actor.clone());
    autosurgeon::reconcile(&mut doc, value).map_err(|e| Error::Document(e.to_string()))?;
    doc.commit_with(commit_options(at));
    Ok(doc)
}

/// Read the record out of a document.
pub fn read<T: Hydrate>(doc: &AutoCommit) -> Result<T> {
    autosurgeon::hydrate(doc).map_err(|e| Error::Document(e.to_string()))
}

/// Edit the record in place: hydrate, let `edit` change it, reconcile only what changed, commit.
/// Returns the edited record and what `edit` returned. When `edit` fails, the document is left
/// as it was.
pub fn edit<T, R>(
    doc: &mut AutoCommit,
    at: Timestamp,
    edit: impl FnOnce(&mut T) -> Result<R>,
) -> Result<(T, R)>
where
    T: Reconcile + Hydrate,
{
    let mut value: T = read(doc)?;
    let out = edit(&mut value)?;
    autosurgeon::reconcile(doc, &value).map_err(|e| Error::Document(e.to_string()))?;
    doc.commit_with(commit_options(at));
    Ok((value, out))
}

fn commit_options(at: Timestamp) -> CommitOptions {
    CommitOptions::default().with_time(at.millis() / 1000)
}

/// The actor id as hex (for the audit map).
pub fn actor_hex(actor: &ActorId) -> String {
    actor.to_hex_string()
}
