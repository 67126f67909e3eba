//! Likely duplicates: the same grievance captured twice — by two volunteers at one town hall, a
//! paper form typed on two laptops, a citizen who came back. Compared on what is open in the
//! record: the words of title and account (weighted so that words every nearby case uses count
//! little and the specifics — a street, a sum, a name — count most), the reporter's phone only
//! when it is not sealed, the paper form number, the place, the agency and how close the dates
//! are. Sealed identities are never read.

use std::collections::{BTreeSet, HashMap};

use time::Date;

use crate::grievance::Grievance;

/// A suggestion is made from this score up.
pub const THRESHOLD: f64 = 0.4;

/// Days apart beyond which two cases are not compared.
pub const WINDOW_DAYS: i64 = 30;

/// What a case is compared on.
#[derive(Debug, Clone, PartialEq)]
pub struct Fingerprint {
    /// State code.
    pub state: String,
    /// LGA.
    pub lga: String,
    /// Ward, if given.
    pub ward: Option<String>,
    /// Category slug.
    pub category: String,
    /// Agency id, if routed.
    pub agency: Option<String>,
    /// When it happened (or was captured).
    pub day: Date,
    /// The open phone (never a sealed one).
    pub phone: Option<String>,
    /// Paper form number.
    pub form_number: Option<String>,
    /// Content words of title and account.
    pub words: BTreeSet<String>,
}

crate::text_enum::text_enum!(
    /// Why two cases look alike, for the coordinator to judge.
    Reason, "duplicate reason", {
        /// Their words are alike.
        SimilarWords => "similar_words",
        /// The same open phone number.
        SamePhone => "same_phone",
        /// The same paper form number.
        SameForm => "same_form",
        /// The same LGA (and ward when both say).
        SamePlace => "same_place",
        /// Sent to the same agency.
        SameAgency => "same_agency",
        /// Within a few days of each other.
        CloseDates => "close_dates",
    }
);

/// How alike two cases are.
#[derive(Debug, Clone, PartialEq)]
pub struct Likeness {
    /// 0 to about 1.5; [`THRESHOLD`] and up is suggested.
    pub score: f64,
    /// Share of weighted words in common, 0–1.
    pub words: f64,
    /// Days between them.
    pub days_apart: i64,
    /// What they share.
    pub reasons: Vec<Reason>,
}

const STOPWORDS: &[&str] = &[
    "the", "and", "for", "are", "was", "were", "has", "have", "had", "not", "but", "our", "their",
    "they", "them", "this", "that", "with", "from", "into", "who", "which", "there", "been",
    "being", "every", "some", "any", "all", "also", "its", "his", "her", "she", "him", "you",
    "your", "yet", "nobody", "because", "after", "before", "about", "than", "then", "when", "what",
    "where", "said", "says", "asked", "ask", "will", "would", "can", "could", "should", "one",
    "two", "people", "since", "still", "now", "just", "very", "too", "did", "does", "dey", "una",
    "wey", "don", "dem", "make", "say", "abeg",
];

/// The content words of a text: lower-case, letters and digits, stop words and one- or
/// two-letter words left out, a plural `s` dropped.
pub fn words(text: &str) -> BTreeSet<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .map(str::to_lowercase)
        .filter(|w| w.chars().count() >= 3 || w.chars().all(|c| c.is_ascii_digit()))
        .filter(|w| !w.is_empty() && !STOPWORDS.contains(&w.as_str()))
        .map(|w| match w.strip_suffix('s') {
            Some(stem) if stem.chars().count() >= 3 && !stem.ends_with('s') => stem.to_string(),
            _ => w,
        })
        .collect()
}

impl Fingerprint {
    /// The fingerprint of a case.
    pub fn of(g: &Grievance) -> Self {
        let mut words = words(&g.title);
        words.extend(self::words(&g.narrative));
        Fingerprint {
            state: g.place.state.clone(),
            lga: g.place.lga.clone(),
            ward: g.place.ward.clone(),
            category: g.category.clone(),
            agency: g.agency.map(|a| a.to_string()),
            day: g
                .occurred_on
                .map_or_else(|| g.created_at.date(), |d| d.date()),
            phone: g.reporter.phone.clone(),
            form_number: g.form_number.clone(),
            words,
        }
    }
}

/// How many cases use each word, among the cases a newcomer is weighed against.
#[derive(Debug, Default)]
pub struct Frequencies<'a> {
    cases: usize,
    words: HashMap<&'a str, usize>,
}

impl<'a> Frequencies<'a> {
    /// Count one case's (distinct) words.
    pub fn add(&mut self, words: impl IntoIterator<Item = &'a str>) {
        self.cases += 1;
        for w in words {
            *self.words.entry(w).or_default() += 1;
        }
    }
}

/// Compare `case` with each of `candidates` (the cases of its place, phone or form number).
/// Words weigh by how rare they are among the candidates and the `background` (cases on the
/// same topic elsewhere in the state): words every nearby case uses count little, the
/// specifics of one grievance count most. Returns `(index, likeness)` for those at or above
/// [`THRESHOLD`], most alike first.
pub fn rank<'a>(
    case: &'a Fingerprint,
    candidates: &'a [Fingerprint],
    mut background: Frequencies<'a>,
) -> Vec<(usize, Likeness)> {
    for f in std::iter::once(case).chain(candidates) {
        background.add(f.words.iter().map(String::as_str));
    }
    let Frequencies { cases, words } = background;
    // With only a case or two nearby, which words are common is unknown: they weigh alike.
    let trust = (cases as f64 / 3.0).min(1.0);
    let total = cases as f64 + 1.0;
    let weight = |w: &str| {
        let idf = (total / words.get(w).copied().unwrap_or(1) as f64).ln();
        (1.0 - trust) + trust * idf * idf
    };
    let mut found: Vec<(usize, Likeness)> = candidates
        .iter()
        .enumerate()
        .filter_map(|(i, other)| {
            let l = likeness(case, other, &weight);
            (l.score >= THRESHOLD).then_some((i, l))
        })
        .collect();
    found.sort_by(|a, b| b.1.score.total_cmp(&a.1.score));
    found
}

fn likeness(a: &Fingerprint, b: &Fingerprint, weight: &impl Fn(&str) -> f64) -> Likeness {
    let shared: f64 = a.words.intersection(&b.words).map(|w| weight(w)).sum();
    let all: f64 = a.words.union(&b.words).map(|w| weight(w)).sum();
    let words = if all > 0.0 { shared / all } else { 0.0 };
    let days_apart = (a.day - b.day).whole_days().abs();
    let mut reasons = Vec::new();
    let mut score = words;
    if words >= 0.2 {
        reasons.push(Reason::SimilarWords);
    }
    if a.phone.is_some() && a.phone == b.phone {
        score += 0.4;
        reasons.push(Reason::SamePhone);
    }
    if a.form_number.is_some() && a.form_number == b.form_number && a.state == b.state {
        score += 0.5;
        reasons.push(Reason::SameForm);
    }
    if a.state == b.state && a.lga == b.lga {
        let same_ward = a.ward.is_some() && a.ward == b.ward;
        score += if same_ward { 0.1 } else { 0.05 };
        reasons.push(Reason::SamePlace);
    }
    if a.agency.is_some() && a.agency == b.agency {
        score += 0.05;
        reasons.push(Reason::SameAgency);
    }
    if days_apart <= 7 {
        score += if days_apart <= 3 { 0.1 } else { 0.05 };
        reasons.push(Reason::CloseDates);
    } else if days_apart > WINDOW_DAYS {
        score = 0.0;
    }
    Likeness {
        score,
        words,
        days_apart,
        reasons,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn case(text: &str, phone: Option<&str>, day: Date) -> Fingerprint {
        Fingerprint {
            state: "KN".into(),
            lga: "Fagge".into(),
            ward: None,
            category: "power".into(),
            agency: None,
            day,
            phone: phone.map(Into::into),
            form_number: None,
            words: words(text),
        }
    }

    #[test]
    fn words_drop_noise_and_plurals() {
        let w = words("The transformers on Zoo Road have been faulty for 3 weeks, abeg!");
        let expected: BTreeSet<String> = ["transformer", "zoo", "road", "faulty", "3", "week"]
            .into_iter()
            .map(String::from)
            .collect();
        assert_eq!(w, expected);
    }

    #[test]
    fn the_same_specifics_in_other_words_beat_the_same_topic_elsewhere() {
        let day = date!(2026 - 11 - 20);
        let original = case(
            "Transformer on Zoo Road near Sabon Gari market faulty; KEDCO staff asked for 50000",
            None,
            day,
        );
        let retold = case(
            "KEDCO people collected 50000 to fix the Zoo Road transformer by Sabon Gari market",
            None,
            day,
        );
        let elsewhere = case(
            "Transformer on Bompai Road faulty; KEDCO staff asked every house for 2000",
            None,
            day,
        );
        let found = rank(
            &original,
            &[elsewhere.clone(), retold.clone()],
            Frequencies::default(),
        );
        assert_eq!(found.first().map(|(i, _)| *i), Some(1), "{found:?}");
        assert!(found.iter().all(|(i, _)| *i != 0), "{found:?}");

        // The same phone makes a weaker text match a suggestion; far-apart dates unmake it.
        let mut same_phone = elsewhere.clone();
        same_phone.phone = Some("+2348035550101".into());
        let mut caller = original.clone();
        caller.phone = same_phone.phone.clone();
        let found = rank(&caller, &[same_phone.clone()], Frequencies::default());
        assert!(found[0].1.reasons.contains(&Reason::SamePhone), "{found:?}");
        same_phone.day = date!(2026 - 06 - 01);
        assert!(rank(&caller, &[same_phone], Frequencies::default()).is_empty());
    }
}
