//! One chart renderer for the window, the PDF briefs and the public page: plain SVG with
//! presentation attributes only (no `style`, no script, no external reference), so a strict
//! Content-Security-Policy holds wherever it is shown. Every text is escaped. A withheld
//! figure (fewer than 5 cases, when the chart leaves the laptop) is drawn as an outlined
//! stub marked "<5", never as its value.

use std::fmt::Write;

/// Colours that stay apart for colour-blind readers and on a photocopy (Okabe–Ito).
pub const PALETTE: [&str; 6] = [
    "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00",
];

/// How a withheld figure reads on a chart.
pub const WITHHELD_MARK: &str = "<5";

const FONT: &str = "Andika, 'DejaVu Sans', sans-serif";
const WIDTH: u32 = 640;
const INK: &str = "#1f2933";
const GRID: &str = "#d5dbe1";

/// One bar of a horizontal bar chart: `None` when withheld.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    /// What it counts, e.g. a category's name in the reader's language.
    pub label: String,
    /// The count.
    pub value: Option<u32>,
}

/// One column of a stacked column chart, e.g. a month.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// Under the column, e.g. `2026-11`.
    pub label: String,
    /// One part per legend entry, bottom first: `None` when withheld.
    pub parts: Vec<Option<u32>>,
}

/// Text made safe inside SVG/XML elements and attributes.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Control characters and the non-characters are not allowed in XML at all.
            c if c.is_control() || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A label cut to `max` letters, with an ellipsis when cut; a letter keeps its combining
/// marks (Yorùbá tones and dots below), so a cut never strips them.
fn clip(label: &str, max: usize) -> String {
    let combining = |c: char| matches!(c, '\u{0300}'..='\u{036F}' | '\u{1DC0}'..='\u{1DFF}' | '\u{20D0}'..='\u{20FF}');
    if label.chars().filter(|&c| !combining(c)).count() <= max {
        return label.to_string();
    }
    let mut cut = String::new();
    let mut letters = 0;
    for c in label.chars() {
        if !combining(c) {
            if letters + 1 >= max {
                break;
            }
            letters += 1;
        }
        cut.push(c);
    }
    cut.push('…');
    cut
}

/// The smallest 1, 2 or 5 × 10ⁿ at or above `max` (at least 1): the top of the scale.
fn nice_top(max: u32) -> u32 {
    let mut step = 1u32;
    loop {
        for m in [1, 2, 5] {
            let top = step.saturating_mul(m);
            if top >= max || top == u32::MAX {
                return top.max(1);
            }
        }
        step = step.saturating_mul(10);
    }
}

/// How many steps divide a [`nice_top`] into whole numbers: 1 → 1, 2 → 2, 2×10ⁿ → 4 (5×10ⁿ⁻¹
/// each), 1×10ⁿ and 5×10ⁿ → 5.
fn grid_steps(top: u32) -> u32 {
    let mut lead = top;
    while lead >= 10 {
        lead /= 10;
    }
    match (top, lead) {
        (0..=2, _) => top.max(1),
        (_, 2) => 4,
        _ => 5,
    }
}

fn open(out: &mut String, title: &str, height: u32) {
    let title = escape(title);
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH} {height}\" \
         width=\"{WIDTH}\" height=\"{height}\" role=\"img\" aria-label=\"{title}\" \
         font-family=\"{FONT}\" font-size=\"14\" fill=\"{INK}\"><title>{title}</title>"
    );
}

/// A horizontal bar chart, one bar per entry in the order given.
pub fn bars(title: &str, bars: &[Bar]) -> String {
    const ROW: u32 = 24;
    const LABEL: u32 = 250;
    const RIGHT: u32 = 56;
    let height = 12 + ROW * u32::try_from(bars.len().max(1)).unwrap_or(u32::MAX / ROW);
    let top = nice_top(bars.iter().filter_map(|b| b.value).max().unwrap_or(0));
    let span = f64::from(WIDTH - LABEL - RIGHT);
    let mut out = String::new();
    open(&mut out, title, height);
    for (i, bar) in bars.iter().enumerate() {
        let y = 6 + ROW * u32::try_from(i).unwrap_or(0);
        let middle = y + ROW / 2 + 4;
        let _ = write!(
            out,
            "<text x=\"{}\" y=\"{middle}\" text-anchor=\"end\">{}</text>",
            LABEL - 8,
            escape(&clip(&bar.label, 30))
        );
        match bar.value {
            Some(value) => {
                let w = (f64::from(value) / f64::from(top) * span).round();
                let _ = write!(
                    out,
                    "<rect x=\"{LABEL}\" y=\"{}\" width=\"{w}\" height=\"{}\" fill=\"{}\"/>\
                     <text x=\"{}\" y=\"{middle}\">{value}</text>",
                    y + 3,
                    ROW - 6,
                    PALETTE[0],
                    f64::from(LABEL) + w + 6.0
                );
            }
            None => withheld_stub(&mut out, LABEL, y + 3, ROW - 6, LABEL + 16, middle),
        }
    }
    out.push_str("</svg>");
    out
}

fn withheld_stub(out: &mut String, x: u32, y: u32, height: u32, text_x: u32, text_y: u32) {
    let _ = write!(
        out,
        "<rect x=\"{x}\" y=\"{y}\" width=\"10\" height=\"{height}\" fill=\"none\" \
         stroke=\"{INK}\" stroke-dasharray=\"2 2\"/>\
         <text x=\"{text_x}\" y=\"{text_y}\">{}</text>",
        escape(WITHHELD_MARK)
    );
}

/// A stacked column chart: one column per entry (e.g. month), one colour per legend entry.
/// With many columns only some labels are written, so they never overlap.
pub fn columns(title: &str, legend: &[String], columns: &[Column]) -> String {
    const HEIGHT: u32 = 300;
    const LEFT: u32 = 48;
    const LEGEND: u32 = 28;
    const BOTTOM: u32 = 28;
    let plot_top = LEGEND + 8;
    let plot_height = f64::from(HEIGHT - plot_top - BOTTOM);
    let totals: Vec<u32> = columns
        .iter()
        .map(|c| {
            c.parts
                .iter()
                .flatten()
                .fold(0u32, |sum, &n| sum.saturating_add(n))
        })
        .collect();
    let top = nice_top(totals.iter().copied().max().unwrap_or(0));
    let mut out = String::new();
    open(&mut out, title, HEIGHT);
    // Legend.
    let mut x = LEFT;
    for (i, entry) in legend.iter().enumerate() {
        if x + 16 >= WIDTH {
            break;
        }
        let label = escape(&clip(entry, 24));
        let _ = write!(
            out,
            "<rect x=\"{x}\" y=\"8\" width=\"12\" height=\"12\" fill=\"{}\"/>\
             <text x=\"{}\" y=\"19\">{label}</text>",
            PALETTE[i % PALETTE.len()],
            x + 16
        );
        x += 16 + 8 * u32::try_from(entry.chars().count().min(24)).unwrap_or(0) + 20;
    }
    // Scale: a grid line at each whole step.
    let steps = grid_steps(top);
    for step in 0..=steps {
        let value = f64::from(top) * f64::from(step) / f64::from(steps);
        let y = f64::from(plot_top) + plot_height * (1.0 - f64::from(step) / f64::from(steps));
        let _ = write!(
            out,
            "<line x1=\"{LEFT}\" x2=\"{WIDTH}\" y1=\"{y}\" y2=\"{y}\" stroke=\"{GRID}\"/>\
             <text x=\"{}\" y=\"{}\" text-anchor=\"end\" font-size=\"12\">{}</text>",
            LEFT - 6,
            y + 4.0,
            value.round()
        );
    }
    let n = u32::try_from(columns.len().max(1)).unwrap_or(u32::MAX);
    let slot = f64::from(WIDTH - LEFT) / f64::from(n);
    let width = (slot * 0.7).max(1.0);
    // About one label per 56 px.
    let every = (56.0 / slot).ceil().max(1.0) as usize;
    for (i, column) in columns.iter().enumerate() {
        let x = f64::from(LEFT) + slot * i as f64 + (slot - width) / 2.0;
        let mut base = f64::from(plot_top) + plot_height;
        let mut stacked = 0u32;
        for (part, value) in column.parts.iter().enumerate() {
            match value {
                Some(v) if *v > 0 => {
                    // Heights from the running total, so a stack never rises past the scale.
                    stacked = stacked.saturating_add(*v).min(top);
                    let y = f64::from(plot_top)
                        + plot_height * (1.0 - f64::from(stacked) / f64::from(top));
                    let h = (base - y).max(0.0);
                    base = y;
                    let _ = write!(
                        out,
                        "<rect x=\"{x:.1}\" y=\"{base:.1}\" width=\"{width:.1}\" height=\"{h:.1}\" \
                         fill=\"{}\"><title>{}: {v}</title></rect>",
                        PALETTE[part % PALETTE.len()],
                        escape(legend.get(part).map_or("", String::as_str))
                    );
                }
                Some(_) => {}
                None => {
                    let _ = write!(
                        out,
                        "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"{width:.1}\" height=\"4\" \
                         fill=\"none\" stroke=\"{}\" stroke-dasharray=\"2 2\"/>",
                        (base - 4.0).max(f64::from(plot_top)),
                        PALETTE[part % PALETTE.len()]
                    );
                    base = (base - 4.0).max(f64::from(plot_top));
                }
            }
        }
        if i % every == 0 {
            let _ = write!(
                out,
                "<text x=\"{:.1}\" y=\"{}\" text-anchor=\"middle\" font-size=\"12\">{}</text>",
                x + width / 2.0,
                HEIGHT - 10,
                escape(&clip(&column.label, 10))
            );
        }
    }
    out.push_str("</svg>");
    out
}

/// The words on the trend charts, in the reader's language (the window's catalogues hold the
/// translations; the renderer only lays them out).
#[derive(Debug, Clone, Default, serde::Deserialize, ts_rs::TS)]
#[serde(default)]
pub struct ChartWords {
    /// Title of the cases-per-month chart.
    pub by_month: String,
    /// Title of the cases-by-category chart.
    pub by_category: String,
    /// Title of the cases-by-state chart.
    pub by_state: String,
    /// Legend: cases someone still has to act on.
    pub open: String,
    /// Legend: resolved or closed.
    pub resolved: String,
    /// Legend: ended otherwise (not actionable, withdrawn).
    pub ended: String,
    /// Category slug → its name.
    pub categories: std::collections::BTreeMap<String, String>,
}

impl ChartWords {
    /// The chart words of a catalogue, `get` giving the words of a key (`chart_by_month`…,
    /// `cat_<slug>` for each category), as the printed papers and the public page take them.
    pub fn of(get: impl Fn(&str) -> String) -> ChartWords {
        ChartWords {
            by_month: get("chart_by_month"),
            by_category: get("chart_by_category"),
            by_state: get("chart_by_state"),
            open: get("chart_open"),
            resolved: get("chart_resolved"),
            ended: get("chart_ended"),
            categories: crate::taxonomy::CATEGORIES
                .iter()
                .map(|c| (c.slug.to_string(), get(&format!("cat_{}", c.slug))))
                .collect(),
        }
    }
}

/// The trend charts as SVG.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
pub struct Charts {
    /// Cases captured per month, stacked open / resolved / ended otherwise.
    pub by_month: String,
    /// Cases per category, most first.
    pub by_category: String,
    /// Cases per state, most first (the twelve with most).
    pub by_state: String,
}

/// The states a state chart shows; a table beside it lists them all.
pub const STATES_CHARTED: usize = 12;

/// `counts` most first, a withheld one after every shown one, ties by key: ordered by what is
/// shown, so the order cannot tell withheld counts apart.
pub fn ranked(mut counts: Vec<(String, Option<u32>)>) -> Vec<(String, Option<u32>)> {
    counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    counts
}

/// The trend charts, in `words`: `months` as (`YYYY-MM`, [open, resolved, ended]) oldest
/// first; `categories` (by slug) and `states` (by code) as shown, in any order (ranked here).
pub fn draw(
    words: &ChartWords,
    months: &[(String, [Option<u32>; 3])],
    categories: Vec<(String, Option<u32>)>,
    states: Vec<(String, Option<u32>)>,
) -> Charts {
    let columns: Vec<Column> = months
        .iter()
        .map(|(month, parts)| Column {
            label: month.clone(),
            parts: parts.to_vec(),
        })
        .collect();
    let legend = [
        words.open.clone(),
        words.resolved.clone(),
        words.ended.clone(),
    ];
    let categories: Vec<Bar> = ranked(categories)
        .into_iter()
        .map(|(slug, value)| Bar {
            label: words.categories.get(&slug).cloned().unwrap_or(slug),
            value,
        })
        .collect();
    let states: Vec<Bar> = ranked(states)
        .into_iter()
        .take(STATES_CHARTED)
        .map(|(code, value)| Bar {
            label: crate::geo::state(&code).map_or(code, |s| s.name.to_string()),
            value,
        })
        .collect();
    Charts {
        by_month: self::columns(&words.by_month, &legend, &columns),
        by_category: bars(&words.by_category, &categories),
        by_state: bars(&words.by_state, &states),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bar(label: &str, value: Option<u32>) -> Bar {
        Bar {
            label: label.into(),
            value,
        }
    }

    #[test]
    fn the_scale_tops_at_one_two_or_five_times_a_power_of_ten() {
        let tops: Vec<u32> = [0, 1, 3, 7, 10, 11, 45, 120, 999, 1_001]
            .into_iter()
            .map(nice_top)
            .collect();
        assert_eq!(tops, [1, 1, 5, 10, 10, 20, 50, 200, 1_000, 2_000]);
        assert_eq!(nice_top(u32::MAX), u32::MAX);
        let steps: Vec<(u32, u32)> = [1, 2, 5, 10, 20, 50, 100, 200, 500]
            .into_iter()
            .map(|top| (top, top / grid_steps(top)))
            .collect();
        assert_eq!(
            steps,
            [
                (1, 1),
                (2, 1),
                (5, 1),
                (10, 2),
                (20, 5),
                (50, 10),
                (100, 20),
                (200, 50),
                (500, 100)
            ],
            "every grid line falls on a whole number"
        );
    }

    #[test]
    fn hostile_labels_cannot_break_out_of_the_svg() {
        let hostile = "</text><script>alert(1)</script><a href=\"javascript:x\">'&";
        let svg = bars(hostile, &[bar(hostile, Some(3))]);
        assert!(!svg.contains("<script"), "{svg}");
        assert!(!svg.contains("<a "), "{svg}");
        assert!(svg.contains("&lt;/text&gt;&lt;script&gt;"), "{svg}");
        let chart = |label: &str| {
            columns(
                label,
                &[label.to_string()],
                &[Column {
                    label: label.into(),
                    parts: vec![Some(2)],
                }],
            )
        };
        let svg = chart(hostile);
        assert!(!svg.contains("<script") && !svg.contains("<a "), "{svg}");
        // Exactly the elements the renderer writes for a plain label, nothing more.
        assert_eq!(
            svg.matches('<').count(),
            chart("plain").matches('<').count()
        );
    }

    #[test]
    fn charts_use_no_inline_style_script_or_outside_reference() {
        let svg = bars("Cases", &[bar("Ẹ̀ka ọlọ́pàá", Some(12)), bar("Ƙano", None)]);
        for banned in ["style", "<script", "href", "url(", "on"] {
            let found = match banned {
                // Attribute names starting with `on` (event handlers).
                "on" => svg.contains(" on"),
                other => svg.contains(other),
            };
            assert!(!found, "{banned} in {svg}");
        }
        // Letters outside ASCII pass through as they are (the font renders them).
        assert!(svg.contains("Ẹ̀ka ọlọ́pàá"));
    }

    #[test]
    fn a_withheld_bar_shows_a_mark_never_a_length() {
        let svg = bars("Cases", &[bar("Kano", Some(40)), bar("Yobe", None)]);
        assert_eq!(svg.matches(">&lt;5</text>").count(), 1, "{svg}");
        assert_eq!(svg.matches("stroke-dasharray").count(), 1, "{svg}");
        // The longest bar fills the scale's share of the width: 40 of a top of 50.
        let span = f64::from(WIDTH - 250 - 56);
        assert!(
            svg.contains(&format!("width=\"{}\"", (span * 0.8).round())),
            "{svg}"
        );
    }

    #[test]
    fn stacked_columns_add_up_and_label_without_overlap() {
        let months: Vec<Column> = (1..=36)
            .map(|m| Column {
                label: format!("M{m}"),
                parts: vec![Some(m), Some(1), None],
            })
            .collect();
        let legend = ["Open".to_string(), "Resolved".into(), "Other".into()];
        let svg = columns("By month", &legend, &months);
        // 36 columns in 592 px: one label every 4 columns.
        assert_eq!(svg.matches("text-anchor=\"middle\"").count(), 9, "{svg}");
        // Two filled parts per column, one withheld stub each, three legend squares.
        assert_eq!(svg.matches("<rect").count(), 36 * 3 + 3);
        // The tallest column (37) tops out under a scale of 50.
        assert!(svg.contains(">50</text>"), "{svg}");
    }

    #[test]
    fn a_cut_label_keeps_its_tone_marks() {
        // 30 letters of Yorùbá, each ọ carrying a dot below and a tone mark.
        let label = "Ọ̀rọ̀ ".repeat(8);
        let cut = clip(&label, 12);
        assert!(cut.ends_with('…'), "{cut}");
        assert!(cut.starts_with("Ọ̀rọ̀ Ọ̀rọ̀ Ọ̀"), "{cut}");
        // Every base letter still carries both of its marks.
        let body = cut.trim_end_matches('…');
        assert_eq!(
            body.matches('\u{0300}').count(),
            body.matches(['Ọ', 'ọ']).count()
        );
        assert_eq!(clip("Kano", 12), "Kano");
    }

    #[test]
    fn text_xml_cannot_hold_becomes_a_space() {
        assert_eq!(escape("a\u{0}b\u{FFFE}c\u{FFFF}"), "a b c ");
    }

    #[test]
    fn counts_near_the_limit_neither_overflow_nor_leave_the_plot() {
        let svg = columns(
            "Big",
            &["A".to_string(), "B".into()],
            &[Column {
                label: "2026-11".into(),
                parts: vec![Some(u32::MAX), Some(u32::MAX), None],
            }],
        );
        assert!(svg.ends_with("</svg>"));
        assert!(
            !svg.contains("y=\"-"),
            "nothing drawn above the picture: {svg}"
        );
    }

    #[test]
    fn empty_charts_are_still_valid_pictures() {
        assert!(bars("None", &[]).ends_with("</svg>"));
        assert!(columns("None", &[], &[]).ends_with("</svg>"));
    }
}
