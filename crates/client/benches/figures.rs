//! Figures benchmark: the performance table (all agencies over a year, and one agency), the
//! trends, the charts, the XLSX workbook and the PDF briefs, at 10k and 100k cases, in one run.
//! `cargo bench -p citizens-client --bench figures [-- SIZE...]`; prints medians, p95 and the
//! workbook's time and peak memory beside the targets.
#![allow(clippy::print_stdout)]

use std::time::{Duration, Instant};

use citizens_client::{
    charts, months, Audience, ChartWords, Client, ForwardInput, GrievanceInput, ReportFilter,
};
use citizens_test_support::bench::{ms, percentile, reset_peak_rss, sizes, time};
use citizens_test_support::hostile::peak_rss_kib;
use citizens_test_support::worked::{resolve, HOUR};
use citizens_test_support::{grievance, install, FakeClock, TOWN_HALL_DAY};
use rand::SeedableRng;

struct Figures {
    size: usize,
    worked: usize,
    setup: Duration,
    rows: Vec<(&'static str, &'static str, Vec<Duration>)>,
    xlsx: Duration,
    xlsx_bytes: u64,
    xlsx_peak_mib: f64,
    chart_bytes: usize,
}

fn run(size: usize) -> Figures {
    let dir = tempfile::tempdir().expect("tempdir");
    let clock = FakeClock::at(TOWN_HALL_DAY);
    let mut client: Client = install(dir.path(), "Amina Bello", clock.clone());
    let start = Instant::now();
    // Every case routed at capture, round the directory; one in twenty then worked through
    // forwarding, acknowledgement and resolution (the milestones), the rest open, as most are.
    let agencies: Vec<String> = client
        .agencies(None)
        .expect("agencies")
        .into_iter()
        .map(|a| a.short_name)
        .collect();
    let mut rng = rand::rngs::StdRng::seed_from_u64(size as u64);
    let mut references = Vec::with_capacity(size);
    while references.len() < size {
        let batch: Vec<_> = (references.len()..size.min(references.len() + 2_000))
            .map(|i| GrievanceInput {
                agency: Some(agencies[i % agencies.len()].clone()),
                ..grievance(&mut rng)
            })
            .collect();
        let stored = client.capture_all(&batch).unwrap_or_else(|e| panic!("{e}"));
        references.extend(stored.into_iter().map(|g| g.reference));
        clock.advance(HOUR);
    }
    let mut worked = 0;
    for (i, reference) in references.iter().enumerate().step_by(20) {
        let forward = ForwardInput {
            agency: agencies[i % agencies.len()].clone(),
            channel: "letter".into(),
            ..ForwardInput::default()
        };
        client.forward(reference, &forward).expect("forward");
        clock.advance((i % 7) as i64 * HOUR / 6);
        if i % 3 != 0 {
            client
                .acknowledge(reference, None, None)
                .expect("acknowledge");
        }
        if i % 2 == 0 {
            clock.advance((i % 11) as i64 * HOUR / 6);
            resolve(&mut client, reference);
        }
        worked += 1;
    }
    let setup = start.elapsed();

    let year_report = ReportFilter {
        from: Some("2026-01-01".into()),
        to: Some("2026-12-31".into()),
        ..ReportFilter::default()
    };
    let year = client.report_filter(&year_report).expect("year");
    let busiest = client.performance(&year).expect("table")[0]
        .short_name
        .clone();
    let one = client
        .report_filter(&ReportFilter {
            agency: Some(busiest.clone()),
            ..year_report.clone()
        })
        .expect("one agency");
    let words = ChartWords {
        by_month: "Cases per month".into(),
        by_category: "Cases by category".into(),
        by_state: "Cases by state".into(),
        open: "Open".into(),
        resolved: "Resolved".into(),
        ended: "Ended otherwise".into(),
        ..ChartWords::default()
    };
    let table = time(30, |_| {
        client.performance(&year).expect("table");
    });
    let agency = time(100, |_| {
        client.performance(&one).expect("one agency");
    });
    let trends = time(30, |_| {
        client.trends(&year).expect("trends");
    });
    let figures = client.trends(&year).expect("trends");
    let drawn = time(100, |_| {
        charts(&figures, &months(&figures), &words, Audience::ThisLaptop);
    });
    let c = charts(&figures, &months(&figures), &words, Audience::ThisLaptop);
    let chart_bytes = c.by_month.len() + c.by_category.len() + c.by_state.len();

    let out = dir.path().join("figures.xlsx");
    reset_peak_rss();
    let before = peak_rss_kib(std::process::id());
    let start = Instant::now();
    citizens_client::write_whole(&out, |sink| client.export_xlsx(&year, sink)).expect("xlsx");
    let xlsx = start.elapsed();
    let xlsx_peak_mib = peak_rss_kib(std::process::id()).saturating_sub(before) as f64 / 1024.0;
    // Two months on, the open forwarded cases are overdue: the brief lists each (read from
    // its document for the office now holding it).
    clock.advance(60 * 24 * HOUR);
    let brief = time(5, |_| {
        citizens_paper::agency_brief(&client, &busiest, &year_report, "yo").expect("brief");
    });
    let media = time(5, |_| {
        citizens_paper::media_brief(&client, &year_report, "en").expect("media brief");
    });
    Figures {
        size,
        worked,
        setup,
        rows: vec![
            (
                "performance table, all agencies, one year",
                "≤ 300 ms",
                table,
            ),
            ("performance table, one agency", "≤ 50 ms", agency),
            (
                "trends (month × status, month × category, state, who reports)",
                "—",
                trends,
            ),
            ("three charts drawn (SVG)", "—", drawn),
            (
                "PDF agency brief, busiest agency, one year (Yorùbá)",
                "≤ 1 s",
                brief,
            ),
            ("PDF media brief, every agency, one year", "≤ 1 s", media),
        ],
        xlsx,
        xlsx_bytes: std::fs::metadata(&out).expect("written").len(),
        xlsx_peak_mib,
        chart_bytes,
    }
}

fn main() {
    let figures: Vec<Figures> = sizes(&[10_000, 100_000]).into_iter().map(run).collect();
    println!("\n| operation | cases | p50 | p95 | target |");
    println!("|---|---:|---:|---:|---:|");
    for f in &figures {
        for (name, target, samples) in &f.rows {
            println!(
                "| {name} | {} | {:.2} ms | {:.2} ms | {target} |",
                f.size,
                ms(percentile(samples, 0.5)),
                ms(percentile(samples, 0.95)),
            );
        }
    }
    println!("\n| XLSX workbook | cases | time | size | peak memory while writing | target |");
    println!("|---|---:|---:|---:|---:|---:|");
    for f in &figures {
        println!(
            "| all cases of the year | {} | {:.2} s | {:.1} MB | +{:.1} MiB | ≤ 10 s, bounded memory |",
            f.size,
            f.xlsx.as_secs_f64(),
            f.xlsx_bytes as f64 / 1e6,
            f.xlsx_peak_mib
        );
    }
    for f in &figures {
        println!(
            "\n{} cases ({} worked through forwarding, acknowledgement and resolution) set up in {:.1} s; the three charts are {:.1} KB of SVG",
            f.size,
            f.worked,
            f.setup.as_secs_f64(),
            f.chart_bytes as f64 / 1e3
        );
    }
}
