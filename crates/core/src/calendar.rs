//! Working days: how long an office has to answer is counted in the days government offices
//! open — Monday to Friday, less the public holidays the organisation keeps in its rulebook.

use std::collections::BTreeSet;

use time::{Date, Weekday};

/// The days offices are closed beyond weekends.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Calendar {
    holidays: BTreeSet<Date>,
}

impl Calendar {
    /// A calendar with these public holidays.
    pub fn new(holidays: impl IntoIterator<Item = Date>) -> Self {
        Calendar {
            holidays: holidays.into_iter().collect(),
        }
    }

    /// Offices are open: a weekday that is not a public holiday.
    pub fn is_working_day(&self, day: Date) -> bool {
        !matches!(day.weekday(), Weekday::Saturday | Weekday::Sunday)
            && !self.holidays.contains(&day)
    }

    /// The `n`th working day after `start` (`start` itself when `n` is 0); `None` past the
    /// end of the calendar.
    pub fn add_working_days(&self, start: Date, n: u32) -> Option<Date> {
        let mut day = start;
        for _ in 0..n {
            day = day.next_day()?;
            while !self.is_working_day(day) {
                day = day.next_day()?;
            }
        }
        Some(day)
    }

    /// Working days after `from` up to and including `to` (0 when `to` is not later).
    pub fn working_days_between(&self, from: Date, to: Date) -> u32 {
        let mut count = 0;
        let mut day = from;
        while day < to {
            let Some(next) = day.next_day() else { break };
            day = next;
            count += u32::from(self.is_working_day(day));
        }
        count
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    fn day_strategy() -> impl Strategy<Value = Date> {
        // 2024-01-01 .. about 2030: the years the app will count in.
        (0i64..2_400).prop_map(|n| date!(2024 - 01 - 01) + time::Duration::days(n))
    }

    fn calendar_strategy() -> impl Strategy<Value = Calendar> {
        proptest::collection::vec(day_strategy(), 0..60).prop_map(Calendar::new)
    }

    #[test]
    fn weekends_and_holidays_are_skipped() {
        let christmas = Calendar::new([date!(2026 - 12 - 25), date!(2026 - 12 - 28)]);
        // Thursday 24 December + 1 working day: Friday 25th and Monday 28th are holidays,
        // the weekend is closed, so Tuesday 29th.
        assert_eq!(
            christmas.add_working_days(date!(2026 - 12 - 24), 1),
            Some(date!(2026 - 12 - 29))
        );
        let plain = Calendar::default();
        // A Monday plus 5 working days is the next Monday.
        assert_eq!(
            plain.add_working_days(date!(2026 - 11 - 23), 5),
            Some(date!(2026 - 11 - 30))
        );
        // Saturday plus 0 is still Saturday (the step starts that day), plus 1 is Monday.
        assert_eq!(
            plain.add_working_days(date!(2026 - 11 - 28), 0),
            Some(date!(2026 - 11 - 28))
        );
        assert_eq!(
            plain.add_working_days(date!(2026 - 11 - 28), 1),
            Some(date!(2026 - 11 - 30))
        );
    }

    proptest! {
        #[test]
        fn the_due_day_is_a_working_day_exactly_n_working_days_on(
            calendar in calendar_strategy(), start in day_strategy(), n in 1u32..60
        ) {
            let due = calendar.add_working_days(start, n).expect("in range");
            prop_assert!(due > start);
            prop_assert!(calendar.is_working_day(due));
            prop_assert_eq!(calendar.working_days_between(start, due), n);
            // The day before the due day is still short of n.
            let before = due.previous_day().expect("in range");
            prop_assert_eq!(calendar.working_days_between(start, before), n - 1);
        }

        #[test]
        fn more_days_or_more_holidays_never_bring_the_due_day_forward(
            calendar in calendar_strategy(), extra in day_strategy(),
            start in day_strategy(), n in 0u32..60
        ) {
            let due = calendar.add_working_days(start, n).expect("in range");
            let later = calendar.add_working_days(start, n + 1).expect("in range");
            prop_assert!(later > due);
            let mut holidays = calendar.holidays.clone();
            holidays.insert(extra);
            let stricter = Calendar { holidays };
            prop_assert!(stricter.add_working_days(start, n).expect("in range") >= due);
        }

        #[test]
        fn without_holidays_a_working_week_is_seven_calendar_days(
            start in day_strategy(), weeks in 0u32..10
        ) {
            prop_assume!(Calendar::default().is_working_day(start));
            let due = Calendar::default().add_working_days(start, 5 * weeks).expect("in range");
            prop_assert_eq!(due - start, time::Duration::days(7 * i64::from(weeks)));
        }
    }
}
