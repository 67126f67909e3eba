//! The case lifecycle: explicit transitions, status derived from an append-only history,
//! concurrent changes detected as a conflict.
//!
//! Each history entry names the entries it followed (`after`: the tips its device saw). The
//! tips of the history are the entries nobody followed. One tip: that is the status. Several
//! tips with different statuses: two devices changed the status concurrently — a conflict
//! that a coordinator settles with an entry that follows all the tips.

use std::collections::HashSet;

use autosurgeon::{Hydrate, Reconcile};

use crate::clock::Timestamp;
use crate::error::{Error, Result};
use crate::ids::EntryId;
use crate::text_enum::text_enum;

text_enum!(
    /// Where a case stands.
    Status, "status", {
        /// Captured, not yet looked at.
        New => "new",
        /// Checked and categorised by a case worker.
        Triaged => "triaged",
        /// Sent to the agency responsible.
        Forwarded => "forwarded",
        /// The agency confirmed receipt.
        Acknowledged => "acknowledged",
        /// The agency is working on it.
        InProgress => "in_progress",
        /// The agency says it is fixed.
        Resolved => "resolved",
        /// Confirmed with the citizen and closed.
        Closed => "closed",
        /// Outside what anyone can act on.
        NotActionable => "not_actionable",
        /// The same as another case.
        Duplicate => "duplicate",
        /// The citizen withdrew it.
        Withdrawn => "withdrawn",
    }
);

impl Status {
    /// The statuses a case may move to from this one.
    pub fn allowed_next(self) -> &'static [Status] {
        use Status::*;
        match self {
            New => &[Triaged, Forwarded, NotActionable, Duplicate, Withdrawn],
            Triaged => &[Forwarded, NotActionable, Duplicate, Withdrawn],
            Forwarded => &[Acknowledged, InProgress, Resolved, Duplicate, Withdrawn],
            Acknowledged => &[InProgress, Resolved, Withdrawn],
            InProgress => &[Resolved, Withdrawn],
            Resolved => &[Closed, InProgress],
            Closed => &[InProgress],
            NotActionable | Duplicate => &[Triaged],
            Withdrawn => &[],
        }
    }

    /// Whether the case is finished (nobody needs to act).
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            Status::Closed | Status::NotActionable | Status::Duplicate | Status::Withdrawn
        )
    }

    /// Someone still has to act: not finished and not waiting for the citizen's confirmation.
    pub fn awaits_action(self) -> bool {
        !self.is_terminal() && self != Status::Resolved
    }

    /// Moving from `self` to `to` reopens a resolved or closed case.
    pub fn is_reopen(self, to: Status) -> bool {
        matches!(self, Status::Resolved | Status::Closed) && to == Status::InProgress
    }
}

/// Who did something: the user and the device (install) they did it on.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Reconcile, Hydrate, serde::Serialize, ts_rs::TS)]
pub struct Actor {
    /// The user's name as entered in the profile.
    pub user: String,
    /// The device install's name.
    pub device: String,
    /// For an agency officer's entry made on the agency desk: the agency's short name (only the
    /// server writes such entries; a device's push adding one is refused).
    #[autosurgeon(missing = "Option::default")]
    pub agency: Option<String>,
}

/// One entry in a case's status history.
#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate)]
pub struct StatusChange {
    /// Unique entry id.
    #[key]
    pub id: EntryId,
    /// The tips of the history this device saw when it made the change.
    pub after: Vec<EntryId>,
    /// The new status.
    pub to: Status,
    /// When.
    pub at: Timestamp,
    /// Who.
    pub by: Actor,
    /// Why, if given.
    pub reason: Option<String>,
}

/// The status as derived from a history.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusView {
    /// The status shown (for a conflict: the latest of the competing ones).
    pub current: Status,
    /// The entries nobody followed yet.
    pub tips: Vec<EntryId>,
    /// The competing statuses when devices disagree, otherwise empty.
    pub conflict: Vec<Status>,
}

/// Derive the status from a history (order of the list does not matter).
pub fn derive(history: &[StatusChange]) -> StatusView {
    let followed: HashSet<EntryId> = history
        .iter()
        .flat_map(|c| c.after.iter().copied())
        .collect();
    let mut tips: Vec<&StatusChange> = history
        .iter()
        .filter(|c| !followed.contains(&c.id))
        .collect();
    tips.sort_by_key(|c| (c.at, c.id));
    let current = tips.last().map_or(Status::New, |c| c.to);
    let mut statuses: Vec<Status> = tips.iter().map(|c| c.to).collect();
    statuses.sort();
    statuses.dedup();
    StatusView {
        current,
        tips: tips.iter().map(|c| c.id).collect(),
        conflict: if statuses.len() > 1 {
            statuses
        } else {
            Vec::new()
        },
    }
}

impl StatusView {
    /// Check an ordinary status change.
    pub fn check_change(&self, to: Status) -> Result<()> {
        if !self.conflict.is_empty() {
            return Err(Error::StatusConflict {
                statuses: join(&self.conflict),
            });
        }
        if self.current.allowed_next().contains(&to) {
            Ok(())
        } else {
            let allowed = self.current.allowed_next();
            Err(Error::ForbiddenTransition {
                from: self.current.to_string(),
                to: to.to_string(),
                allowed: if allowed.is_empty() {
                    "nothing (this is final)".into()
                } else {
                    join(allowed)
                },
            })
        }
    }

    /// Check a settlement of a conflict: the status chosen must be one of the competing ones
    /// or reachable from one of them.
    pub fn check_settle(&self, to: Status) -> Result<()> {
        if self.conflict.is_empty() {
            return Err(Error::invalid(
                "status",
                "there is no status conflict to settle on this case",
            ));
        }
        if self
            .conflict
            .iter()
            .any(|s| *s == to || s.allowed_next().contains(&to))
        {
            Ok(())
        } else {
            Err(Error::invalid(
                "status",
                format!(
                    "settle on one of {} or a status that follows them",
                    join(&self.conflict)
                ),
            ))
        }
    }
}

fn join(statuses: &[Status]) -> String {
    statuses
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn change(
        rng: &mut rand::rngs::StdRng,
        after: &[EntryId],
        to: Status,
        at: i64,
    ) -> StatusChange {
        StatusChange {
            id: EntryId::generate(Timestamp::from_millis(at), rng),
            after: after.to_vec(),
            to,
            at: Timestamp::from_millis(at),
            by: Actor {
                user: "Amina".into(),
                device: "laptop-1".into(),
                agency: None,
            },
            reason: None,
        }
    }

    #[test]
    fn linear_history_gives_last_status() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(3);
        let a = change(&mut rng, &[], Status::New, 1);
        let b = change(&mut rng, &[a.id], Status::Triaged, 2);
        let view = derive(&[b.clone(), a.clone()]);
        assert_eq!(view.current, Status::Triaged);
        assert!(view.conflict.is_empty());
        assert!(view.check_change(Status::Forwarded).is_ok());
        let err = view
            .check_change(Status::Closed)
            .expect_err("must be refused");
        assert!(err.to_string().contains("allowed next: forwarded"), "{err}");
    }

    #[test]
    fn concurrent_changes_are_a_conflict_until_settled() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(4);
        let a = change(&mut rng, &[], Status::New, 1);
        let b = change(&mut rng, &[a.id], Status::Triaged, 2);
        let c = change(&mut rng, &[a.id], Status::Withdrawn, 3);
        let view = derive(&[a.clone(), b.clone(), c.clone()]);
        assert_eq!(view.conflict, vec![Status::Triaged, Status::Withdrawn]);
        assert!(matches!(
            view.check_change(Status::Forwarded),
            Err(Error::StatusConflict { .. })
        ));
        assert!(
            view.check_settle(Status::Forwarded).is_ok(),
            "forwarded follows triaged"
        );
        assert!(view.check_settle(Status::Closed).is_err());
        let d = change(&mut rng, &view.tips, Status::Forwarded, 4);
        let settled = derive(&[a, b, c, d]);
        assert_eq!(settled.current, Status::Forwarded);
        assert!(settled.conflict.is_empty());
    }

    #[test]
    fn agreeing_concurrent_changes_are_not_a_conflict() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(5);
        let a = change(&mut rng, &[], Status::New, 1);
        let b = change(&mut rng, &[a.id], Status::Triaged, 2);
        let c = change(&mut rng, &[a.id], Status::Triaged, 3);
        let view = derive(&[a, b, c]);
        assert_eq!(
            (view.current, view.conflict.len(), view.tips.len()),
            (Status::Triaged, 0, 2)
        );
    }

    #[test]
    fn withdrawn_is_final_and_reopen_is_recognised() {
        assert!(Status::Withdrawn.allowed_next().is_empty());
        assert!(Status::Resolved.is_reopen(Status::InProgress));
        assert!(!Status::Acknowledged.is_reopen(Status::InProgress));
    }
}
