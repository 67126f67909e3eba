//! The words of the papers: the window's message catalogues (`ui/src/lib/locales`, so a
//! paper and the screen never name a thing differently) and the papers' own sentences
//! (`crates/paper/words`, kept out of the window's bundle). A word missing in a language falls
//! back to English, and one missing in English shows its key (as in the window).

use std::collections::BTreeMap;

use crate::{Error, Result};

/// The languages a paper is printed in, as the window names them.
pub const LANGUAGES: [&str; 5] = ["en", "ha", "yo", "ig", "pcm"];

/// Per language (in [`LANGUAGES`] order): the window's catalogue and the papers' own.
const CATALOGUES: [[&str; 2]; 5] = [
    [
        include_str!("../../../ui/src/lib/locales/en.json"),
        include_str!("../words/en.json"),
    ],
    [
        include_str!("../../../ui/src/lib/locales/ha.json"),
        include_str!("../words/ha.json"),
    ],
    [
        include_str!("../../../ui/src/lib/locales/yo.json"),
        include_str!("../words/yo.json"),
    ],
    [
        include_str!("../../../ui/src/lib/locales/ig.json"),
        include_str!("../words/ig.json"),
    ],
    [
        include_str!("../../../ui/src/lib/locales/pcm.json"),
        include_str!("../words/pcm.json"),
    ],
];

/// The words of one language.
#[derive(Debug, Clone)]
pub struct Words {
    lang: &'static str,
    words: BTreeMap<String, String>,
}

fn catalogue(text: &str) -> Result<BTreeMap<String, String>> {
    serde_json::from_str(text).map_err(|e| Error::Typeset(format!("a catalogue is damaged: {e}")))
}

impl Words {
    /// The words of `lang` (`en`, `ha`, `yo`, `ig` or `pcm`).
    pub fn of(lang: &str) -> Result<Words> {
        let at = LANGUAGES
            .iter()
            .position(|l| *l == lang)
            .ok_or_else(|| Error::Language(lang.to_string()))?;
        let mut words = BTreeMap::new();
        for text in CATALOGUES[0].iter().chain(&CATALOGUES[at]) {
            words.extend(catalogue(text)?);
        }
        Ok(Words {
            lang: LANGUAGES[at],
            words,
        })
    }

    /// The language's code.
    pub fn lang(&self) -> &'static str {
        self.lang
    }

    /// The word for `key`.
    pub fn get(&self, key: &str) -> String {
        self.words
            .get(key)
            .cloned()
            .unwrap_or_else(|| key.to_string())
    }

    /// The word for `key` with its `{name}` places filled, in one pass (a value is never
    /// read for places itself: a venue called "{state}" stays so).
    pub fn fill(&self, key: &str, values: &[(&str, &str)]) -> String {
        let word = self.get(key);
        let mut out = String::with_capacity(word.len());
        let mut rest = word.as_str();
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let after = &rest[open + 1..];
            let filled = after.find('}').and_then(|close| {
                let name = &after[..close];
                let value = values.iter().find(|(n, _)| *n == name)?.1;
                Some((value, &after[close + 1..]))
            });
            match filled {
                Some((value, tail)) => {
                    out.push_str(value);
                    rest = tail;
                }
                None => {
                    out.push('{');
                    rest = after;
                }
            }
        }
        out.push_str(rest);
        out
    }

    /// The word for a vocabulary value, e.g. `("cat", "water")` → "Water and sanitation".
    pub fn of_value(&self, prefix: &str, value: &str) -> String {
        self.words
            .get(&format!("{prefix}_{value}"))
            .cloned()
            .unwrap_or_else(|| value.to_string())
    }

    /// "fewer than 5", in this language.
    pub fn withheld(&self) -> String {
        self.get("dash_fewer_than_5")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_language_reads_and_falls_back_to_english_then_the_key() {
        for lang in LANGUAGES {
            let words = Words::of(lang).expect("catalogue");
            assert_eq!(words.lang(), lang);
            assert!(!words.get("paper_brief_title").starts_with("paper_"));
        }
        let yo = Words::of("yo").expect("catalogue");
        assert_eq!(yo.get("no_such_word"), "no_such_word");
        assert!(matches!(Words::of("fr"), Err(Error::Language(l)) if l == "fr"));
    }

    #[test]
    fn every_language_has_every_word_of_the_papers() {
        let english = catalogue(CATALOGUES[0][1]).expect("English");
        for (lang, [_, own]) in LANGUAGES.iter().zip(CATALOGUES) {
            let words = catalogue(own).expect("catalogue");
            let missing: Vec<&String> =
                english.keys().filter(|k| !words.contains_key(*k)).collect();
            assert!(missing.is_empty(), "{lang} lacks {missing:?}");
            assert_eq!(words.len(), english.len(), "{lang} has words English lacks");
        }
    }

    #[test]
    fn places_are_filled() {
        let en = Words::of("en").expect("catalogue");
        assert_eq!(
            en.fill(
                "dash_export_done",
                &[("path", "/tmp/a.xlsx"), ("count", "3")]
            ),
            "Saved /tmp/a.xlsx with 3 cases."
        );
        let when = [
            ("date", "2026-12-01"),
            ("venue", "{state} hall"),
            ("lga", "Fagge"),
            ("state", "Kano"),
        ];
        assert_eq!(
            en.fill("paper_kit_when", &when),
            "2026-12-01 · {state} hall · Fagge, Kano",
            "a value is not filled in turn"
        );
        assert_eq!(
            en.fill("paper_only", &[]),
            "Only: {what}.",
            "an unknown place stays"
        );
    }
}
