//! What an agency's officer does to a case from the agency desk: acknowledge it, reply, ask
//! for more, say it is resolved, or decline it. Each lands on the case as the agency's own
//! entry (the stamp's `by.agency`) and moves the case through the same lifecycle rules as a
//! volunteer's change.

use crate::clock::Day;
use crate::grievance::{clean, Event, Grievance, Stamp};
use crate::ids::AgencyId;
use crate::lifecycle::Status;
use crate::text::refuse_controls;

/// Longest answer an officer may write.
pub const MAX_ANSWER: usize = 2_000;

/// What an officer does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// The agency has the case (with its own reference, if it gives one).
    Acknowledge {
        /// The agency's reference.
        reference: Option<String>,
    },
    /// A reply to the organisation.
    Reply {
        /// What they say.
        text: String,
    },
    /// A question for the reporter: read with the receipt on the track page, or passed on by
    /// the organisation.
    Ask {
        /// The question.
        text: String,
    },
    /// What was done: resolved for the agency's part.
    Resolve {
        /// What was done.
        text: String,
    },
    /// Not the agency's mandate.
    Decline {
        /// Why.
        reason: String,
        /// The agency responsible, if known.
        suggested: Option<String>,
    },
}

/// Why an answer was not taken (the desk says it in the officer's language).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Unanswerable {
    /// The case is not (or no longer) with the officer's agency.
    #[error("this case is not with your agency")]
    NotWithYou,
    /// The case is finished.
    #[error("this case is closed; the organisation can reopen it")]
    Closed,
    /// The case's status does not allow it now (a conflict to settle, or not yet forwarded).
    #[error("this case cannot take that now")]
    NotNow,
    /// The agency already acknowledged it.
    #[error("your agency already acknowledged this case")]
    AlreadyAcknowledged,
    /// It is already resolved.
    #[error("this case is already resolved")]
    AlreadyResolved,
    /// No words where words are needed.
    #[error("write something first")]
    Empty,
    /// Too many words.
    #[error("that is longer than allowed")]
    TooLong,
    /// An invisible control character.
    #[error("that holds an invisible control character; type it again without it")]
    ControlCharacters,
}

impl Unanswerable {
    /// Every reason, for the catalogues' completeness test.
    pub const ALL: [Unanswerable; 8] = [
        Unanswerable::NotWithYou,
        Unanswerable::Closed,
        Unanswerable::NotNow,
        Unanswerable::AlreadyAcknowledged,
        Unanswerable::AlreadyResolved,
        Unanswerable::Empty,
        Unanswerable::TooLong,
        Unanswerable::ControlCharacters,
    ];

    /// Its word in the catalogues.
    pub fn as_str(self) -> &'static str {
        match self {
            Unanswerable::NotWithYou => "not_with_you",
            Unanswerable::Closed => "closed",
            Unanswerable::NotNow => "not_now",
            Unanswerable::AlreadyAcknowledged => "already_acknowledged",
            Unanswerable::AlreadyResolved => "already_resolved",
            Unanswerable::Empty => "empty",
            Unanswerable::TooLong => "too_long",
            Unanswerable::ControlCharacters => "control_characters",
        }
    }
}

fn checked(text: &str, max: usize, lines: bool) -> Result<String, Unanswerable> {
    let text = text.trim();
    if text.chars().count() > max {
        return Err(Unanswerable::TooLong);
    }
    refuse_controls("answer", text, lines).map_err(|_| Unanswerable::ControlCharacters)?;
    Ok(text.to_string())
}

fn words(text: &str) -> Result<String, Unanswerable> {
    let text = checked(text, MAX_ANSWER, true)?;
    if text.is_empty() {
        return Err(Unanswerable::Empty);
    }
    Ok(text)
}

fn short(text: Option<&str>) -> Result<Option<String>, Unanswerable> {
    Ok(clean(text.map(|t| checked(t, 100, false)).transpose()?))
}

impl Grievance {
    /// The agency the case was forwarded to and is now with, on its desk: the routed agency,
    /// once a forwarding names it, unless the organisation kept the case off the desk. Only
    /// this agency's desk shows it, and only it may answer there.
    pub fn forwarded_to(&self) -> Option<AgencyId> {
        let agency = self.agency?;
        let forwarded = self
            .timeline
            .iter()
            .any(|e| matches!(e.event, Event::Forwarded { agency: a, .. } if a == agency));
        (forwarded && self.on_agency_desk()).then_some(agency)
    }

    /// Whether the case may show on its agency's desk: yes, unless the organisation's latest
    /// word on it was to keep it off.
    pub fn on_agency_desk(&self) -> bool {
        self.timeline
            .iter()
            .filter_map(|e| match e.event {
                Event::AgencyDesk { shared } => Some((e.at, e.id, shared)),
                _ => None,
            })
            .max()
            .is_none_or(|(_, _, shared)| shared)
    }

    /// Whether an agency officer made this entry on the agency desk.
    fn by_agency(e: &crate::grievance::TimelineEvent) -> bool {
        e.by.agency.is_some()
    }

    /// Whether the agency acknowledged the case itself, on its desk.
    pub fn acknowledged_by_agency(&self) -> bool {
        self.timeline
            .iter()
            .any(|e| Self::by_agency(e) && matches!(e.event, Event::Acknowledged { .. }))
    }

    /// Whether the agency's desk answered last: nothing from anyone else since its latest
    /// entry (none yet: `None`).
    pub fn agency_answered_last(&self) -> Option<bool> {
        let last = self.timeline.iter().rev().position(Self::by_agency)?;
        Some(last == 0)
    }

    /// Do what an officer of the agency the case was forwarded to chose, on `today`; `stamp`
    /// names the officer and their agency (`by.agency`). Refused in words when the case is not
    /// with the agency, is finished, or the answer does not fit the case's status.
    pub fn answer(
        &mut self,
        answer: &Answer,
        today: Day,
        mut stamp: impl FnMut() -> Stamp,
    ) -> Result<(), Unanswerable> {
        if self.forwarded_to().is_none() {
            return Err(Unanswerable::NotWithYou);
        }
        let status = self.status().current;
        if status.is_terminal() {
            return Err(Unanswerable::Closed);
        }
        let not_now = |_| Unanswerable::NotNow;
        match answer {
            Answer::Acknowledge { reference } => {
                let reference = short(reference.as_deref())?;
                if self.acknowledged_by_agency() {
                    return Err(Unanswerable::AlreadyAcknowledged);
                }
                self.record(
                    Event::Acknowledged {
                        on: today,
                        reference,
                    },
                    stamp(),
                );
                if status == Status::Forwarded {
                    self.change_status(Status::Acknowledged, None, stamp())
                        .map_err(not_now)?;
                }
            }
            Answer::Reply { text } => {
                let summary = words(text)?;
                self.record(
                    Event::AgencyReply {
                        summary,
                        reference: None,
                        on: today,
                    },
                    stamp(),
                );
            }
            Answer::Ask { text } => {
                let text = words(text)?;
                self.record(Event::QuestionForReporter { text }, stamp());
            }
            Answer::Resolve { text } => {
                let summary = words(text)?;
                if status == Status::Resolved {
                    return Err(Unanswerable::AlreadyResolved);
                }
                self.status()
                    .check_change(Status::Resolved)
                    .map_err(not_now)?;
                self.record(
                    Event::AgencyReply {
                        summary: summary.clone(),
                        reference: None,
                        on: today,
                    },
                    stamp(),
                );
                self.change_status(Status::Resolved, Some(summary), stamp())
                    .map_err(not_now)?;
            }
            Answer::Decline { reason, suggested } => {
                let reason = words(reason)?;
                let suggested = short(suggested.as_deref())?;
                self.record(Event::AgencyDeclined { reason, suggested }, stamp());
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::{GrievanceInput, Links};
    use crate::clock::Timestamp;
    use crate::grievance::ForwardChannel;
    use crate::identity::OrgSecretKey;
    use crate::ids::EntryId;
    use crate::lifecycle::Actor;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    fn rng() -> StdRng {
        StdRng::seed_from_u64(7)
    }

    fn sample() -> Grievance {
        let mut rng = rng();
        let org = OrgSecretKey::generate(&mut rng).public_key();
        let input = GrievanceInput {
            category: "power".into(),
            state: "Kano".into(),
            lga: "Fagge".into(),
            title: "No power for two weeks".into(),
            narrative: "The transformer on our street is burnt.".into(),
            consent_purpose_explained: true,
            ..GrievanceInput::default()
        };
        Grievance::capture(&input, Links::default(), stamp(None), &org, &mut rng).expect("capture")
    }

    fn day(text: &str) -> Day {
        Day::parse("day", text).expect("day")
    }

    fn stamp(agency: Option<&str>) -> Stamp {
        let at = Timestamp::from_millis(1_790_000_000_000);
        Stamp {
            id: EntryId::generate(at, &mut rand::thread_rng()),
            at,
            by: Actor {
                user: "Halima Sani".into(),
                device: "agency desk".into(),
                agency: agency.map(str::to_string),
            },
        }
    }

    fn forwarded() -> (Grievance, AgencyId) {
        let mut g = sample();
        let agency = AgencyId::from_uuid(crate::ids::seed_uuid("agency", "KEDCO"));
        g.route(agency, "power".into(), stamp(None)).expect("route");
        g.record(
            Event::Forwarded {
                agency,
                office: "Customer care".into(),
                channel: ForwardChannel::Letter,
                reference: None,
                on: day("2026-12-01"),
            },
            stamp(None),
        );
        g.change_status(Status::Forwarded, None, stamp(None))
            .expect("forward");
        (g, agency)
    }

    #[test]
    fn a_case_is_on_the_desk_of_the_agency_it_was_forwarded_to_only() {
        let mut g = sample();
        assert_eq!(g.forwarded_to(), None);
        let agency = AgencyId::from_uuid(crate::ids::seed_uuid("agency", "KEDCO"));
        g.route(agency, "power".into(), stamp(None)).expect("route");
        assert_eq!(g.forwarded_to(), None, "routed, not yet forwarded");
        let (g, agency) = forwarded();
        assert_eq!(g.forwarded_to(), Some(agency));
    }

    #[test]
    fn an_officer_acknowledges_replies_asks_and_resolves_through_the_lifecycle() {
        let (mut g, _) = forwarded();
        let today = day("2026-12-07");
        let by = || stamp(Some("KEDCO"));
        assert_eq!(g.agency_answered_last(), None);
        g.answer(
            &Answer::Acknowledge {
                reference: Some("KE/2026/118".into()),
            },
            today,
            by,
        )
        .expect("acknowledge");
        assert_eq!(g.status().current, Status::Acknowledged);
        assert!(g.acknowledged_by_agency());
        assert_eq!(
            g.answer(&Answer::Acknowledge { reference: None }, today, by)
                .expect_err("twice"),
            Unanswerable::AlreadyAcknowledged
        );
        g.answer(
            &Answer::Ask {
                text: "Which pole number?".into(),
            },
            today,
            by,
        )
        .expect("ask");
        assert_eq!(
            g.questions_for_reporter().collect::<Vec<_>>(),
            ["Which pole number?"]
        );
        assert_eq!(g.agency_answered_last(), Some(true));
        g.record(
            Event::Note {
                text: "Pole 14".into(),
            },
            stamp(None),
        );
        assert_eq!(g.agency_answered_last(), Some(false));
        assert_eq!(
            g.answer(
                &Answer::Reply {
                    text: "bad \u{1b}[2K".into()
                },
                today,
                by
            )
            .expect_err("control"),
            Unanswerable::ControlCharacters
        );
        g.answer(
            &Answer::Resolve {
                text: "Transformer replaced".into(),
            },
            today,
            by,
        )
        .expect("resolve");
        assert_eq!(g.status().current, Status::Resolved);
        let last = g.status_history.last().expect("history");
        assert_eq!(last.by.agency.as_deref(), Some("KEDCO"));
    }

    #[test]
    fn the_figures_count_an_acknowledgement_as_confirmed_only_from_the_agencys_desk() {
        use crate::milestones::Milestones;
        let (mut volunteer, _) = forwarded();
        volunteer.record(
            Event::Acknowledged {
                on: day("2026-12-02"),
                reference: None,
            },
            stamp(None),
        );
        let m = Milestones::of(&volunteer);
        assert_eq!(
            (m.acknowledged_on, m.acknowledged_by_agency),
            (Some(day("2026-12-02")), false)
        );
        let (mut desk, _) = forwarded();
        desk.answer(
            &Answer::Acknowledge { reference: None },
            day("2026-12-03"),
            || stamp(Some("KEDCO")),
        )
        .expect("acknowledge");
        let m = Milestones::of(&desk);
        assert_eq!(
            (m.acknowledged_on, m.acknowledged_by_agency),
            (Some(day("2026-12-03")), true)
        );
    }

    #[test]
    fn a_case_kept_off_the_desk_is_on_no_desk_until_it_is_put_back() {
        let (mut g, agency) = forwarded();
        g.record(Event::AgencyDesk { shared: false }, stamp(None));
        assert_eq!(g.forwarded_to(), None);
        assert_eq!(
            g.answer(
                &Answer::Acknowledge { reference: None },
                day("2026-12-07"),
                || { stamp(Some("KEDCO")) }
            ),
            Err(Unanswerable::NotWithYou)
        );
        let mut later = stamp(None);
        later.at = Timestamp::from_millis(later.at.millis() + 1000);
        g.record(Event::AgencyDesk { shared: true }, later);
        assert_eq!(g.forwarded_to(), Some(agency));
    }

    #[test]
    fn a_case_not_forwarded_or_closed_takes_no_answer() {
        let mut g = sample();
        let today = day("2026-12-07");
        let by = || stamp(Some("KEDCO"));
        assert_eq!(
            g.answer(&Answer::Reply { text: "x".into() }, today, by)
                .expect_err("not forwarded"),
            Unanswerable::NotWithYou
        );
        let (mut g, _) = forwarded();
        g.change_status(Status::Withdrawn, None, stamp(None))
            .expect("withdraw");
        assert_eq!(
            g.answer(
                &Answer::Decline {
                    reason: "x".into(),
                    suggested: None
                },
                today,
                by
            )
            .expect_err("closed"),
            Unanswerable::Closed
        );
    }
}
