//! Text from outside: no control characters (nor bidirectional overrides) in, none raw out.
//!
//! A control character (ESC, backspace, carriage return, the C1 range…) in a name or a
//! narrative can rewrite what a terminal shows: `\x1b[2K\r` erases a line and writes another
//! over it. Text taken from people is refused when it holds one ([`refuse_controls`]); text
//! shown on a terminal has any that got in written out as `\u{..}` ([`escape_controls`]).

use crate::error::{Error, Result};

/// A character that can act on the screen showing it: a control character, or a bidirectional
/// embedding, override or isolate (U+202A–U+202E, U+2066–U+2069), which can make a line read in
/// another order than it is written.
pub fn acts_on_screen(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Refuses `text` when it holds a control character. With `allow_newlines` (long text: a
/// narrative, a description) a line break is allowed, `\n` or `\r\n` as web forms send it;
/// a lone `\r`, a tab or any other control character is still refused.
pub fn refuse_controls(field: &'static str, text: &str, allow_newlines: bool) -> Result<()> {
    let mut chars = text.chars().enumerate().peekable();
    while let Some((at, c)) = chars.next() {
        if !acts_on_screen(c) {
            continue;
        }
        let line_break = allow_newlines
            && (c == '\n' || (c == '\r' && chars.peek().is_some_and(|&(_, next)| next == '\n')));
        if line_break {
            continue;
        }
        return Err(Error::invalid(
            field,
            format!(
                "holds an invisible control character (character {} of the text); \
                 type it again without it{}",
                at + 1,
                if allow_newlines { "" } else { ", on one line" }
            ),
        ));
    }
    Ok(())
}

/// `text` with every control character written out as `\u{1b}` (a line break too), so
/// nothing in it acts on the terminal that shows it.
pub fn escape_controls(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if acts_on_screen(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_refused_and_line_breaks_only_in_long_text() {
        assert_eq!(refuse_controls("name", "Aisha Bello — Kano", false), Ok(()));
        assert_eq!(
            refuse_controls("narrative", "line one\r\nline two\nthree", true),
            Ok(())
        );
        for text in [
            "a\x1b[2Kb",
            "a\rb",
            "a\tb",
            "a\u{85}b",
            "a\u{7f}b",
            "a\0b",
            "revoked\u{202e}evitca",
            "a\u{2066}b",
        ] {
            assert!(
                refuse_controls("narrative", text, true).is_err(),
                "{text:?}"
            );
        }
        assert_eq!(
            refuse_controls("device name", "one\ntwo", false),
            Err(Error::invalid(
                "device name",
                "holds an invisible control character (character 4 of the text); \
                 type it again without it, on one line"
            ))
        );
    }

    #[test]
    fn escaped_text_holds_no_control_character() {
        let shown = escape_controls("laptop\x1b[2K\r revoked\n\u{9b}\u{202e}");
        assert_eq!(
            shown,
            "laptop\\u{1b}[2K\\u{d} revoked\\u{a}\\u{9b}\\u{202e}"
        );
        assert!(!shown.chars().any(acts_on_screen));
    }
}
