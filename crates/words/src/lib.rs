//! The words people read, in English, Hausa, Yorùbá, Igbo and Naijá: the window's message
//! catalogues (`ui/src/lib/locales/*.json`), so the printed papers and the server's public
//! pages never name a thing differently from the screen. A component adds its own sentences
//! with [`Words::with`]. A word missing in a language falls back to English, and one missing
//! in English shows its key (as in the window).

use std::collections::BTreeMap;

/// The languages, as the window names them.
pub const LANGUAGES: [&str; 5] = ["en", "ha", "yo", "ig", "pcm"];

/// The window's catalogues, in [`LANGUAGES`] order.
const WINDOW: [&str; 5] = [
    include_str!("../../../ui/src/lib/locales/en.json"),
    include_str!("../../../ui/src/lib/locales/ha.json"),
    include_str!("../../../ui/src/lib/locales/yo.json"),
    include_str!("../../../ui/src/lib/locales/ig.json"),
    include_str!("../../../ui/src/lib/locales/pcm.json"),
];

/// Not one of the five languages.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("“{0}” is not one of the languages: choose en, ha, yo, ig or pcm")]
pub struct UnknownLanguage(pub String);

/// The words of one language.
#[derive(Debug, Clone)]
pub struct Words {
    at: usize,
    words: BTreeMap<String, String>,
}

/// A catalogue's words; one that does not read (a defect caught by the tests) gives none.
fn catalogue(text: &str) -> BTreeMap<String, String> {
    serde_json::from_str(text).unwrap_or_default()
}

impl Words {
    /// The window's words in `lang` (`en`, `ha`, `yo`, `ig` or `pcm`).
    pub fn of(lang: &str) -> Result<Words, UnknownLanguage> {
        let at = LANGUAGES
            .iter()
            .position(|l| *l == lang)
            .ok_or_else(|| UnknownLanguage(lang.to_string()))?;
        let mut words = catalogue(WINDOW[0]);
        words.extend(catalogue(WINDOW[at]));
        Ok(Words { at, words })
    }

    /// These words and a component's own catalogues (in [`LANGUAGES`] order), English
    /// filling what this language lacks.
    pub fn with(mut self, own: &[&str; 5]) -> Words {
        for text in [own[0], own[self.at]] {
            self.words.extend(catalogue(text));
        }
        self
    }

    /// The language's code.
    pub fn lang(&self) -> &'static str {
        LANGUAGES[self.at]
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

/// Every catalogue of `own` (in [`LANGUAGES`] order) reads and has exactly English's words:
/// for a component's tests.
pub fn check_complete(own: &[&str; 5]) -> Result<(), String> {
    let english: BTreeMap<String, String> =
        serde_json::from_str(own[0]).map_err(|e| format!("en does not read: {e}"))?;
    for (lang, text) in LANGUAGES.iter().zip(own) {
        let words: BTreeMap<String, String> =
            serde_json::from_str(text).map_err(|e| format!("{lang} does not read: {e}"))?;
        let missing: Vec<&String> = english.keys().filter(|k| !words.contains_key(*k)).collect();
        let extra: Vec<&String> = words.keys().filter(|k| !english.contains_key(*k)).collect();
        if !missing.is_empty() || !extra.is_empty() {
            return Err(format!(
                "{lang} lacks {missing:?} and has {extra:?} English lacks"
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_window_catalogue_reads_and_has_the_english_words() {
        check_complete(&WINDOW).expect("the window's catalogues are complete");
    }

    #[test]
    fn a_word_falls_back_to_english_then_to_its_key() {
        for lang in LANGUAGES {
            assert_eq!(Words::of(lang).expect("words").lang(), lang);
        }
        let yo = Words::of("yo").expect("words");
        assert_eq!(yo.get("dash_fewer_than_5"), "kò tó 5");
        assert_eq!(yo.get("no_such_word"), "no_such_word");
        assert_eq!(yo.of_value("cat", "no_such_category"), "no_such_category");
        assert_eq!(
            Words::of("fr").map(|w| w.lang()),
            Err(UnknownLanguage("fr".into()))
        );
        let own = [
            r#"{"hello": "Hello"}"#,
            "{}",
            r#"{"hello": "Ẹ n lẹ"}"#,
            "{}",
            "{}",
        ];
        assert_eq!(
            Words::of("yo").expect("words").with(&own).get("hello"),
            "Ẹ n lẹ"
        );
        assert_eq!(
            Words::of("ha").expect("words").with(&own).get("hello"),
            "Hello"
        );
    }

    #[test]
    fn places_are_filled_once() {
        let en = Words::of("en").expect("words");
        assert_eq!(
            en.fill(
                "dash_export_done",
                &[("path", "/tmp/{count}.xlsx"), ("count", "3")]
            ),
            "Saved /tmp/{count}.xlsx with 3 cases.",
            "a value is not filled in turn"
        );
        assert_eq!(
            en.fill("dash_export_done", &[]),
            "Saved {path} with {count} cases.",
            "an unknown place stays"
        );
    }
}
