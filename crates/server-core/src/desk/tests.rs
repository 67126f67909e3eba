//! The agency desk over the in-memory database: an invitation sets up an account with a
//! passphrase and a second factor; sign-in needs all three and locks after five wrong tries;
//! an officer sees and answers only their agency's forwarded cases, and their answers land on
//! the case as the agency's own entries, which no device may write.

use citizens_core::agency::Agency;
use citizens_core::answers::{Answer, Unanswerable};
use citizens_core::capture::GrievanceInput;
use citizens_core::clock::{Day, Timestamp};
use citizens_core::document;
use citizens_core::geo::Lga;
use citizens_core::grievance::{Event, ForwardChannel, Grievance, Intake, Stamp};
use citizens_core::ids::EntryId;
use citizens_core::lifecycle::{Actor, Status};
use citizens_protocol::{ErrorCode, Push, RecordKind, Refusal, Role};
use uuid::Uuid;

use super::{totp, NewOfficer, Officer, Queue, Refused, LOCKOUT_MS, SESSION_MS};
use crate::intake::{Filed, Public};
use crate::memory::{Fixture, ORG};
use crate::{records, Device, Error};

const CLIENT: &str = "192.0.2.20";
const PASSPHRASE: &str = "tea at the kano office";

/// The rules over a fresh database, taking the public's reports for [`ORG`] (Kano).
pub(crate) fn fixture() -> Fixture {
    Fixture::new(Some(Public::new(
        ORG,
        Lga::parse("KN", "Nasarawa").expect("an LGA"),
    )))
}

pub(crate) fn agency(f: &Fixture, short: &str) -> Agency {
    let org_id = f.coordinator.org_id;
    f.core
        .write(|tx| records::org_agencies(tx, org_id))
        .expect("directory")
        .into_iter()
        .find(|a| a.short_name == short)
        .expect("a shipped agency")
}

/// A web report about power, forwarded by the coordinator to `to`.
fn forwarded_case(f: &Fixture, to: &str, submission: &str) -> Uuid {
    let input = GrievanceInput {
        category: "power".into(),
        state: "KN".into(),
        lga: "Fagge".into(),
        narrative: "No light on Zoo Road for two weeks".into(),
        ..GrievanceInput::default()
    };
    let Ok(Filed::New(receipt)) = f.core.report(CLIENT, submission, Intake::Web, &input) else {
        panic!("filed");
    };
    let org_id = f.coordinator.org_id;
    let id = f
        .core
        .write(|tx| tx.receipt(org_id, &receipt.reference))
        .expect("read")
        .expect("a receipt");
    let agency = agency(f, to);
    edit_as(f, &f.coordinator, id, |case, stamp| {
        case.route(agency.id, "power in Kano".into(), stamp())
            .expect("route");
        case.record(
            Event::Forwarded {
                agency: agency.id,
                office: agency.ladder[0].office.clone(),
                channel: ForwardChannel::Letter,
                reference: None,
                on: Day::from_date(Timestamp::from_millis(f.core.now()).date()),
            },
            stamp(),
        );
        case.change_status(Status::Forwarded, None, stamp())
            .expect("forward");
    })
    .expect("stored");
    id
}

/// A device's change to a case, through the sync path.
pub(crate) fn edit_as(
    f: &Fixture,
    device: &Device,
    id: Uuid,
    change: impl FnOnce(&mut Grievance, &mut dyn FnMut() -> Stamp),
) -> Result<Vec<citizens_protocol::RefusedRecord>, Error> {
    let org_id = f.coordinator.org_id;
    let stored = f
        .core
        .write(|tx| tx.record(id, org_id))
        .expect("read")
        .expect("a case");
    let actor = automerge::ActorId::from(device.id.as_bytes().to_vec());
    let mut doc = automerge::AutoCommit::load(&stored.snapshot)
        .expect("load")
        .with_actor(actor);
    let at = Timestamp::from_millis(f.core.now());
    let mut rng = rand::thread_rng();
    let mut change = Some(change);
    document::edit(&mut doc, at, |case: &mut Grievance| {
        let mut stamp = || Stamp {
            id: EntryId::generate(at, &mut rng),
            at,
            by: Actor {
                user: "Ngozi Eze".into(),
                device: "laptop".into(),
                agency: None,
            },
        };
        if let Some(change) = change.take() {
            change(case, &mut stamp);
        }
        Ok(())
    })
    .expect("edit");
    let push = Push {
        doc_id: id,
        kind: RecordKind::Grievance,
        changes: vec![doc.save_incremental().into()],
    };
    f.core
        .write(|tx| records::push_as_device(tx, device, &push, f.core.now()))
        .map(|r| r.into_iter().collect())
}

/// An officer of `short`, set up and signed in.
fn officer(f: &Fixture, short: &str, name: &str) -> (Officer, String, Vec<u8>, String) {
    let invitation = f
        .core
        .invite_officer(&NewOfficer {
            org: ORG,
            agency: short,
            user: name,
            phone: None,
            valid_for: std::time::Duration::from_secs(3600),
        })
        .expect("invited");
    assert!(invitation.login.starts_with(&format!("{short}-")));
    let factor = f
        .core
        .set_up_officer(CLIENT, &invitation.code, PASSPHRASE, PASSPHRASE)
        .expect("set up")
        .expect("taken");
    let secret = decode32(&factor.secret);
    let now = f.core.now();
    let token = f
        .core
        .confirm_officer(
            CLIENT,
            &invitation.code,
            &totp::code(&secret, totp::step_at(now)),
        )
        .expect("confirm")
        .expect("confirmed");
    let me = f.core.officer_of(&token).expect("read").expect("signed in");
    (me, invitation.login, secret, token)
}

fn decode32(text: &str) -> Vec<u8> {
    totp::from_base32(text).expect("base 32")
}

fn code_now(f: &Fixture, secret: &[u8]) -> String {
    totp::code(secret, totp::step_at(f.core.now()))
}

#[test]
fn an_invitation_sets_up_an_account_once_with_a_passphrase_and_a_second_factor() {
    let f = fixture();
    let invitation = f
        .core
        .invite_officer(&NewOfficer {
            org: ORG,
            agency: "kedco",
            user: "Halima Sani",
            phone: None,
            valid_for: std::time::Duration::from_secs(3600),
        })
        .expect("invited");
    let set_up = |p: &str, again: &str| {
        f.core
            .set_up_officer(CLIENT, &invitation.code, p, again)
            .expect("answered")
    };
    assert_eq!(set_up("short", "short"), Err(Refused::ShortPassphrase));
    assert_eq!(
        set_up(PASSPHRASE, "another one here"),
        Err(Refused::PassphrasesDiffer)
    );
    assert_eq!(
        f.core
            .set_up_officer(CLIENT, "AAAAAAAAAAAAAAAA", PASSPHRASE, PASSPHRASE)
            .expect("answered"),
        Err(Refused::UnknownCode)
    );
    let factor = set_up(PASSPHRASE, PASSPHRASE).expect("taken");
    assert_eq!(factor.login, invitation.login);
    assert!(factor
        .uri
        .starts_with("otpauth://totp/Citizens%20Connect:KEDCO-"));
    let secret = decode32(&factor.secret);
    assert_eq!(
        f.core
            .confirm_officer(CLIENT, &invitation.code, "000000")
            .expect("answered"),
        Err(Refused::WrongCode)
    );
    let token = f
        .core
        .confirm_officer(CLIENT, &invitation.code, &code_now(&f, &secret))
        .expect("answered")
        .expect("confirmed");
    assert!(f.core.officer_of(&token).expect("read").is_some());
    // The code is spent: nobody sets the account up again with it.
    assert_eq!(set_up(PASSPHRASE, PASSPHRASE), Err(Refused::UnknownCode));
    assert_eq!(
        f.core.officers().expect("list")[0].state,
        "active",
        "listed as active"
    );
    // An agency that is not in the directory is refused in words.
    let unknown = f.core.invite_officer(&NewOfficer {
        org: ORG,
        agency: "NOPE",
        user: "Someone",
        phone: None,
        valid_for: std::time::Duration::from_secs(3600),
    });
    assert!(matches!(
        unknown,
        Err(Error::Refused { code: ErrorCode::InvalidRequest, ref message }) if message.starts_with("'NOPE' is not an agency")
    ));
}

#[test]
fn sign_in_needs_all_three_a_code_signs_in_once_and_five_wrong_tries_lock_the_account() {
    let f = fixture();
    let (_, login, secret, _) = officer(&f, "KEDCO", "Halima Sani");
    let sign_in = |p: &str, code: &str| {
        f.core
            .sign_in_officer(CLIENT, &login.to_ascii_lowercase(), p, code)
            .expect("answered")
    };
    f.clock.advance(60_000);
    assert_eq!(
        sign_in("wrong passphrase!", &code_now(&f, &secret)),
        Err(Refused::WrongSignIn)
    );
    assert_eq!(sign_in(PASSPHRASE, "123456"), Err(Refused::WrongSignIn));
    let code = code_now(&f, &secret);
    assert!(sign_in(PASSPHRASE, &code).is_ok());
    assert_eq!(
        sign_in(PASSPHRASE, &code),
        Err(Refused::WrongSignIn),
        "a code signs in once"
    );
    // An unknown name is answered alike.
    assert_eq!(
        f.core
            .sign_in_officer(CLIENT, "KEDCO-ZZZ", PASSPHRASE, "123456")
            .expect("answered"),
        Err(Refused::WrongSignIn)
    );
    for _ in 0..5 {
        assert_eq!(
            sign_in("guess guess guess", "111111"),
            Err(Refused::WrongSignIn)
        );
    }
    f.clock.advance(60_000);
    assert_eq!(
        sign_in(PASSPHRASE, &code_now(&f, &secret)),
        Err(Refused::WrongSignIn),
        "locked: even the right answer waits"
    );
    assert_eq!(f.core.officers().expect("list")[0].state, "locked");
    f.clock.advance(LOCKOUT_MS);
    assert!(sign_in(PASSPHRASE, &code_now(&f, &secret)).is_ok());
}

#[test]
fn an_address_gets_thirty_tries_an_hour() {
    let f = fixture();
    for _ in 0..super::TRIES_PER_HOUR {
        assert_eq!(
            f.core
                .sign_in_officer("192.0.2.99", "KEDCO-AAA", PASSPHRASE, "123456")
                .expect("answered"),
            Err(Refused::WrongSignIn)
        );
    }
    assert!(matches!(
        f.core
            .sign_in_officer("192.0.2.99", "KEDCO-AAA", PASSPHRASE, "123456"),
        Err(Error::Refused {
            code: ErrorCode::RateLimited,
            ..
        })
    ));
}

#[test]
fn sessions_end_when_idle_at_their_age_everywhere_on_request_and_with_revocation() {
    let f = fixture();
    let (_, login, secret, first) = officer(&f, "KEDCO", "Halima Sani");
    f.clock.advance(31 * 60 * 1000);
    assert_eq!(
        f.core.officer_of(&first).expect("read"),
        None,
        "idle for 31 minutes"
    );
    let sign_in = |f: &Fixture| {
        f.core
            .sign_in_officer(CLIENT, &login, PASSPHRASE, &code_now(f, &secret))
            .expect("answered")
            .expect("signed in")
    };
    let phone = sign_in(&f);
    f.clock.advance(60_000);
    let office = sign_in(&f);
    let on_phone = f.core.officer_of(&phone).expect("read").expect("in");
    f.core.sign_out_officer(&on_phone, true).expect("out");
    assert_eq!(
        f.core.officer_of(&office).expect("read"),
        None,
        "ended everywhere"
    );
    f.clock.advance(60_000);
    let token = sign_in(&f);
    for _ in 0..(SESSION_MS / (20 * 60 * 1000)) {
        f.clock.advance(20 * 60 * 1000);
        assert!(f.core.officer_of(&token).expect("read").is_some());
    }
    f.clock.advance(20 * 60 * 1000);
    assert_eq!(
        f.core.officer_of(&token).expect("read"),
        None,
        "12 hours at most"
    );
    f.clock.advance(60_000);
    let token = sign_in(&f);
    assert!(f.core.revoke_officer(&login).expect("revoked"));
    assert_eq!(f.core.officer_of(&token).expect("read"), None, "revoked");
    f.clock.advance(60_000);
    assert_eq!(
        f.core
            .sign_in_officer(CLIENT, &login, PASSPHRASE, &code_now(&f, &secret))
            .expect("answered"),
        Err(Refused::WrongSignIn)
    );
}

#[test]
fn an_officer_sees_and_answers_only_their_agencys_forwarded_cases() {
    let f = fixture();
    let (kedco, ..) = officer(&f, "KEDCO", "Halima Sani");
    let (other, ..) = officer(&f, "KNWB", "Musa Bello");
    let ours = forwarded_case(&f, "KEDCO", "form-1");
    let queue = f.core.desk_queue(&kedco).expect("queue");
    assert_eq!(queue.len(), 1);
    assert_eq!(queue[0].queue, Queue::New);
    assert_eq!(queue[0].narrative, None, "no consent to share the account");
    assert_eq!(queue[0].reporter, None);
    assert!(f.core.desk_queue(&other).expect("queue").is_empty());
    // Another agency's officer and a made-up case get the same nothing.
    assert_eq!(f.core.desk_case(&other, ours).expect("read"), None);
    assert_eq!(
        f.core.desk_case(&kedco, Uuid::new_v4()).expect("read"),
        None
    );
    let ack = Answer::Acknowledge {
        reference: Some("KE/118".into()),
    };
    assert_eq!(
        f.core.desk_answer(&other, ours, &ack).expect("answered"),
        None
    );
    assert_eq!(
        f.core
            .desk_answer(&kedco, Uuid::new_v4(), &ack)
            .expect("answered"),
        None
    );
    assert_eq!(
        f.core.desk_answer(&kedco, ours, &ack).expect("answered"),
        Some(Ok(()))
    );
    assert_eq!(
        f.core.desk_answer(&kedco, ours, &ack).expect("answered"),
        Some(Err(Unanswerable::AlreadyAcknowledged))
    );
    let ask = Answer::Ask {
        text: "Which pole number, and near which junction?".into(),
    };
    assert_eq!(
        f.core.desk_answer(&kedco, ours, &ask).expect("answered"),
        Some(Ok(()))
    );
    let case = f.core.desk_case(&kedco, ours).expect("read").expect("ours");
    assert_eq!(case.status, Status::Acknowledged);
    assert_eq!(case.queue, Queue::Answered);
    let kinds: Vec<_> = case
        .entries
        .iter()
        .map(|e| (e.kind, e.officer.clone()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("forwarded", None),
            ("acknowledged", Some("Halima Sani".into())),
            ("question", Some("Halima Sani".into())),
        ]
    );
    // The stored case carries the agency's own entries, and its question reaches the track page.
    let org_id = f.coordinator.org_id;
    let stored: Grievance = f
        .core
        .write(|tx| records::org_record(tx, org_id, ours))
        .expect("read")
        .expect("case");
    assert!(stored.acknowledged_by_agency());
    assert_eq!(
        stored.questions_for_reporter().collect::<Vec<_>>(),
        ["Which pole number, and near which junction?"]
    );
    let last = stored.status_history.last().expect("history");
    assert_eq!(last.by.agency.as_deref(), Some("KEDCO"));
}

#[test]
fn no_device_writes_an_agencys_entry() {
    let f = fixture();
    let ours = forwarded_case(&f, "KEDCO", "form-2");
    let volunteer = f.enrol(
        ORG,
        &crate::memory::org_key(1),
        Role::Coordinator,
        "Ada Obi",
    );
    let refused = edit_as(&f, &volunteer, ours, |case, stamp| {
        let mut s = stamp();
        s.by.agency = Some("KEDCO".into());
        case.record(
            Event::Acknowledged {
                on: Day::from_date(s.at.date()),
                reference: None,
            },
            s,
        );
    })
    .expect("answered");
    assert_eq!(refused.len(), 1);
    assert_eq!(refused[0].code, Refusal::NotYours.as_str());
    let org_id = f.coordinator.org_id;
    let stored: Grievance = f
        .core
        .write(|tx| records::org_record(tx, org_id, ours))
        .expect("read")
        .expect("case");
    assert!(!stored.acknowledged_by_agency(), "nothing stored");
}

#[test]
fn an_ack_from_the_agencys_registered_phone_acknowledges_its_case_once() {
    use super::Acked;
    use crate::intake::{Delivered, Message};
    let f = fixture();
    let ours = forwarded_case(&f, "KEDCO", "form-3");
    f.core
        .invite_officer(&NewOfficer {
            org: ORG,
            agency: "KEDCO",
            user: "KEDCO complaints line",
            phone: Some("0803 555 0199"),
            valid_for: std::time::Duration::from_secs(3600),
        })
        .expect("invited");
    let org_id = f.coordinator.org_id;
    let case = |f: &Fixture| -> Grievance {
        f.core
            .write(|tx| records::org_record(tx, org_id, ours))
            .expect("read")
            .expect("case")
    };
    let reference = case(&f).reference;
    let sms = |id: &str, from: &str, text: &str| {
        f.core
            .message(&Message {
                provider: "africastalking",
                id,
                from,
                text,
                intake: Intake::Sms,
            })
            .expect("delivered")
    };
    let code = reference.replace('-', "").to_lowercase();
    assert_eq!(
        sms("m1", "+2348035550199", &format!("ack {code} KE/77")),
        Delivered::Acked(Acked::Done(reference.clone()))
    );
    assert!(case(&f).acknowledged_by_agency());
    assert_eq!(case(&f).status().current, Status::Acknowledged);
    assert_eq!(
        sms("m1", "+2348035550199", &format!("ack {code} KE/77")),
        Delivered::Again
    );
    assert_eq!(
        sms("m2", "+2348035550199", &format!("ACK {code}")),
        Delivered::Acked(Acked::Done(reference.clone())),
        "acknowledged before: said so again, nothing added"
    );
    assert_eq!(
        sms("m3", "+2348035550199", "ACK KNZZZ0001"),
        Delivered::Acked(Acked::Unknown("KNZZZ0001".into()))
    );
    // Another phone's "ACK" is a citizen's message.
    assert!(matches!(
        sms("m4", "+2348035550111", &format!("ACK {code}")),
        Delivered::New(_)
    ));
    // A phone is registered once.
    let again = f.core.invite_officer(&NewOfficer {
        org: ORG,
        agency: "KNWB",
        user: "Someone else",
        phone: Some("+2348035550199"),
        valid_for: std::time::Duration::from_secs(3600),
    });
    assert!(matches!(
        again,
        Err(Error::Refused {
            code: ErrorCode::InvalidRequest,
            ..
        })
    ));
}

#[test]
fn a_case_the_organisation_keeps_off_the_desk_is_on_none() {
    let f = fixture();
    let (kedco, ..) = officer(&f, "KEDCO", "Halima Sani");
    let ours = forwarded_case(&f, "KEDCO", "form-5");
    assert_eq!(f.core.desk_queue(&kedco).expect("queue").len(), 1);
    edit_as(&f, &f.coordinator, ours, |case, stamp| {
        case.record(Event::AgencyDesk { shared: false }, stamp());
    })
    .expect("stored");
    assert!(f.core.desk_queue(&kedco).expect("queue").is_empty());
    assert_eq!(f.core.desk_case(&kedco, ours).expect("read"), None);
    let ack = Answer::Acknowledge { reference: None };
    assert_eq!(
        f.core.desk_answer(&kedco, ours, &ack).expect("answered"),
        None
    );
}
