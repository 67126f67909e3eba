//! The workbook a coordinator hands to a journalist or a funder: the performance table, the
//! monthly trends and the case list, with no personal data, small counts withheld, real Excel
//! numbers and dates, and frozen, filterable headers. The case list is streamed (constant
//! memory), so 100,000 cases cost what 100 do.

use std::io::Write;

use citizens_core::clock::{Timestamp, WAT};
use citizens_store::figures::{Count, Published, PublishedDays, WITHHELD};
use citizens_store::query::Filter;
use rust_xlsxwriter::{ColNum, Format, RowNum, Workbook, Worksheet, XlsxError};
use time::Date;

use crate::{Client, Error, Result};

fn failed(e: XlsxError) -> Error {
    Error::Io(std::io::Error::other(format!(
        "the workbook could not be written: {e}"
    )))
}

/// Excel's day number for a calendar day (its epoch is 1899-12-30).
fn serial(date: Date) -> f64 {
    let epoch = Date::from_julian_day(2_415_019).unwrap_or(Date::MIN);
    (date - epoch).whole_days() as f64
}

/// Excel's day number, with the time of day, for an instant in Nigeria.
fn serial_time(at: Timestamp) -> f64 {
    let local_ms = at.millis() + i64::from(WAT.whole_seconds()) * 1_000;
    local_ms as f64 / 86_400_000.0 + serial(Date::from_julian_day(2_440_588).unwrap_or(Date::MIN))
}

struct Formats {
    header: Format,
    count: Format,
    days: Format,
    date: Format,
    month: Format,
    time: Format,
}

struct Sheet<'a> {
    ws: &'a mut Worksheet,
    row: RowNum,
    f: &'a Formats,
}

impl Sheet<'_> {
    fn header(&mut self, names: &[&str]) -> std::result::Result<(), XlsxError> {
        for (c, name) in names.iter().enumerate() {
            let c = c as ColNum;
            self.ws
                .write_string_with_format(0, c, *name, &self.f.header)?;
            self.ws
                .set_column_width(c, (name.len() as f64).max(10.0) + 2.0)?;
        }
        self.ws.set_freeze_panes(1, 0)?;
        self.row = 1;
        Ok(())
    }

    fn text(&mut self, c: ColNum, value: &str) -> std::result::Result<(), XlsxError> {
        self.ws.write_string(self.row, c, value)?;
        Ok(())
    }

    fn opt_text(&mut self, c: ColNum, value: Option<&str>) -> std::result::Result<(), XlsxError> {
        match value {
            Some(v) => self.text(c, v),
            None => Ok(()),
        }
    }

    fn number(
        &mut self,
        c: ColNum,
        value: f64,
        format: &Format,
    ) -> std::result::Result<(), XlsxError> {
        self.ws
            .write_number_with_format(self.row, c, value, format)?;
        Ok(())
    }

    fn published(
        &mut self,
        c: ColNum,
        value: Published<f64>,
        format: &Format,
    ) -> std::result::Result<(), XlsxError> {
        match value.0 {
            Some(v) => self.number(c, v, format),
            None => self.text(c, WITHHELD),
        }
    }

    fn count(&mut self, c: ColNum, value: Published<u32>) -> std::result::Result<(), XlsxError> {
        let f = self.f;
        self.published(c, Published(value.0.map(f64::from)), &f.count)
    }

    fn day(&mut self, c: ColNum, value: Option<&str>) -> std::result::Result<(), XlsxError> {
        let Some(text) = value else { return Ok(()) };
        match citizens_core::clock::Day::parse("day", text) {
            Ok(day) => {
                let f = self.f;
                self.number(c, serial(day.date()), &f.date)
            }
            Err(_) => self.text(c, text),
        }
    }

    fn filter_and_finish(&mut self, columns: usize) -> std::result::Result<(), XlsxError> {
        let last = self.row.max(1) - 1;
        self.ws.autofilter(0, 0, last, (columns - 1) as ColNum)?;
        Ok(())
    }
}

fn counts(
    sheet: &mut Sheet<'_>,
    within: &str,
    rows: &[Count],
) -> std::result::Result<(), XlsxError> {
    sheet.header(&["Month", within, "Cases"])?;
    for r in rows {
        let first = citizens_core::clock::Day::parse("month", &format!("{}-01", r.key));
        match first {
            Ok(day) => {
                let f = sheet.f;
                sheet.number(0, serial(day.date()), &f.month)?;
            }
            Err(_) => sheet.text(0, &r.key)?,
        }
        sheet.text(1, &r.within)?;
        sheet.count(2, r.published().cases)?;
        sheet.row += 1;
    }
    sheet.filter_and_finish(3)
}

impl Client {
    /// Write the workbook for the cases `filter` selects; returns how many cases it lists.
    pub fn export_xlsx(&self, filter: &Filter, out: impl Write + Send) -> Result<usize> {
        self.workbook(filter, out).map_err(|e| match e {
            Written::Store(e) => e,
            Written::Xlsx(e) => failed(e),
        })
    }

    fn workbook(
        &self,
        filter: &Filter,
        out: impl Write + Send,
    ) -> std::result::Result<usize, Written> {
        let performance = self.performance(filter)?;
        let trends = self.trends(filter)?;
        let f = Formats {
            header: Format::new().set_bold().set_text_wrap(),
            count: Format::new().set_num_format("0"),
            days: Format::new().set_num_format("0.0"),
            date: Format::new().set_num_format("yyyy-mm-dd"),
            month: Format::new().set_num_format("mmm yyyy"),
            time: Format::new().set_num_format("yyyy-mm-dd hh:mm"),
        };
        let mut workbook = Workbook::new();

        let ws = workbook.add_worksheet().set_name("About")?;
        let about = [
            "Citizens Connect: figures that hold agencies to account".to_string(),
            format!("Made on {} from the cases on this laptop.", self.today_string()),
            format!(
                "Counts under 5 (and figures computed from under 5 cases) read \"{WITHHELD}\": small groups can point to a person."
            ),
            "No names, phones, titles, accounts of what happened or addresses are included.".into(),
            "Days: whole calendar days in Nigeria. Median: the middle case. 90th percentile: 9 in 10 cases took at most this.".into(),
            "A case merged into another, or closed as a duplicate, is counted once.".into(),
        ];
        for (i, line) in about.iter().enumerate() {
            ws.write_string(i as RowNum, 0, line)?;
        }
        ws.set_column_width(0, 110)?;

        let mut sheet = Sheet {
            ws: workbook.add_worksheet().set_name("Agencies")?,
            row: 0,
            f: &f,
        };
        let columns = [
            "Agency",
            "Name",
            "Level",
            "Received",
            "Forwarded",
            "Acknowledged",
            "Median days to acknowledge",
            "Answered",
            "Resolved",
            "Median days to resolve",
            "90th percentile days to resolve",
            "Median days from forwarding to resolution",
            "Open",
            "Overdue",
            "Escalated",
            "Reopened after a call-back",
        ];
        sheet.header(&columns)?;
        for r in &performance {
            let p = r.published();
            sheet.text(0, &p.short_name)?;
            sheet.text(1, &p.name)?;
            sheet.text(2, &p.level)?;
            let days = |d: &PublishedDays, median: bool| if median { d.median } else { d.p90 };
            let counts = [p.received, p.forwarded, p.acknowledged];
            for (i, c) in counts.into_iter().enumerate() {
                sheet.count(3 + i as ColNum, c)?;
            }
            let d = &f.days;
            sheet.published(6, days(&p.days_to_acknowledge, true), d)?;
            sheet.count(7, p.answered)?;
            sheet.count(8, p.resolved)?;
            sheet.published(9, days(&p.days_to_resolve, true), d)?;
            sheet.published(10, days(&p.days_to_resolve, false), d)?;
            sheet.published(11, days(&p.days_to_resolve_from_forwarding, true), d)?;
            for (i, c) in [p.open, p.overdue, p.escalated, p.reopened]
                .into_iter()
                .enumerate()
            {
                sheet.count(12 + i as ColNum, c)?;
            }
            sheet.row += 1;
        }
        sheet.filter_and_finish(columns.len())?;

        let mut sheet = Sheet {
            ws: workbook.add_worksheet().set_name("By month and status")?,
            row: 0,
            f: &f,
        };
        counts(&mut sheet, "Status", &trends.by_month_status)?;
        let mut sheet = Sheet {
            ws: workbook.add_worksheet().set_name("By month and category")?,
            row: 0,
            f: &f,
        };
        counts(&mut sheet, "Category", &trends.by_month_category)?;

        let mut sheet = Sheet {
            ws: workbook
                .add_worksheet_with_constant_memory()?
                .set_name("Cases")?,
            row: 0,
            f: &f,
        };
        let columns = [
            "Reference",
            "Kind",
            "Category",
            "Agency",
            "State",
            "LGA",
            "Channel",
            "Status",
            "Priority",
            "Captured",
            "Forwarded on",
            "Acknowledged on",
            "Answered on",
            "Resolved on",
            "Due",
            "Escalations",
            "Reopened",
        ];
        sheet.header(&columns)?;
        let mut failure = None;
        let listed = self.store.public_cases(filter, |c| {
            let written = (|| {
                for (i, text) in [&c.reference, &c.kind, &c.category].into_iter().enumerate() {
                    sheet.text(i as ColNum, text)?;
                }
                sheet.opt_text(3, c.agency.as_deref())?;
                for (i, text) in [&c.state, &c.lga, &c.channel, &c.status, &c.priority]
                    .into_iter()
                    .enumerate()
                {
                    sheet.text(4 + i as ColNum, text)?;
                }
                sheet.number(9, serial_time(Timestamp::from_millis(c.captured)), &f.time)?;
                for (i, day) in [
                    &c.forwarded_on,
                    &c.acknowledged_on,
                    &c.answered_on,
                    &c.resolved_on,
                    &c.due,
                ]
                .into_iter()
                .enumerate()
                {
                    sheet.day(10 + i as ColNum, day.as_deref())?;
                }
                sheet.number(15, f64::from(c.escalations), &f.count)?;
                sheet.number(16, f64::from(c.reopened), &f.count)?;
                sheet.row += 1;
                Ok(())
            })();
            written.map_err(|e: XlsxError| {
                failure = Some(e);
                citizens_store::Error::Damaged("the workbook could not be written".into())
            })
        });
        if let Some(e) = failure {
            return Err(Written::Xlsx(e));
        }
        let listed = listed?;
        sheet.filter_and_finish(columns.len())?;
        workbook.save_to_writer(out)?;
        Ok(listed)
    }
}

/// What stopped a workbook.
enum Written {
    Store(Error),
    Xlsx(XlsxError),
}

impl From<Error> for Written {
    fn from(e: Error) -> Self {
        Written::Store(e)
    }
}

impl From<XlsxError> for Written {
    fn from(e: XlsxError) -> Self {
        Written::Xlsx(e)
    }
}
