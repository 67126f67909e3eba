//! The disclosure auditor: an attacker who reads published figures (one publication, or two
//! consecutive ones) and asks a linear-programming solver how small and how large each cell,
//! each difference and each remainder could be, given every relation the tables have: the
//! categories, the states and the months each add up to the same cases; an agency resolves
//! and acknowledges no more than it received; the listed agencies received no more than all
//! cases; and between two publications the cumulative counts (cases, a category, a state, an
//! agency's received, a month's cases) do not shrink. A quantity whose least value is at least
//! 1 and whose greatest is at most 4 is a leak: the publication tells that 1 to 4 cases sit
//! there, which "fewer than 5" promised to hide.

use citizens_core::figures::{PublicFigures, Published, SMALLEST_PUBLISHED};
use good_lp::{microlp, variable, Expression, ProblemVariables, Solution, SolverModel, Variable};

/// What a published number says about the count behind it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Before rounding: a figure is the exact count, "fewer than 5" is 0 to 4, and the total
    /// is the exact number of cases.
    Exact,
    /// Rounded to base 5 with a fixed offset per cell (`core::figures::Disclosure`): a figure
    /// `v` is `v−4` to `v+4`, "fewer than 5" 0 to 4; one cell's two readings differ by their
    /// difference ± 4 (its offset is fixed); the total adds the categories (no news).
    Rounded,
}

/// A quantity the publications pin to 1–4.
#[derive(Debug, Clone, PartialEq)]
pub struct Leak {
    /// What it is, e.g. `after − before of category/water`.
    pub what: String,
    /// Its least value.
    pub low: i64,
    /// Its greatest value.
    pub high: i64,
}

type Terms = Vec<(usize, f64)>;

#[derive(Default)]
struct Model {
    bounds: Vec<(f64, f64)>,
    rows: Vec<(Terms, f64, f64)>,
    targets: Vec<(String, Terms)>,
}

const FREE: f64 = 1e9;

/// The most a cell reading "fewer than 5" holds.
const SMALL: f64 = (SMALLEST_PUBLISHED - 1) as f64;

impl Model {
    fn var(&mut self, low: f64, high: f64) -> usize {
        self.bounds.push((low, high));
        self.bounds.len() - 1
    }

    /// A count behind a published cell.
    fn cell(&mut self, method: Method, shown: Published<u32>) -> usize {
        let (low, high) = interval(method, shown);
        self.var(low, high)
    }

    fn row(&mut self, terms: Terms, low: f64, high: f64) {
        self.rows.push((terms, low, high));
    }

    /// `sum(plus) − sum(minus)` within `low..=high`.
    fn rel(&mut self, plus: &[usize], minus: &[usize], low: f64, high: f64) {
        let terms = plus
            .iter()
            .map(|&i| (i, 1.0))
            .chain(minus.iter().map(|&i| (i, -1.0)))
            .collect();
        self.row(terms, low, high);
    }

    fn target(&mut self, what: String, plus: &[usize], minus: &[usize]) {
        let terms = plus
            .iter()
            .map(|&i| (i, 1.0))
            .chain(minus.iter().map(|&i| (i, -1.0)))
            .collect();
        self.targets.push((what, terms));
    }

    fn extreme(&self, terms: &Terms, maximise: bool) -> Option<f64> {
        let mut vars = ProblemVariables::new();
        let vs: Vec<Variable> = self
            .bounds
            .iter()
            .map(|&(low, high)| vars.add(variable().min(low).max(high)))
            .collect();
        let expr = |t: &Terms| -> Expression { t.iter().map(|&(i, c)| c * vs[i]).sum() };
        let objective = expr(terms);
        let mut model = if maximise {
            vars.maximise(objective.clone())
        } else {
            vars.minimise(objective.clone())
        }
        .using(microlp);
        for (t, low, high) in &self.rows {
            if *low > -FREE {
                model = model.with(expr(t).geq(*low));
            }
            if *high < FREE {
                model = model.with(expr(t).leq(*high));
            }
        }
        let solved = model.solve().ok()?;
        Some(solved.eval(&objective))
    }

    fn leaks(&self) -> Vec<Leak> {
        let mut found = Vec::new();
        for (what, terms) in &self.targets {
            // The bounds alone may already say it is 0 or less, or 5 or more.
            let (least, most) = terms.iter().fold((0.0, 0.0), |(l, m), &(i, c)| {
                let (low, high) = self.bounds[i];
                if c >= 0.0 {
                    (l + c * low, m + c * high)
                } else {
                    (l + c * high, m + c * low)
                }
            });
            if most < 1.0 || least > SMALL {
                continue;
            }
            // No solution means the model contradicts the publications (a relation assumed
            // that did not hold): an audit that checked nothing must not pass.
            let low = self
                .extreme(terms, false)
                .unwrap_or_else(|| panic!("the publications contradict the model at {what}"));
            let low = (low - 1e-6).ceil() as i64;
            if low < 1 {
                continue;
            }
            let high = self
                .extreme(terms, true)
                .unwrap_or_else(|| panic!("the publications contradict the model at {what}"));
            let high = (high + 1e-6).floor() as i64;
            if high <= SMALL as i64 {
                found.push(Leak {
                    what: what.clone(),
                    low,
                    high,
                });
            }
        }
        found
    }
}

/// The counts a published cell allows.
fn interval(method: Method, shown: Published<u32>) -> (f64, f64) {
    match (method, shown.0) {
        (_, None) => (0.0, SMALL),
        (Method::Exact, Some(v)) => (f64::from(v), f64::from(v)),
        (Method::Rounded, Some(v)) => ((f64::from(v) - SMALL).max(0.0), f64::from(v) + SMALL),
    }
}

/// A count behind a publication, by name.
struct Cell {
    name: String,
    var: usize,
    /// As published; `None` for a count no cell shows (a month's cases, the total when it
    /// adds the categories).
    shown: Option<Published<u32>>,
    /// Cases only join it (captured), so it does not shrink.
    cumulative: bool,
    /// The most it can be in a publication that leaves it out (an agency or a month not
    /// listed: each of its cells read 0 to 4).
    unlisted: f64,
}

/// The count named `name` in a publication.
fn cell<'r>(read: &'r Read, name: &str) -> Option<&'r Cell> {
    read.cells.iter().find(|c| c.name == name)
}

/// How a cell left out of a publication read there: "fewer than 5" when it is a cell of its
/// own; nothing when it is a sum no cell shows.
fn unlisted_reading(present: &Cell) -> Option<Published<u32>> {
    present.shown.map(|_| Published(None))
}

/// One publication's counts, and the cases.
struct Read {
    cells: Vec<Cell>,
    cases: usize,
}

fn read(model: &mut Model, method: Method, f: &PublicFigures, tag: &str) -> Read {
    let mut cells = Vec::new();
    let cases = model.var(0.0, FREE);
    if method == Method::Exact {
        let (low, high) = interval(method, f.cases);
        model.row(vec![(cases, 1.0)], low, high);
    }
    cells.push(Cell {
        name: "cases".into(),
        var: cases,
        shown: (method == Method::Exact).then_some(f.cases),
        cumulative: true,
        unlisted: FREE,
    });
    let mut table = |model: &mut Model, name: &str, counts: &[(String, Published<u32>)]| {
        let vars: Vec<usize> = counts
            .iter()
            .map(|(key, shown)| {
                let v = model.cell(method, *shown);
                cells.push(Cell {
                    name: format!("{name}/{key}"),
                    var: v,
                    shown: Some(*shown),
                    cumulative: true,
                    unlisted: SMALL,
                });
                v
            })
            .collect();
        // The table adds up to the cases.
        model.rel(&vars, &[cases], 0.0, 0.0);
        let withheld: Vec<usize> = counts
            .iter()
            .zip(&vars)
            .filter(|((_, shown), _)| shown.0.is_none())
            .map(|(_, &v)| v)
            .collect();
        if !withheld.is_empty() && withheld.len() < vars.len() {
            model.target(
                format!("{tag}: the cases of every withheld {name}"),
                &withheld,
                &[],
            );
        }
    };
    let keyed = |c: &[citizens_core::figures::PublicCount]| -> Vec<(String, Published<u32>)> {
        c.iter().map(|c| (c.key.clone(), c.cases)).collect()
    };
    table(model, "category", &keyed(&f.categories));
    table(model, "state", &keyed(&f.states));
    let mut month_cases = Vec::new();
    for m in &f.months {
        let parts: Vec<usize> = [
            ("open", m.open),
            ("resolved", m.resolved),
            ("ended", m.ended),
        ]
        .into_iter()
        .map(|(part, shown)| {
            let v = model.cell(method, shown);
            cells.push(Cell {
                name: format!("month/{}/{part}", m.month),
                var: v,
                shown: Some(shown),
                cumulative: false,
                unlisted: SMALL,
            });
            v
        })
        .collect();
        // A month's cases, all parts together, only grow.
        let total = model.var(0.0, FREE);
        model.rel(&parts, &[total], 0.0, 0.0);
        cells.push(Cell {
            name: format!("month/{}", m.month),
            var: total,
            shown: None,
            cumulative: true,
            unlisted: 3.0 * SMALL,
        });
        month_cases.push(total);
    }
    // The months listed hold at most the cases: the months before the first and after the
    // last that show something are left out.
    model.rel(&[cases], &month_cases, 0.0, FREE);
    let mut received_all = Vec::new();
    for a in &f.agencies {
        let name = |figure: &str| format!("agency/{}/{figure}", a.short_name);
        let received = model.cell(method, a.received);
        // Listed: it received some.
        model.row(vec![(received, 1.0)], 1.0, FREE);
        let acknowledged = model.cell(method, a.acknowledged);
        let confirmed = model.cell(method, a.confirmed);
        let resolved = model.cell(method, a.resolved);
        model.rel(&[received], &[acknowledged], 0.0, FREE);
        model.rel(&[acknowledged], &[confirmed], 0.0, FREE);
        model.rel(&[received], &[resolved], 0.0, FREE);
        model.target(
            format!("{tag}: {} received less resolved", a.short_name),
            &[received],
            &[resolved],
        );
        model.target(
            format!("{tag}: {} received less acknowledged", a.short_name),
            &[received],
            &[acknowledged],
        );
        model.target(
            format!("{tag}: {} acknowledged less confirmed", a.short_name),
            &[acknowledged],
            &[confirmed],
        );
        for (figure, var, shown, cumulative) in [
            ("received", received, a.received, true),
            ("acknowledged", acknowledged, a.acknowledged, false),
            ("confirmed", confirmed, a.confirmed, false),
            ("resolved", resolved, a.resolved, false),
        ] {
            cells.push(Cell {
                name: name(figure),
                var,
                shown: Some(shown),
                cumulative,
                unlisted: SMALL,
            });
        }
        received_all.push(received);
    }
    model.rel(&[cases], &received_all, 0.0, FREE);
    for c in &cells {
        model.target(format!("{tag}: {}", c.name), &[c.var], &[]);
    }
    Read { cells, cases }
}

/// The quantities `publications` (one, or consecutive ones in order) pin to 1–4 under `method`.
pub fn audit(method: Method, publications: &[&PublicFigures]) -> Vec<Leak> {
    let mut model = Model::default();
    let read: Vec<Read> = publications
        .iter()
        .enumerate()
        .map(|(i, f)| read(&mut model, method, f, &format!("publication {}", i + 1)))
        .collect();
    for (i, pair) in read.windows(2).enumerate() {
        let (before, after) = (&pair[0], &pair[1]);
        let tag = format!("publications {} → {}", i + 1, i + 2);
        model.target(format!("{tag}: new cases"), &[after.cases], &[before.cases]);
        // Every count either publication shows; one left out of a publication (an agency, a
        // month not listed) read 0 to 4 there.
        let mut names: Vec<&str> = before
            .cells
            .iter()
            .chain(&after.cells)
            .map(|c| c.name.as_str())
            .collect();
        names.sort_unstable();
        names.dedup();
        for name in names {
            let present = cell(before, name)
                .or(cell(after, name))
                .expect("named by one of them");
            let (cumulative, unlisted) = (present.cumulative, present.unlisted);
            let absent = unlisted_reading(present);
            let mut reading = |read: &Read| match cell(read, name) {
                Some(c) => (c.var, c.shown),
                None => (model.var(0.0, unlisted), absent),
            };
            let (b, shown_before) = reading(before);
            let (a, shown_after) = reading(after);
            if cumulative {
                model.rel(&[a], &[b], 0.0, FREE);
            }
            // A rounded cell's offset is fixed: its two readings differ by its move ± 4.
            if let (Method::Rounded, Some(before), Some(after)) =
                (method, shown_before, shown_after)
            {
                let moved = f64::from(after.0.unwrap_or(0)) - f64::from(before.0.unwrap_or(0));
                model.rel(&[a], &[b], moved - SMALL, moved + SMALL);
            }
            model.target(format!("{tag}: after − before of {name}"), &[a], &[b]);
        }
    }
    model.leaks()
}

#[cfg(test)]
mod tests {
    use super::*;
    use citizens_core::figures::{PublicAgency, PublicCount, PublicMonth};

    fn n(v: u32) -> Published<u32> {
        Published((v >= SMALLEST_PUBLISHED).then_some(v))
    }

    /// A publication as today's code made it: exact figures from 5 up.
    fn exact(cases: u32, category: u32, month_open: u32, agency: (u32, u32)) -> PublicFigures {
        let every = |keys: Vec<&str>, first: u32| -> Vec<PublicCount> {
            keys.into_iter()
                .enumerate()
                .map(|(i, key)| PublicCount {
                    key: key.to_string(),
                    cases: if i == 0 { n(first) } else { n(0) },
                })
                .collect()
        };
        PublicFigures {
            as_of: "2026-12-01".into(),
            cases: n(cases),
            agencies: vec![PublicAgency {
                short_name: "KEDCO".into(),
                name: "Kano Electricity Distribution Company".into(),
                level: "federal".into(),
                received: n(agency.0),
                acknowledged: n(0),
                confirmed: n(0),
                resolved: n(agency.1),
                median_days_to_resolve: Published(None),
            }],
            months: vec![PublicMonth {
                month: "2026-12".into(),
                open: n(month_open),
                resolved: n(agency.1),
                ended: n(0),
            }],
            categories: every(
                citizens_core::taxonomy::CATEGORIES
                    .iter()
                    .map(|c| c.slug)
                    .collect(),
                category,
            ),
            states: every(
                citizens_core::geo::states()
                    .iter()
                    .map(|s| s.code)
                    .collect(),
                cases,
            ),
        }
    }

    fn whats(leaks: &[Leak]) -> Vec<String> {
        leaks.iter().map(|l| l.what.clone()).collect()
    }

    #[test]
    fn the_leaks_of_exact_figures_are_found() {
        // Received 7, resolved 5: exactly 2 unresolved; 9 cases, 6 in the one published
        // category: 3 in the others.
        let one = exact(9, 6, 0, (7, 5));
        let leaks = audit(Method::Exact, &[&one]);
        let found = whats(&leaks);
        assert!(
            found.contains(&"publication 1: KEDCO received less resolved".to_string()),
            "{found:?}"
        );
        assert!(
            found.contains(&"publication 1: the cases of every withheld category".to_string()),
            "{found:?}"
        );
        let unresolved = leaks
            .iter()
            .find(|l| l.what == "publication 1: KEDCO received less resolved");
        assert_eq!(unresolved.map(|l| (l.low, l.high)), Some((2, 2)));

        // One case more: "2026-12 open" goes from withheld to 5, the total by one.
        let before = exact(10, 10, 4, (7, 5));
        let after = exact(11, 11, 5, (8, 5));
        let found = whats(&audit(Method::Exact, &[&before, &after]));
        for leak in [
            "publications 1 → 2: new cases",
            "publications 1 → 2: after − before of category/",
            "publications 1 → 2: after − before of agency/KEDCO/received",
        ] {
            assert!(
                found.iter().any(|f| f.starts_with(leak)),
                "{leak}: {found:?}"
            );
        }
    }

    #[test]
    fn the_same_figures_rounded_leave_nothing_pinned() {
        let round = |v: u32| Published((v > 0).then_some(v.div_ceil(5) * 5));
        let mut one = exact(9, 6, 0, (7, 5));
        one.cases = round(9);
        one.categories[0].cases = round(6);
        one.states[0].cases = round(9);
        one.agencies[0].received = round(7);
        one.agencies[0].resolved = round(5);
        one.months[0].resolved = round(5);
        one.months[0].open = round(4);
        let leaks = audit(Method::Rounded, &[&one]);
        assert_eq!(leaks, Vec::new());
    }
}
