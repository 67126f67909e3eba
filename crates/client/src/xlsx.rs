//! The workbook a coordinator hands to a journalist or a funder: the performance table and the
//! monthly trends, with no personal data, every count rounded by the organisation's
//! `Disclosure`, real Excel numbers and dates, and frozen, filterable headers. No case list:
//! one row per case would let anyone count any cell exactly (and a corruption report's place,
//! category and dates can point to its reporter).

use std::io::Write;

use citizens_store::figures::{
    listed, listed_counts, Count, Disclosure, Published, PublishedDays, WITHHELD,
};
use citizens_store::query::Filter;
use rust_xlsxwriter::{ColNum, Format, RowNum, Workbook, Worksheet, XlsxError};
use time::Date;

use crate::{Client, Error, Result};

fn failed(e: XlsxError) -> Error {
    std::io::Error::other(format!("the workbook could not be written: {e}")).into()
}

/// Excel's day number for a calendar day (its epoch is 1899-12-30).
fn serial(date: Date) -> f64 {
    let epoch = Date::from_julian_day(2_415_019).unwrap_or(Date::MIN);
    (date - epoch).whole_days() as f64
}

struct Formats {
    header: Format,
    count: Format,
    days: Format,
    month: Format,
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
        self.ws
            .write_string(self.row, c, citizens_core::spreadsheet::inert(value))?;
        Ok(())
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
    d: &Disclosure,
    table: &str,
) -> std::result::Result<(), XlsxError> {
    sheet.header(&["Month", within, "Cases"])?;
    for r in listed_counts(rows, d, table) {
        let first = citizens_core::clock::Day::parse("month", &format!("{}-01", r.key));
        match first {
            Ok(day) => {
                let f = sheet.f;
                sheet.number(0, serial(day.date()), &f.month)?;
            }
            Err(_) => sheet.text(0, &r.key)?,
        }
        sheet.text(1, &r.within)?;
        sheet.count(2, r.cases)?;
        sheet.row += 1;
    }
    sheet.filter_and_finish(3)
}

impl Client {
    /// Write the workbook for the cases `filter` selects; returns how many cases it counts.
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
        let disclosure = self.report_disclosure(filter);
        let f = Formats {
            header: Format::new().set_bold().set_text_wrap(),
            count: Format::new().set_num_format("0"),
            days: Format::new().set_num_format("0"),
            month: Format::new().set_num_format("mmm yyyy"),
        };
        let mut workbook = Workbook::new();

        let ws = workbook.add_worksheet().set_name("About")?;
        let about = [
            "Citizens Connect: figures that hold agencies to account".to_string(),
            format!("Made on {} from the cases on this laptop.", self.today_string()),
            format!(
                "Every count is rounded to a multiple of 5 (up or down, the same way each time), and a count that rounds to 0 reads \"{WITHHELD}\": small groups can point to a person, and exact counts could be subtracted from one another. Parts need not add up to totals."
            ),
            "Medians and percentiles are in whole days, shown where their cases read 15 (medians) or 30 (percentiles) or more.".into(),
            "No names, phones, titles, accounts of what happened or addresses are included, and no list of cases.".into(),
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
        for p in listed(&performance, &disclosure) {
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
        counts(
            &mut sheet,
            "Status",
            &trends.by_month_status,
            &disclosure,
            "by_month_status",
        )?;
        let mut sheet = Sheet {
            ws: workbook.add_worksheet().set_name("By month and category")?,
            row: 0,
            f: &f,
        };
        counts(
            &mut sheet,
            "Category",
            &trends.by_month_category,
            &disclosure,
            "by_month_category",
        )?;

        workbook.save_to_writer(out)?;
        Ok(trends
            .by_month_status
            .iter()
            .fold(0, |sum, c| sum + c.cases as usize))
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
