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
    revise(doc, &value, at)?;
    Ok((value, out))
}

/// Make the document hold `value`: one change (none when it already does), committed at `at`.
pub fn revise<T: Reconcile>(doc: &mut AutoCommit, value: &T, at: Timestamp) -> Result<()> {
    autosurgeon::reconcile(doc, value).map_err(|e| Error::Document(e.to_string()))?;
    doc.commit_with(commit_options(at));
    Ok(())
}

fn commit_options(at: Timestamp) -> CommitOptions {
    CommitOptions::default().with_time(at.millis() / 1000)
}

/// One change in a document's history: who (the Automerge actor), when, and which of the
/// record's fields it touched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeSummary {
    /// The actor id (hex) that made it.
    pub actor: String,
    /// When (to the second, as committed).
    pub at: Timestamp,
    /// It created the record.
    pub created: bool,
    /// The record's top-level fields it changed, e.g. `status_history`, `assignee`.
    pub fields: std::collections::BTreeSet<String>,
}

/// Every change in the document, oldest first (causal order), each with the fields it touched.
pub fn history(doc: &mut AutoCommit) -> Vec<ChangeSummary> {
    let changes = doc.get_changes(&[]);
    changes
        .iter()
        .map(|change| {
            let created = change.deps().is_empty();
            let fields = if created {
                Default::default()
            } else {
                doc.diff(change.deps(), &[change.hash()])
                    .into_iter()
                    .filter_map(|patch| match (patch.path.first(), patch.action) {
                        (Some((_, automerge::Prop::Map(field))), _) => Some(field.clone()),
                        (None, automerge::PatchAction::PutMap { key, .. })
                        | (None, automerge::PatchAction::DeleteMap { key }) => Some(key),
                        _ => None,
                    })
                    .collect()
            };
            ChangeSummary {
                actor: change.actor_id().to_hex_string(),
                at: Timestamp::from_millis(change.timestamp().saturating_mul(1000)),
                created,
                fields,
            }
        })
        .collect()
}

/// Why untrusted bytes were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    /// Not valid record data, or more than [`crate::untrusted::CAPS`] allows.
    #[error("{0}")]
    Invalid(String),
    /// Valid changes that clash with the history here: another change already holds their
    /// actor and sequence number (someone wrote under another device's actor id).
    #[error("{0}")]
    Conflicting(String),
    /// Valid changes that build on changes this copy does not hold.
    #[error("changes arrived without the changes they build on")]
    MissingDependencies,
}

/// Apply untrusted change bytes (or a saved document) to `stored` (a copy the caller loaded), inside
/// `catch_unwind`: malformed input that makes automerge panic or fail is refused and the stored
/// document is untouched. Changes whose dependencies are missing are refused too. Before
/// Automerge sees them, the bytes are walked under [`crate::untrusted::CAPS`] (what they
/// inflate to, how many operations they claim), so no input can cost more than that.
pub fn apply_untrusted(
    stored: Option<AutoCommit>,
    changes: &[&[u8]],
) -> std::result::Result<AutoCommit, Refused> {
    crate::untrusted::check_all(changes, crate::untrusted::CAPS)
        .map_err(|e| Refused::Invalid(e.to_string()))?;
    let mut doc = stored.unwrap_or_default();
    let parsed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
        for change in changes {
            doc.load_incremental(change)?;
        }
        Ok::<_, automerge::AutomergeError>(doc)
    }));
    let mut doc = match parsed {
        Ok(Ok(doc)) => doc,
        Ok(Err(automerge::AutomergeError::DuplicateSeqNumber(seq, actor))) => {
            return Err(Refused::Conflicting(format!(
                "another change already holds sequence number {seq} of writer {actor}"
            )))
        }
        Ok(Err(e)) => return Err(Refused::Invalid(format!("not valid record data ({e})"))),
        Err(_) => return Err(Refused::Invalid("malformed record data".into())),
    };
    if !doc.get_missing_deps(&[]).is_empty() {
        return Err(Refused::MissingDependencies);
    }
    Ok(doc)
}

/// Refused, in words, when `changes` write a text or a key holding a control character other
/// than a line break or a tab (ESC, a lone carriage return, backspace…: what can rewrite the
/// terminal or the log that shows it). Only what the changes write is read, so a record that
/// holds such text from before this rule can still be worked.
pub fn refuse_control_text(changes: &[automerge::Change]) -> Result<()> {
    use automerge::legacy::{Key, OpType};
    use automerge::ScalarValue;
    let harmless = |c: char| matches!(c, '\n' | '\r' | '\t') || !crate::text::acts_on_screen(c);
    for change in changes {
        for op in change.decode().operations {
            let key = match &op.key {
                Key::Map(key) => Some(key.as_str()),
                Key::Seq(_) => None,
            };
            let value = match &op.action {
                OpType::Put(ScalarValue::Str(text)) => Some(text.as_str()),
                _ => None,
            };
            for text in key.into_iter().chain(value) {
                // A carriage return only as part of a line break (`\r\n`).
                let lone_return = text
                    .char_indices()
                    .any(|(i, c)| c == '\r' && !text[i + 1..].starts_with('\n'));
                if lone_return || !text.chars().all(harmless) {
                    return Err(Error::invalid(
                        "text",
                        "it holds an invisible control character (such as ESC or a lone carriage return) that could rewrite the screen showing it; nothing of it was stored",
                    ));
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use automerge::transaction::Transactable;
    use automerge::ROOT;

    use super::*;

    fn written(key: &str, value: &str) -> Result<()> {
        let mut doc = AutoCommit::new();
        doc.put(ROOT, key, value).expect("put");
        doc.commit();
        let changes = doc.get_changes(&[]);
        refuse_control_text(&changes)
    }

    #[test]
    fn text_with_a_control_character_is_refused_line_breaks_and_tabs_are_not() {
        assert_eq!(written("narrative", "one\r\ntwo\nthree\tfour"), Ok(()));
        let refused = "text: it holds an invisible control character (such as ESC or a lone carriage return) that could rewrite the screen showing it; nothing of it was stored";
        for hostile in [
            "\u{1b}[2K… revoked",
            "cover\rover",
            "back\u{8}",
            "\u{9b}2J",
            "revoked\u{202e}evitca",
        ] {
            assert_eq!(
                written("title", hostile).map_err(|e| e.to_string()),
                Err(refused.to_string()),
                "{hostile:?}"
            );
        }
        assert_eq!(
            written("\u{1b}]0;owned\u{7}", "a key").map_err(|e| e.to_string()),
            Err(refused.to_string())
        );
    }
}
