//! A corpus with planted duplicates, for measuring duplicate suggestions. Originals are distinct
//! grievances that share their place and topic with many others (the hard case: the same
//! complaint about a different street); each planted copy is one of them told again by another
//! volunteer — other words, the same specifics (street, landmark, sum, how long), a day or
//! three later, sometimes the same caller.

use rand::seq::SliceRandom;
use rand::Rng;

use citizens_client::GrievanceInput;

use citizens_client::sample::{LANDMARKS, STREETS};

use crate::{name, phone};

/// Originals, and copies that each name the original they duplicate.
#[derive(Debug, Clone)]
pub struct Corpus {
    /// Distinct grievances.
    pub originals: Vec<GrievanceInput>,
    /// `(index into originals, the copy)`.
    pub copies: Vec<(usize, GrievanceInput)>,
}

const PLACES: &[(&str, &str)] = &[
    ("KN", "Fagge"),
    ("KN", "Gwale"),
    ("KN", "Kano Municipal"),
    ("LA", "Ikeja"),
    ("KD", "Kaduna North"),
];

/// Per category: title variants, problem variants and money variants. `{s}` street, `{l}`
/// landmark, `{n}` sum, `{w}` weeks, `{o}` official's family name.
struct Topic {
    category: &'static str,
    titles: &'static [&'static str],
    problems: &'static [&'static str],
    money: &'static [&'static str],
}

const TOPICS: &[Topic] = &[
    Topic {
        category: "power",
        titles: &[
            "Transformer faulty on {s}",
            "No light on {s}",
            "{s} in darkness",
        ],
        problems: &[
            "The transformer serving {s} has been faulty for {w} weeks",
            "No electricity on {s} for {w} weeks because the transformer is spoilt",
            "Our transformer on {s} packed up {w} weeks ago and nobody came",
        ],
        money: &[
            "KEDCO staff led by Mr {o} asked each house for {n} naira before they repair it",
            "the DisCo man, one Mr {o}, is collecting {n} naira from every household",
            "we were told by Mr {o} to contribute {n} naira for the repair",
        ],
    },
    Topic {
        category: "water",
        titles: &[
            "Taps dry on {s}",
            "No water on {s}",
            "Water scheme on {s} abandoned",
        ],
        problems: &[
            "The public taps on {s} have been dry for {w} weeks",
            "No pipe-borne water reaches {s}; it stopped {w} weeks ago",
            "For {w} weeks the water scheme on {s} has not run",
        ],
        money: &[
            "a water board official, Mr {o}, wants {n} naira to open the valve",
            "Mr {o} from the water board says we must pay {n} naira first",
            "households were asked by Mr {o} for {n} naira to restore supply",
        ],
    },
    Topic {
        category: "health",
        titles: &[
            "Clinic on {s} charging for free services",
            "Health centre on {s} locked",
            "Nurses absent at {s} clinic",
        ],
        problems: &[
            "The primary health centre on {s} has been locked most days for {w} weeks",
            "For {w} weeks nurses at the clinic on {s} do not come to work",
            "Mothers at the {s} health centre have been turned back for {w} weeks",
        ],
        money: &[
            "the officer in charge, Mr {o}, charges {n} naira for immunisation that should be free",
            "Mr {o} collects {n} naira before attending to pregnant women",
            "patients pay {n} naira to Mr {o} for free drugs",
        ],
    },
    Topic {
        category: "education",
        titles: &[
            "Levies at the school on {s}",
            "Pupils sent home on {s}",
            "School fees in public school on {s}",
        ],
        problems: &[
            "Pupils of the public primary school on {s} have been sent home for {w} weeks",
            "The headmaster of the school on {s} has sent children away for {w} weeks",
            "For {w} weeks children at the {s} primary school are kept out of class",
        ],
        money: &[
            "the headmaster, Mr {o}, demands a levy of {n} naira per pupil",
            "parents must pay {n} naira to Mr {o} for so-called development",
            "Mr {o} says every child pays {n} naira or stays home",
        ],
    },
    Topic {
        category: "roads",
        titles: &[
            "Road on {s} abandoned",
            "Contractor left {s}",
            "{s} project stopped",
        ],
        problems: &[
            "The road project on {s} was abandoned by the contractor {w} weeks ago",
            "Work on {s} stopped {w} weeks ago and the site is empty",
            "The contractor handling {s} packed his equipment {w} weeks ago",
        ],
        money: &[
            "the site engineer, Mr {o}, told residents to pay {n} naira to continue",
            "residents were asked by Mr {o} for {n} naira per shop",
            "Mr {o} is collecting {n} naira from traders on the road",
        ],
    },
    Topic {
        category: "policing",
        titles: &[
            "Checkpoint extortion on {s}",
            "Police collecting money on {s}",
            "Roadblock on {s}",
        ],
        problems: &[
            "Police at the checkpoint on {s} have stopped every bus for {w} weeks",
            "For {w} weeks officers at the roadblock on {s} harass drivers",
            "A checkpoint mounted on {s} {w} weeks ago delays everybody",
        ],
        money: &[
            "an inspector, Mr {o}, takes {n} naira from each driver",
            "drivers pay {n} naira to Inspector {o} to pass",
            "Mr {o} and his men collect {n} naira from commercial drivers",
        ],
    },
];

const SPOTS: &[&str] = &["It is near {l}.", "The place is by {l}.", "Opposite {l}."];

struct Specifics {
    topic: usize,
    place: usize,
    street: &'static str,
    landmark: &'static str,
    official: String,
    sum: u32,
    weeks: u32,
    day: u32,
}

fn fill(template: &str, s: &Specifics, thousands: bool) -> String {
    let sum = if thousands {
        format!("{},{:03}", s.sum / 1000, s.sum % 1000)
    } else {
        s.sum.to_string()
    };
    template
        .replace("{s}", s.street)
        .replace("{l}", s.landmark)
        .replace("{o}", &s.official)
        .replace("{n}", &sum)
        .replace("{w}", &s.weeks.to_string())
}

/// Indices for one telling: title, problem, money, spot — a copy picks others.
type Telling = [usize; 4];

fn input(
    rng: &mut impl Rng,
    s: &Specifics,
    telling: Telling,
    thousands: bool,
    landmark: bool,
) -> GrievanceInput {
    let topic = &TOPICS[s.topic];
    let (state, lga) = PLACES[s.place];
    let mut narrative = format!(
        "{}; {}.",
        fill(topic.problems[telling[1]], s, thousands),
        fill(topic.money[telling[2]], s, thousands)
    );
    if landmark {
        narrative.push(' ');
        narrative.push_str(&fill(SPOTS[telling[3]], s, thousands));
    }
    let anonymous = rng.gen_bool(0.15);
    GrievanceInput {
        // Half are told as corruption reports: their callers' phones are sealed, never compared.
        kind: if rng.gen_bool(0.5) {
            "corruption_report"
        } else {
            "complaint"
        }
        .into(),
        category: topic.category.into(),
        state: state.into(),
        lga: lga.into(),
        ward: Some(format!("Ward {}", rng.gen_range(1..4))),
        title: fill(topic.titles[telling[0]], s, thousands),
        narrative,
        occurred_on: Some(format!("2026-{:02}-{:02}", 9 + s.day / 28, 1 + s.day % 28)),
        channel: Some("town_hall".into()),
        reporter_name: (!anonymous).then(|| name(rng)),
        reporter_phone: (!anonymous && rng.gen_bool(0.6)).then(|| phone(rng)),
        anonymous,
        consent_purpose_explained: true,
        consent_share_with_agency: true,
        consent_may_contact: !anonymous,
        ..GrievanceInput::default()
    }
}

/// `originals` distinct grievances over five LGAs and six topics across eight weeks, and
/// `copies` of randomly chosen ones.
pub fn duplicates_corpus(rng: &mut impl Rng, originals: usize, copies: usize) -> Corpus {
    let mut specifics = Vec::with_capacity(originals);
    let mut list = Vec::with_capacity(originals);
    for _ in 0..originals {
        let s = Specifics {
            topic: rng.gen_range(0..TOPICS.len()),
            place: rng.gen_range(0..PLACES.len()),
            street: STREETS.choose(rng).copied().unwrap_or("Zoo Road"),
            landmark: LANDMARKS.choose(rng).copied().unwrap_or("the motor park"),
            official: name(rng).split(' ').nth(1).unwrap_or("Bello").to_string(),
            sum: rng.gen_range(4..180) * 500,
            weeks: rng.gen_range(2..13),
            day: rng.gen_range(0..56),
        };
        let telling = [
            rng.gen_range(0..3),
            rng.gen_range(0..3),
            rng.gen_range(0..3),
            rng.gen_range(0..3),
        ];
        let thousands = rng.gen_bool(0.5);
        list.push(input(rng, &s, telling, thousands, true));
        specifics.push((s, telling));
    }
    let mut picked: Vec<usize> = (0..originals).collect();
    picked.shuffle(rng);
    let copies = picked
        .into_iter()
        .take(copies)
        .map(|i| {
            let (s, told) = &specifics[i];
            // Another volunteer's words: a different title, problem and money sentence.
            let telling = told.map(|t| (t + rng.gen_range(1..3)) % 3);
            let later = Specifics {
                day: s.day + rng.gen_range(0..4),
                official: s.official.clone(),
                ..*s
            };
            let (thousands, landmark) = (rng.gen_bool(0.5), rng.gen_bool(0.7));
            let mut copy = input(rng, &later, telling, thousands, landmark);
            if rng.gen_bool(0.4) && !copy.anonymous {
                // The same caller came back.
                copy.reporter_phone = list[i].reporter_phone.clone();
            }
            copy.ward = if rng.gen_bool(0.7) {
                list[i].ward.clone()
            } else {
                copy.ward
            };
            (i, copy)
        })
        .collect();
    Corpus {
        originals: list,
        copies,
    }
}
