//! The dates and counts an agency's performance is measured by, read from a case's history.
//! One rule for the projection (which keeps them as columns), the reports and their tests.

use time::Date;

use crate::clock::Day;
use crate::grievance::{Event, Grievance};
use crate::lifecycle::Status;

/// A case's milestones with the agency now responsible for it. A case sent to another agency
/// before counts from its first forwarding to this one: figures hold each agency to account
/// for its own time only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Milestones {
    /// The day it was first sent to the agency now responsible (as the forwarding says).
    pub forwarded_on: Option<Day>,
    /// The first day that agency confirmed receipt, recorded after that forwarding.
    pub acknowledged_on: Option<Day>,
    /// The agency acknowledged it itself, on its desk (not only a volunteer recording it).
    pub acknowledged_by_agency: bool,
    /// The first day that agency answered, recorded after that forwarding.
    pub answered_on: Option<Day>,
    /// When the case is resolved or closed now: the day it was last marked resolved.
    pub resolved_on: Option<Day>,
    /// Times it moved up that agency's ladder after that forwarding.
    pub escalations: u32,
    /// Times the citizen said on a call-back that it was not solved (each reopened it).
    pub reopened: u32,
}

impl Milestones {
    /// Read them from the case's timeline and status history.
    pub fn of(g: &Grievance) -> Milestones {
        let forwarding = g
            .timeline
            .iter()
            .filter(|e| matches!(&e.event, Event::Forwarded { agency, .. } if Some(*agency) == g.agency))
            .min_by_key(|e| (e.at, e.id));
        let mut m = Milestones {
            forwarded_on: forwarding.and_then(|e| match &e.event {
                Event::Forwarded { on, .. } => Some(*on),
                _ => None,
            }),
            ..Milestones::default()
        };
        let earliest = |found: &mut Option<Day>, on: Day| {
            *found = Some(found.map_or(on, |f| f.min(on)));
        };
        for e in &g.timeline {
            if let Event::CalledBack {
                confirmed: false, ..
            } = e.event
            {
                m.reopened += 1;
            }
            let Some(forwarding) = forwarding else {
                continue;
            };
            if e.at < forwarding.at {
                continue;
            }
            match &e.event {
                Event::Acknowledged { on, .. } => {
                    earliest(&mut m.acknowledged_on, *on);
                    m.acknowledged_by_agency |= e.by.agency.is_some();
                }
                Event::AgencyReply { on, .. } => earliest(&mut m.answered_on, *on),
                Event::Escalated { .. } => m.escalations += 1,
                _ => {}
            }
        }
        let current = g.status().current;
        if matches!(current, Status::Resolved | Status::Closed) {
            m.resolved_on = g
                .status_history
                .iter()
                .filter(|c| c.to == Status::Resolved)
                .max_by_key(|c| (c.at, c.id))
                .map(|c| Day::from_date(c.at.date()));
        }
        m
    }
}

/// Whole days from `from` to `to`, never negative (a day typed in the future counts as 0).
pub fn days_between(from: Date, to: Date) -> u32 {
    u32::try_from((to - from).whole_days()).unwrap_or(0)
}
