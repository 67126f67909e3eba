//! Time, injected. Core never reads the system clock; callers pass a [`Clock`].

use autosurgeon::{Hydrate, HydrateError, Reconcile, Reconciler};
use time::{Date, OffsetDateTime, UtcOffset};

use crate::error::{Error, Result};

/// West Africa Time, the offset used for dates shown to users and for calendar days.
pub const WAT: UtcOffset = match UtcOffset::from_hms(1, 0, 0) {
    Ok(offset) => offset,
    Err(_) => UtcOffset::UTC,
};

/// Milliseconds since the Unix epoch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp(i64);

impl Timestamp {
    /// From milliseconds since the epoch.
    pub const fn from_millis(millis: i64) -> Self {
        Timestamp(millis)
    }

    /// Milliseconds since the epoch.
    pub const fn millis(self) -> i64 {
        self.0
    }

    fn to_datetime(self) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp_nanos(i128::from(self.0) * 1_000_000)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH)
            .to_offset(WAT)
    }

    /// The calendar day in Nigeria (WAT) at this instant.
    pub fn date(self) -> Date {
        self.to_datetime().date()
    }

    /// RFC 3339 in WAT, e.g. `2026-11-28T16:04:05.000+01:00`.
    pub fn to_rfc3339(self) -> String {
        self.to_datetime()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default()
    }

    /// The start (00:00 WAT) of a calendar day.
    pub fn start_of(date: Date) -> Self {
        let at = date.midnight().assume_offset(WAT);
        Timestamp((at.unix_timestamp_nanos() / 1_000_000) as i64)
    }
}

/// Serialised as milliseconds since the epoch.
impl serde::Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_i64(self.0)
    }
}

impl std::fmt::Display for Timestamp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let t = self.to_datetime();
        write!(f, "{} {:02}:{:02}", t.date(), t.hour(), t.minute())
    }
}

impl Reconcile for Timestamp {
    type Key<'a> = autosurgeon::reconcile::NoKey;
    fn reconcile<R: Reconciler>(&self, mut reconciler: R) -> Result<(), R::Error> {
        reconciler.i64(self.0)
    }
}

impl Hydrate for Timestamp {
    fn hydrate_int(i: i64) -> Result<Self, HydrateError> {
        Ok(Timestamp(i))
    }
}

/// The source of the current time.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// Now.
    fn now(&self) -> Timestamp;
}

/// The real clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        let millis = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
        Timestamp::from_millis(millis)
    }
}

/// A calendar day (`YYYY-MM-DD`), stored as text in documents.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Day(Date);

impl Day {
    /// Parse `YYYY-MM-DD`.
    pub fn parse(field: &'static str, text: &str) -> Result<Self> {
        let format = time::macros::format_description!("[year]-[month]-[day]");
        Date::parse(text.trim(), &format)
            .map(Day)
            .map_err(|_| Error::invalid(field, format!("'{text}' is not a date like 2026-11-28")))
    }

    /// The day as a `time::Date`.
    pub fn date(self) -> Date {
        self.0
    }

    /// Wrap a date.
    pub fn from_date(date: Date) -> Self {
        Day(date)
    }
}

/// Serialised as `YYYY-MM-DD`.
impl serde::Serialize for Day {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl std::fmt::Display for Day {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl Reconcile for Day {
    type Key<'a> = autosurgeon::reconcile::NoKey;
    fn reconcile<R: Reconciler>(&self, mut reconciler: R) -> Result<(), R::Error> {
        reconciler.str(self.to_string())
    }
}

impl Hydrate for Day {
    fn hydrate_string(s: &str) -> Result<Self, HydrateError> {
        Day::parse("date", s).map_err(|e| HydrateError::unexpected("a date", e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_counted_in_west_africa_time() {
        // 2026-11-27 23:30 UTC is already the 28th in Lagos.
        let t = Timestamp::from_millis(1_795_822_200_000);
        assert_eq!(t.date().to_string(), "2026-11-28");
        assert_eq!(Timestamp::start_of(t.date()).date(), t.date());
        assert!(t.to_rfc3339().ends_with("+01:00"));
    }

    #[test]
    fn day_parse_explains_the_format() {
        let err = Day::parse("occurred on", "28/11/2026").expect_err("must be refused");
        assert!(err.to_string().contains("2026-11-28"), "{err}");
        assert_eq!(
            Day::parse("x", "2026-02-03").map(|d| d.to_string()),
            Ok("2026-02-03".into())
        );
    }
}
