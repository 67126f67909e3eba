//! The papers' words: the window's (`citizens-words`, so a paper and the screen never name a
//! thing differently) and the papers' own sentences (`crates/paper/words`, kept out of the
//! window's bundle).

use citizens_words::Words;

use crate::{Error, Result};

/// The papers' own sentences, in `citizens_words::LANGUAGES` order.
const OWN: [&str; 5] = [
    include_str!("../words/en.json"),
    include_str!("../words/ha.json"),
    include_str!("../words/yo.json"),
    include_str!("../words/ig.json"),
    include_str!("../words/pcm.json"),
];

/// The words of a paper in `lang`.
pub(crate) fn of(lang: &str) -> Result<Words> {
    Ok(Words::of(lang)
        .map_err(|e| Error::Language(e.0))?
        .with(&OWN))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_language_has_every_sentence_of_the_papers() {
        citizens_words::check_complete(&OWN).expect("the papers' catalogues are complete");
        for lang in citizens_words::LANGUAGES {
            let words = of(lang).expect("words");
            assert!(!words.get("paper_brief_title").starts_with("paper_"));
        }
        assert!(matches!(of("fr"), Err(Error::Language(l)) if l == "fr"));
    }
}
