//! Status messages to reporters who asked to hear when their case moves: a few plain words when
//! it is forwarded (to whom), acknowledged, answered by the agency, escalated, resolved, closed
//! or found not actionable, in their language, through the channel they used. Never the
//! account, never an official's or a volunteer's name; a corruption report is told only that it
//! moved. At most one message per change (repeated syncs and resent webhooks queue nothing
//! more), [`PER_DAY`] a day and [`PER_CASE`] in all. The phone is readable on the server only
//! while the case is open and the reporter has not said `STOP`: the subscription goes when the
//! case ends, and a queued message forgets its phone once sent.

use citizens_core::agency::Agency;
use citizens_core::grievance::{Event, Grievance};
use citizens_core::lifecycle::Status;
use uuid::Uuid;

use crate::persistence::{OutgoingRow, Tx, UpdateRow};
use crate::{records, Core, Result};

/// Messages a case sends at most in a day.
pub const PER_DAY: i64 = 3;
/// Messages a case sends at most.
pub const PER_CASE: i64 = 10;
const DAY_MS: i64 = 24 * 3600 * 1000;

/// The words that end status messages for the phone that sends them, in the five languages
/// (with and without their marks): English and Naijá `STOP`, Hausa `TSAYA`/`DAINA`, Yorùbá
/// `DÚRÓ`, Igbo `KWỤSỊ`.
const STOP_WORDS: [&str; 8] = [
    "STOP",
    "TSAYA",
    "DAINA",
    "DURO",
    "DÚRÓ",
    "KWUSI",
    "KWỤSỊ",
    "UNSUBSCRIBE",
];

/// Whether a message asks for no more status messages.
pub fn is_stop(text: &str) -> bool {
    let word = text.trim().trim_end_matches(['.', '!']).to_uppercase();
    STOP_WORDS.contains(&word.as_str())
}

/// What a reporter has been told of a case: its status, the agency's replies, escalations.
fn told_of(case: &Grievance) -> (Status, usize, usize) {
    let count = |f: fn(&Event) -> bool| case.timeline.iter().filter(|e| f(&e.event)).count();
    (
        case.status().current,
        count(|e| matches!(e, Event::AgencyReply { .. })),
        count(|e| matches!(e, Event::Escalated { .. })),
    )
}

fn told_text((status, replies, escalations): (Status, usize, usize)) -> String {
    format!("{} {replies} {escalations}", status.as_str())
}

fn told_parse(text: &str) -> (Option<Status>, usize, usize) {
    let mut parts = text.split(' ');
    let status = parts.next().and_then(|s| Status::parse(s).ok());
    let mut n = || parts.next().and_then(|p| p.parse().ok()).unwrap_or(0);
    (status, n(), n())
}

/// Start telling the reporter of a new case (their phone `phone`, its keyed hash `hash`) how it
/// moves, through `provider`, in `lang`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn subscribe(
    tx: &mut dyn Tx,
    case: &Grievance,
    org_id: i64,
    phone: &str,
    hash: &[u8],
    provider: &str,
    lang: &str,
    now: i64,
) -> Result<()> {
    tx.put_subscription(&UpdateRow {
        doc_id: case.id.uuid(),
        org_id,
        phone: phone.to_string(),
        phone_hash: hash.to_vec(),
        provider: provider.to_string(),
        lang: lang.to_string(),
        discreet: case.kind == citizens_core::grievance::Kind::CorruptionReport,
        told: told_text(told_of(case)),
        day: now.div_euclid(DAY_MS),
        today: 0,
        sent: 0,
    })
}

/// A case changed (stored by a device, the desk or the public face): queue what its reporter
/// should hear, once per change, within the caps; forget their phone once it has ended.
pub(crate) fn noticed(tx: &mut dyn Tx, id: Uuid, case: &Grievance, now: i64) -> Result<()> {
    let Some(mut sub) = tx.subscription(id)? else {
        return Ok(());
    };
    let (status, replies, escalations) = told_of(case);
    let (before, replied, escalated) = told_parse(&sub.told);
    let mut keys = Vec::new();
    if Some(status) != before {
        let word = status.as_str();
        let times = case
            .status_history
            .iter()
            .filter(|c| c.to == status)
            .count();
        if matches!(
            status,
            Status::Forwarded
                | Status::Acknowledged
                | Status::Resolved
                | Status::Closed
                | Status::NotActionable
        ) {
            keys.push(format!("{word}:{times}"));
        }
    }
    if replies > replied {
        keys.push(format!("answered:{replies}"));
    }
    if escalations > escalated {
        keys.push(format!("escalated:{escalations}"));
    }
    let agency = match (case.forwarded_to(), sub.discreet) {
        (Some(a), false) => {
            records::org_record::<Agency>(tx, sub.org_id, a.uuid())?.map(|a| a.short_name)
        }
        _ => None,
    };
    let day = now.div_euclid(DAY_MS);
    if sub.day != day {
        sub.day = day;
        sub.today = 0;
    }
    for key in keys {
        if sub.today >= PER_DAY || sub.sent >= PER_CASE {
            break;
        }
        let queued = tx.queue_update(&OutgoingRow {
            id: 0,
            doc_id: id,
            key,
            provider: sub.provider.clone(),
            phone: Some(sub.phone.clone()),
            lang: sub.lang.clone(),
            reference: case.reference.clone(),
            agency: agency.clone(),
            created_at: now,
            sent_at: None,
        })?;
        if queued {
            sub.today += 1;
            sub.sent += 1;
        }
    }
    sub.told = told_text((status, replies, escalations));
    if status.is_terminal() {
        tx.drop_subscriptions(Some(id), None)
    } else {
        tx.put_subscription(&sub)
    }
}

impl Core {
    /// Take up to `limit` status messages waiting to be sent, oldest first, with their phones:
    /// they are marked sent and their phones forgotten in the same transaction, so that two
    /// instances never send one twice (a message the provider then fails to take is lost, as
    /// a reply is).
    pub fn take_updates(&self, limit: usize) -> Result<Vec<OutgoingRow>> {
        let now = self.now();
        self.write(|tx| tx.take_updates(limit, now))
    }

    /// Status messages sent since the first of this month (UTC), by provider: what they cost.
    pub fn updates_this_month(&self) -> Result<Vec<(String, u64)>> {
        let now = citizens_core::clock::Timestamp::from_millis(self.now()).date();
        let first = now.replace_day(1).unwrap_or(now);
        let since = first
            .midnight()
            .assume_utc()
            .unix_timestamp()
            .saturating_mul(1000);
        self.write(|tx| tx.updates_sent_since(since))
    }
}

#[cfg(test)]
mod tests {
    use citizens_core::clock::{Day, Timestamp};
    use citizens_core::grievance::{Event, ForwardChannel, Grievance, Intake};
    use citizens_core::lifecycle::Status;

    use crate::desk::tests::fixture;
    use crate::intake::{Delivered, Message};
    use crate::memory::Fixture;

    const SENDER: &str = "+2348035550123";

    fn sms(f: &Fixture, provider: &'static str, id: &str, text: &str) -> Delivered {
        f.core
            .message(&Message {
                provider,
                id,
                from: SENDER,
                text,
                intake: Intake::Sms,
            })
            .expect("delivered")
    }

    /// The case a message filed, and its reference.
    fn filed(f: &Fixture, provider: &'static str, id: &str, text: &str) -> (uuid::Uuid, String) {
        let Delivered::New(receipt) = sms(f, provider, id, text) else {
            panic!("filed");
        };
        let org_id = f.coordinator.org_id;
        let case = f
            .core
            .write(|tx| tx.receipt(org_id, &receipt.reference))
            .expect("read")
            .expect("a receipt");
        (case, receipt.reference)
    }

    /// The keys queued since the last look, in order, with the agency each names (taken, as
    /// the server's sender takes them).
    fn queued(f: &Fixture) -> Vec<(String, Option<String>)> {
        f.core
            .take_updates(100)
            .expect("taken")
            .into_iter()
            .map(|o| {
                assert_eq!(o.phone.as_deref(), Some(SENDER), "taken with its phone");
                (o.key, o.agency)
            })
            .collect()
    }

    /// The coordinator changes the case through the sync path.
    fn coordinator_does(
        f: &Fixture,
        id: uuid::Uuid,
        change: impl FnOnce(&mut Grievance, &mut dyn FnMut() -> citizens_core::grievance::Stamp),
    ) {
        crate::desk::tests::edit_as(f, &f.coordinator, id, change).expect("stored");
    }

    #[test]
    fn a_reporter_hears_each_change_once_until_stop_and_the_phone_goes_when_the_case_ends() {
        let f = fixture();
        let (id, _) = filed(&f, "africastalking", "m1", "No water in Fagge for a week");
        assert!(f
            .core
            .write(|tx| tx.subscription(id))
            .expect("read")
            .is_some());
        let agency = crate::desk::tests::agency(&f, "KNWB");
        let forward =
            |case: &mut Grievance, stamp: &mut dyn FnMut() -> citizens_core::grievance::Stamp| {
                case.route(agency.id, "water".into(), stamp())
                    .expect("route");
                case.record(
                    Event::Forwarded {
                        agency: agency.id,
                        office: "Customer service".into(),
                        channel: ForwardChannel::Letter,
                        reference: None,
                        on: Day::from_date(Timestamp::from_millis(f.core.now()).date()),
                    },
                    stamp(),
                );
                case.change_status(Status::Forwarded, None, stamp())
                    .expect("forward");
            };
        coordinator_does(&f, id, forward);
        assert_eq!(
            queued(&f),
            [("forwarded:1".to_string(), Some("KNWB".to_string()))]
        );
        // The same case stored again changes nothing the reporter hears.
        coordinator_does(&f, id, |case, stamp| {
            case.record(
                Event::Note {
                    text: "Called the board".into(),
                },
                stamp(),
            );
        });
        assert!(queued(&f).is_empty(), "taken once");
        assert_eq!(
            f.core.updates_this_month().expect("month"),
            [("africastalking".to_string(), 1)]
        );
        // At most three a day: the fourth change of the day waits for nothing (it is not sent).
        for _ in 0..4 {
            coordinator_does(&f, id, |case, stamp| {
                case.record(
                    Event::AgencyReply {
                        summary: "We are on it".into(),
                        reference: None,
                        on: Day::from_date(Timestamp::from_millis(0).date()),
                    },
                    stamp(),
                );
            });
        }
        assert_eq!(
            queued(&f)
                .iter()
                .map(|(k, _)| k.as_str())
                .collect::<Vec<_>>(),
            ["answered:1", "answered:2"],
            "three a day, the forwarding included"
        );
        // STOP in Hausa: no more, and the phone is gone.
        assert_eq!(sms(&f, "africastalking", "m2", "tsaya"), Delivered::Stopped);
        assert!(f
            .core
            .write(|tx| tx.subscription(id))
            .expect("read")
            .is_none());
        f.clock.advance(25 * 3600 * 1000);
        coordinator_does(&f, id, |case, stamp| {
            case.change_status(Status::Resolved, None, stamp())
                .expect("resolve");
        });
        assert!(queued(&f).is_empty(), "nothing more after STOP");
    }

    #[test]
    fn a_yes_from_the_cases_phone_closes_it_once_and_forgets_the_phone() {
        let f = fixture();
        let (id, reference) = filed(&f, "africastalking", "m1", "No water in Fagge");
        let org_id = f.coordinator.org_id;
        // Not resolved yet: "1" is a follow-up like any other message.
        assert!(matches!(
            sms(&f, "africastalking", "m2", "1"),
            Delivered::FollowUp(_)
        ));
        coordinator_does(&f, id, |case, stamp| {
            case.change_status(Status::Forwarded, None, stamp())
                .expect("forward");
            case.change_status(Status::Resolved, None, stamp())
                .expect("resolve");
        });
        assert_eq!(
            sms(&f, "africastalking", "m3", "1"),
            Delivered::Answered {
                confirmed: true,
                reference: reference.clone()
            }
        );
        let case: Grievance = f
            .core
            .write(|tx| crate::records::org_record(tx, org_id, id))
            .expect("read")
            .expect("case");
        assert_eq!(case.status().current, Status::Closed);
        assert!(
            f.core
                .write(|tx| tx.subscription(id))
                .expect("read")
                .is_none(),
            "closed: the phone is forgotten"
        );
        assert!(!matches!(
            sms(&f, "africastalking", "m4", "1"),
            Delivered::Answered { .. }
        ));
    }

    #[test]
    fn the_phone_is_kept_only_while_the_case_is_open_and_a_twilio_sender_is_not_kept() {
        let f = fixture();
        let (id, _) = filed(
            &f,
            "whatsapp",
            "w1",
            "Police at the checkpoint collect money",
        );
        coordinator_does(&f, id, |case, stamp| {
            case.change_status(
                Status::NotActionable,
                Some("outside our work".into()),
                stamp(),
            )
            .expect("not actionable");
        });
        assert_eq!(queued(&f), [("not_actionable:1".to_string(), None)]);
        assert!(
            f.core
                .write(|tx| tx.subscription(id))
                .expect("read")
                .is_none(),
            "the case ended: the subscription and its phone are gone"
        );

        assert!(matches!(
            sms(&f, "twilio", "SM1", "Road to Gwale market is broken"),
            Delivered::New(_)
        ));
        assert!(f.core.take_updates(10).expect("taken").is_empty());
        assert!(
            super::is_stop(" Kwụsị. ")
                && super::is_stop("DÚRÓ")
                && !super::is_stop("stop the bribes")
        );
    }
}
