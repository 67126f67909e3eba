//! Printing: JSON with `--json`, readable tables otherwise.

use std::path::Path;

use anyhow::Result;
use citizens_client::figures::{AgencyPerformance, Count, Days, Disclosure, Trends};
use citizens_client::store_rows::{AgencyRow, SessionRow};
use citizens_client::{
    CaseView, DuplicatePair, GrievanceRow, HistoryEntry, Home, ListPage, Profile,
};
use citizens_core::agency::Agency;
use citizens_core::article::{CivicArticle, Translation};
use citizens_core::grievance::Grievance;
use citizens_core::identity::ReporterIdentity;
use citizens_core::rulebook::Rulebook;
use citizens_core::session::TownHallSession;
use comfy_table::{presets::UTF8_FULL_CONDENSED, ContentArrangement, Table};
use serde::Serialize;
use serde_json::json;

/// `println!` that ends the program quietly when the reader went away (`citizens … | head`).
macro_rules! say {
    ($($arg:tt)*) => {{
        crate::output::write_line(&crate::output::on_terminal(&format!($($arg)*)));
    }};
}

/// Print a line; end the program quietly when the reader went away (`citizens … | head`).
pub fn write_line(text: &str) {
    use std::io::Write as _;
    if let Err(e) = writeln!(std::io::stdout(), "{text}") {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
    }
}

/// Where output goes and in which form.
#[derive(Debug, Clone, Copy)]
pub struct Out {
    pub json: bool,
}

/// What the program prints, with every control character written out (`\u{1b}`) but its own
/// line breaks: a case's title, a person's or a laptop's name from elsewhere cannot erase,
/// rewrite or retitle the terminal.
pub fn on_terminal(text: &str) -> String {
    text.split('\n')
        .map(citizens_core::text::escape_controls)
        .collect::<Vec<_>>()
        .join("\n")
}

fn table(header: &[&str]) -> Table {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(header.to_vec());
    t
}

/// JSON with the control characters serde_json leaves raw (DEL, the C1 range) written as
/// `\u009b`: still valid JSON, and nothing in it acts on a terminal.
fn print_json(value: &impl Serialize) -> Result<()> {
    write_line(&json_for_terminal(&serde_json::to_string_pretty(value)?));
    Ok(())
}

/// A failure as one line of JSON on stderr: `{"code": "not_found", "message": "…"}`.
pub fn error_json(failure: &citizens_client::Failure) {
    let line = serde_json::to_string(failure).unwrap_or_default();
    eprintln!("{}", json_for_terminal(&line));
}

fn json_for_terminal(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        if citizens_core::text::acts_on_screen(c) && c != '\n' {
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

fn or_dash(value: Option<&str>) -> String {
    value.unwrap_or("—").to_string()
}

impl Out {
    pub fn message(&self, text: &str) -> Result<()> {
        if self.json {
            print_json(&json!({ "message": text }))
        } else {
            say!("{text}");
            Ok(())
        }
    }

    pub fn profile(&self, profile: &Profile, dir: &Path) -> Result<()> {
        if self.json {
            return print_json(&json!({ "profile": profile, "data_dir": dir }));
        }
        say!("Citizens Connect is ready in {}", dir.display());
        say!(
            "  user:          {} ({})",
            profile.user,
            profile.organisation
        );
        say!(
            "  device:        {} (code {})",
            profile.device_name,
            profile.device_code
        );
        say!("  org key:       {}", profile.org_public_key);
        if profile.holds_org_secret {
            say!("  This install holds the organisation's private key: it can open sealed identities.");
        }
        Ok(())
    }

    pub fn home(&self, client: &citizens_client::Client) -> Result<()> {
        let home: Home = client.home()?;
        if self.json {
            return print_json(&home);
        }
        let profile = client.profile();
        say!(
            "{} — {} ({})",
            profile.organisation,
            profile.user,
            profile.device_name
        );
        let mut t = table(&["status", "cases"]);
        for (status, count) in &home.counts {
            t.add_row(vec![status.clone(), count.to_string()]);
        }
        say!("{t}");
        say!(
            "My queue: {} open   Overdue: {}   Status conflicts: {}   Possible duplicates: {}   Changes not yet synced: {}",
            home.my_queue.total,
            home.overdue.total,
            home.conflicts,
            home.duplicates,
            home.pending_changes
        );
        let sync = client.sync_status()?;
        match (&sync.server, sync.last_success, &sync.last_error) {
            (None, _, _) => say!("Working locally (not enrolled with a sync server)."),
            (Some(server), last, error) => {
                let last = last.map_or("never".to_string(), |ms| {
                    citizens_core::clock::Timestamp::from_millis(ms).to_string()
                });
                say!("Sync: {server}, last synced {last}");
                if let Some((_, why)) = error {
                    say!("  last attempt failed: {why}");
                }
                if let Some((_, why)) = &sync.figures_refused {
                    say!("  the public figures were not published: {why}");
                }
            }
        }
        if !home.overdue.rows.is_empty() {
            say!("\nOverdue");
            self.rows(&home.overdue.rows)?;
        }
        if !home.call_backs.rows.is_empty() {
            say!("\nCall-backs to make ({})", home.call_backs.total);
            self.rows(&home.call_backs.rows)?;
        }
        if !home.workload.is_empty() {
            let mut t = table(&["case worker", "open", "overdue"]);
            for w in &home.workload {
                t.add_row(vec![
                    w.assignee.clone(),
                    w.open.to_string(),
                    w.overdue.to_string(),
                ]);
            }
            say!("\nWorkload\n{t}");
        }
        if !home.sessions.is_empty() {
            say!("\nRecent sessions");
            self.sessions(&home.sessions)?;
        }
        Ok(())
    }

    pub fn captured(&self, g: &Grievance) -> Result<()> {
        if self.json {
            return print_json(
                &json!({ "id": g.id.to_string(), "reference": g.reference, "sealed": g.reporter.sealed.is_some() }),
            );
        }
        let sealed = if g.reporter.sealed.is_some() {
            " (reporter identity sealed)"
        } else {
            ""
        };
        say!("captured {} — {}{sealed}", g.reference, g.title);
        Ok(())
    }

    pub fn imported(&self, stored: &[Grievance]) -> Result<()> {
        if self.json {
            let refs: Vec<&str> = stored.iter().map(|g| g.reference.as_str()).collect();
            return print_json(&json!({ "imported": stored.len(), "references": refs }));
        }
        say!("imported {} case(s)", stored.len());
        Ok(())
    }

    pub fn rows(&self, rows: &[GrievanceRow]) -> Result<()> {
        if self.json {
            return print_json(&rows);
        }
        let mut t = table(&[
            "reference",
            "status",
            "title",
            "place",
            "agency",
            "due",
            "assignee",
        ]);
        for r in rows {
            let status = if r.conflict {
                format!("{} ⚠ conflict", r.status)
            } else {
                r.status.clone()
            };
            t.add_row(vec![
                r.reference.clone(),
                status,
                r.title.clone(),
                format!("{}, {}", r.lga, r.state),
                or_dash(r.agency.as_deref()),
                or_dash(r.sla_due.as_deref()),
                or_dash(r.assignee.as_deref()),
            ]);
        }
        say!("{t}");
        Ok(())
    }

    pub fn page(&self, page: &ListPage) -> Result<()> {
        if self.json {
            return print_json(page);
        }
        self.rows(&page.rows)?;
        say!("{} of {} case(s)", page.rows.len(), page.total);
        Ok(())
    }

    pub fn case(&self, view: &CaseView, identity: Option<&ReporterIdentity>) -> Result<()> {
        let g = &view.grievance;
        if self.json {
            return print_json(&json!({ "case": view, "reporter": identity }));
        }
        say!("{} — {}", view.row.reference, g.title);
        say!("  status:    {}", view.row.status);
        if !view.conflict.is_empty() {
            say!(
                "  ⚠ two devices changed the status at the same time: {}. Settle it with",
                view.conflict.join(" / ")
            );
            say!(
                "    citizens grievance status {} STATUS --settle",
                view.row.reference
            );
        }
        say!(
            "  kind:      {} · {}{}",
            g.kind,
            g.category,
            g.subcategory
                .as_ref()
                .map(|s| format!(" / {s}"))
                .unwrap_or_default()
        );
        say!(
            "  place:     {}, {}{}",
            g.place.lga,
            g.place.state,
            g.place
                .ward
                .as_ref()
                .map(|w| format!(" ({w})"))
                .unwrap_or_default()
        );
        say!(
            "  agency:    {}{}",
            or_dash(view.row.agency.as_deref()),
            view.row
                .current_office
                .as_ref()
                .map(|o| format!(" — now with {o}"))
                .unwrap_or_default()
        );
        say!("  due:       {}", or_dash(view.row.sla_due.as_deref()));
        say!("  assignee:  {}", or_dash(g.assignee.as_deref()));
        say!("  priority:  {}   channel: {}", g.priority, g.channel);
        let reporter = if g.reporter.anonymous {
            "anonymous".to_string()
        } else if let Some(id) = identity {
            format!(
                "{} {}",
                or_dash(id.name.as_deref()),
                or_dash(id.phone.as_deref())
            )
        } else if view.row.identity_sealed {
            "sealed (only coordinators can open it: --reveal)".to_string()
        } else {
            format!(
                "{} {}",
                or_dash(g.reporter.name.as_deref()),
                or_dash(g.reporter.phone.as_deref())
            )
        };
        say!("  reporter:  {reporter}");
        say!(
            "  consent:   purpose explained {}, share with agency {}, contact {}",
            yes(g.consent.purpose_explained),
            yes(g.consent.share_with_agency),
            yes(g.consent.may_contact)
        );
        if let Some(of) = &view.row.duplicate_of {
            let how = if view.row.merged_into {
                "merged into"
            } else {
                "duplicate of"
            };
            say!(
                "  {how}: {of} (undo: citizens grievance unlink {})",
                view.row.reference
            );
        }
        for m in &view.merged {
            say!(
                "  merged:    {} — {} (its reporter: share with agency {}, contact {})",
                m.reference,
                m.title,
                yes(m.share_with_agency),
                yes(m.may_contact)
            );
        }
        for a in &g.attachments {
            say!(
                "  attached:  {} ({}, {} KB) sha256 {}",
                a.file_name,
                a.media_type,
                a.size.div_ceil(1024),
                a.sha256
            );
        }
        if !g.narrative.is_empty() {
            say!("\n{}\n", g.narrative);
        }
        let mut t = table(&["when", "who", "what"]);
        for e in &view.timeline {
            t.add_row(vec![
                e.at.get(..16).unwrap_or(&e.at).replace('T', " "),
                format!("{} ({})", e.user, e.device),
                match &e.from {
                    Some(from) => format!("[{from}] {}", e.what),
                    None => e.what.clone(),
                },
            ]);
        }
        say!("{t}");
        Ok(())
    }

    pub fn history(&self, entries: &[HistoryEntry]) -> Result<()> {
        if self.json {
            return print_json(&entries);
        }
        let mut t = table(&["when", "who", "changed"]);
        for e in entries {
            let at = citizens_core::clock::Timestamp::from_millis(e.millis);
            let who = match (&e.user, &e.device) {
                (Some(user), Some(device)) => format!("{user} ({device})"),
                _ => "a laptop not known to this case".to_string(),
            };
            let what = if e.created {
                "created the case".to_string()
            } else {
                e.fields.join(", ").replace('_', " ")
            };
            t.add_row(vec![at.to_string(), who, what]);
        }
        say!("{t}");
        Ok(())
    }

    pub fn duplicates(&self, pairs: &[DuplicatePair]) -> Result<()> {
        if self.json {
            return print_json(&pairs);
        }
        if pairs.is_empty() {
            say!("No suggested duplicates to judge.");
            return Ok(());
        }
        let mut t = table(&["case", "looks like", "score", "why"]);
        for p in pairs {
            t.add_row(vec![
                format!("{} — {}", p.case.reference, p.case.title),
                format!("{} — {}", p.other.reference, p.other.title),
                format!("{:.2}", p.score),
                p.reasons.join(", ").replace('_', " "),
            ]);
        }
        say!("{t}");
        say!("Judge each: citizens grievance merge|link COPY ORIGINAL, or not-duplicate A B");
        Ok(())
    }

    pub fn session(&self, s: &TownHallSession, rows: &[GrievanceRow]) -> Result<()> {
        if self.json {
            return print_json(&json!({
                "id": s.id.to_string(), "title": s.title, "date": s.date.to_string(), "venue": s.venue,
                "state": s.place.state, "lga": s.place.lga,
                "attendance": { "total": s.attendance.total, "women": s.attendance.women, "men": s.attendance.men, "pwd": s.attendance.pwd },
                "representatives": s.representatives.iter().map(|r| json!({"name": r.name, "office": r.office})).collect::<Vec<_>>(),
                "commitments": s.commitments.iter().map(|c| json!({"id": c.id.to_string(), "evidence": c.updates.last().map(|u| u.evidence.as_str()), "official": c.official, "office": c.office, "promise": c.promise, "due": c.due.map(|d| d.to_string()), "status": c.status.as_str()})).collect::<Vec<_>>(),
                "grievances": rows,
            }));
        }
        say!(
            "{} — {} at {}, {} {}",
            s.id,
            s.title,
            s.venue,
            s.place.lga,
            s.place.state
        );
        say!(
            "  date: {}   attendance: {} (women {}, men {}, PWD {})",
            s.date,
            s.attendance.total,
            s.attendance.women,
            s.attendance.men,
            s.attendance.pwd
        );
        for r in &s.representatives {
            say!("  official present: {} — {}", r.name, r.office);
        }
        for c in &s.commitments {
            say!(
                "  commitment {}: {} ({}) promised \"{}\" by {} [{}]",
                c.id,
                c.official,
                c.office,
                c.promise,
                c.due.map_or("—".into(), |d| d.to_string()),
                c.status
            );
            if let Some(u) = c.updates.last() {
                say!("    evidence ({}, {}): {}", u.at, u.by.user, u.evidence);
            }
        }
        say!("  {} case(s) captured here", rows.len());
        if !rows.is_empty() {
            self.rows(rows)?;
        }
        Ok(())
    }

    pub fn commitments(&self, rows: &[citizens_client::store_rows::CommitmentRow]) -> Result<()> {
        if self.json {
            return print_json(&rows);
        }
        if rows.is_empty() {
            say!("No open commitment is past its due day.");
            return Ok(());
        }
        let mut t = table(&["agency", "due", "official", "promise", "session"]);
        for c in rows {
            t.add_row(vec![
                c.agency.clone().unwrap_or_else(|| "—".into()),
                c.due.clone().unwrap_or_default(),
                format!("{} ({})", c.official, c.office),
                c.promise.clone(),
                c.session_title.clone(),
            ]);
        }
        say!("{t}");
        Ok(())
    }

    pub fn sessions(&self, rows: &[SessionRow]) -> Result<()> {
        if self.json {
            return print_json(&rows);
        }
        let mut t = table(&["id", "date", "title", "place", "attendance", "cases"]);
        for s in rows {
            t.add_row(vec![
                s.id.clone(),
                s.date.clone(),
                s.title.clone(),
                format!("{}, {}", s.lga, s.state),
                s.attendance.to_string(),
                s.grievances.to_string(),
            ]);
        }
        say!("{t}");
        Ok(())
    }

    /// On screen the exact figures; `--json` as they may leave the laptop.
    pub fn performance(&self, rows: &[AgencyPerformance], d: &Disclosure) -> Result<()> {
        if self.json {
            return print_json(&citizens_client::figures::listed(rows, d));
        }
        if rows.is_empty() {
            say!("No cases routed to an agency match.");
            return Ok(());
        }
        let share = |n: u32, of: u32| match of {
            0 => "—".to_string(),
            of => format!("{n} ({:.0}%)", f64::from(n) * 100.0 / f64::from(of)),
        };
        let days = |d: &Days| match (d.median, d.p90) {
            (Some(m), Some(p)) => format!("{m:.1} / {p:.0} ({})", d.cases),
            _ => "—".to_string(),
        };
        let mut t = table(&[
            "agency",
            "received",
            "forwarded",
            "acknowledged",
            "days to ack.",
            "answered",
            "resolved",
            "days to resolve",
            "from forwarding",
            "overdue",
            "escalated",
            "reopened",
        ]);
        for r in rows {
            t.add_row(vec![
                r.short_name.clone(),
                r.received.to_string(),
                share(r.forwarded, r.received),
                share(r.acknowledged, r.forwarded),
                days(&r.days_to_acknowledge),
                share(r.answered, r.forwarded),
                share(r.resolved, r.received),
                days(&r.days_to_resolve),
                days(&r.days_to_resolve_from_forwarding),
                share(r.overdue, r.open),
                r.escalated.to_string(),
                r.reopened.to_string(),
            ]);
        }
        say!("{t}");
        say!("days: median / 90th percentile (cases behind them); overdue: of the open cases");
        Ok(())
    }

    /// On screen the exact counts; `--json` as they may leave the laptop.
    pub fn trends(&self, trends: &Trends, d: &Disclosure) -> Result<()> {
        let groups: [(&str, &[Count]); 5] = [
            ("by month and status", &trends.by_month_status),
            ("by month and category", &trends.by_month_category),
            ("by state", &trends.by_state),
            ("who reports", &trends.reporters),
            ("town-hall commitments by agency", &trends.commitments),
        ];
        if self.json {
            let published = |table: &str, counts: &[Count]| {
                citizens_client::figures::listed_counts(counts, d, table)
            };
            return print_json(&json!({
                "by_month_status": published("by_month_status", &trends.by_month_status),
                "by_month_category": published("by_month_category", &trends.by_month_category),
                "by_state": published("by_state", &trends.by_state),
                "reporters": published("reporters", &trends.reporters),
                "commitments": published("commitments", &trends.commitments),
            }));
        }
        for (title, counts) in groups {
            say!("{title}");
            let mut t = table(&["", "", "cases"]);
            for c in counts {
                t.add_row(vec![c.key.clone(), c.within.clone(), c.cases.to_string()]);
            }
            say!("{t}");
        }
        Ok(())
    }

    pub fn agencies(&self, rows: &[AgencyRow]) -> Result<()> {
        if self.json {
            return print_json(&rows);
        }
        let mut t = table(&["short name", "name", "level", "state"]);
        for a in rows {
            t.add_row(vec![
                a.short_name.clone(),
                a.name.clone(),
                a.level.clone(),
                or_dash(a.state.as_deref()),
            ]);
        }
        say!("{t}");
        Ok(())
    }

    pub fn agency(&self, a: &Agency) -> Result<()> {
        if self.json {
            return print_json(&json!({
                "short_name": a.short_name, "name": a.name, "level": a.level.as_str(), "mandate": a.mandate,
                "services": a.services.iter().map(|s| json!({"name": s.name, "official_fee": s.official_fee, "documents": s.documents, "turnaround": s.turnaround, "where_to_apply": s.where_to_apply})).collect::<Vec<_>>(),
                "contacts": a.contacts.iter().map(|c| json!({"channel": c.channel, "value": c.value})).collect::<Vec<_>>(),
                "ladder": a.ladder.iter().map(|s| json!({"office": s.office, "sla_days": s.sla_days})).collect::<Vec<_>>(),
            }));
        }
        say!("{} — {} ({})", a.short_name, a.name, a.level);
        say!("{}\n", a.mandate);
        for s in &a.services {
            say!("Service: {}", s.name);
            say!("  official fee: {}", or_dash(s.official_fee.as_deref()));
            if !s.documents.is_empty() {
                say!("  documents:    {}", s.documents.join("; "));
            }
            say!("  turnaround:   {}", or_dash(s.turnaround.as_deref()));
            say!("  apply at:     {}", or_dash(s.where_to_apply.as_deref()));
        }
        for c in &a.contacts {
            say!("Contact ({}): {}", c.channel, c.value);
        }
        let mut t = table(&["step", "office", "days allowed"]);
        for (i, s) in a.ladder.iter().enumerate() {
            t.add_row(vec![
                (i + 1).to_string(),
                s.office.clone(),
                s.sla_days.to_string(),
            ]);
        }
        say!("\nEscalation ladder\n{t}");
        Ok(())
    }

    pub fn rules(&self, book: &Rulebook) -> Result<()> {
        if self.json {
            return print_json(&book.routing);
        }
        let mut t = table(&["key", "kind", "category", "states", "agency"]);
        for (key, r) in &book.routing {
            t.add_row(vec![
                key.clone(),
                or_dash(r.kind.as_deref()),
                or_dash(r.category.as_deref()),
                if r.states.is_empty() {
                    "any".into()
                } else {
                    r.states.join(", ")
                },
                r.agency.clone(),
            ]);
        }
        say!("{t}");
        Ok(())
    }

    pub fn holidays(&self, book: &Rulebook) -> Result<()> {
        if self.json {
            return print_json(&book.holidays);
        }
        let mut t = table(&["day", "holiday"]);
        for (day, name) in &book.holidays {
            t.add_row(vec![day.clone(), name.clone()]);
        }
        say!("{t}");
        Ok(())
    }

    pub fn form_numbers(&self, numbers: &[String]) -> Result<()> {
        if self.json {
            return print_json(&numbers);
        }
        if numbers.is_empty() {
            say!("no unused form numbers: issue some with `citizens session forms`");
        } else {
            say!("{} form number(s):\n{}", numbers.len(), numbers.join("\n"));
        }
        Ok(())
    }

    pub fn articles(&self, rows: &[(String, String)]) -> Result<()> {
        if self.json {
            let rows: Vec<_> = rows
                .iter()
                .map(|(slug, title)| json!({"slug": slug, "title": title}))
                .collect();
            return print_json(&rows);
        }
        let mut t = table(&["slug", "title"]);
        for (slug, title) in rows {
            t.add_row(vec![slug.clone(), title.clone()]);
        }
        say!("{t}");
        Ok(())
    }

    pub fn article(&self, article: &CivicArticle, lang: &str) -> Result<()> {
        let (title, body) = article.localized(lang);
        if self.json {
            return print_json(
                &json!({"slug": article.slug, "lang": lang, "title": title, "body": body,
                    "agencies": article.agencies, "translation": article.translation(lang)}),
            );
        }
        let note = match article.translation(lang) {
            Translation::Original => "",
            Translation::Reviewed => "\n(translation checked by a native speaker)",
            Translation::AwaitingReview => "\n(translation awaiting review by a native speaker)",
            Translation::Missing => "\n(not written in this language yet: the English)",
        };
        say!("{title}{note}\n\n{body}");
        if !article.agencies.is_empty() {
            say!("\nAgencies: {}", article.agencies.join(", "));
        }
        Ok(())
    }

    pub fn enrolled(&self, answer: &citizens_protocol::EnrollResponse) -> Result<()> {
        if self.json {
            return print_json(
                &json!({"device_id": answer.device_id, "role": answer.role.as_str(),
                "user": answer.user, "organisation": answer.organisation,
                "device_code": answer.device_code}),
            );
        }
        say!(
            "enrolled {} as a {} of {} (device {}, code {})",
            answer.user,
            answer.role.as_str(),
            answer.organisation,
            answer.device_id,
            answer.device_code
        );
        Ok(())
    }

    pub fn synced(&self, report: &citizens_client::SyncReport) -> Result<()> {
        if self.json {
            return print_json(report);
        }
        say!(
            "synced: {} change(s) sent, {} received, {} record(s) fetched whole; {:.1} KB up, {:.1} KB down, {} round trip(s), {:.1} s{}",
            report.pushed, report.pulled, report.fetched,
            report.bytes_up as f64 / 1024.0, report.bytes_down as f64 / 1024.0,
            report.round_trips, report.seconds,
            if report.in_step { "" } else { " — still differs from the server; sync again" }
        );
        for r in &report.held_back {
            say!(
                "held back: {} {} — not applied on this laptop: {}",
                r.kind,
                r.doc_id,
                r.reason
            );
        }
        for r in &report.set_aside {
            say!(
                "set aside: {} ({} change(s)) — the server refused it: {}",
                r.reference.as_deref().unwrap_or(&r.kind),
                r.changes,
                r.reason
            );
        }
        if report.attachments_uploaded + report.attachments_downloaded + report.attachments_waiting
            > 0
        {
            say!(
                "attachments: {} sent, {} received, {} waiting for the next sync",
                report.attachments_uploaded,
                report.attachments_downloaded,
                report.attachments_waiting
            );
        }
        Ok(())
    }

    pub fn bundle_imported(&self, report: &citizens_client::BundleImport) -> Result<()> {
        if self.json {
            return print_json(report);
        }
        say!(
            "bundle of {} record(s): {} new here, {} updated",
            report.records,
            report.created,
            report.updated
        );
        Ok(())
    }
}

fn yes(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

#[cfg(test)]
mod tests {
    /// A device's or a case's text that got in raw (an older laptop, a bundle) prints
    /// written out: `\x1b[2K\r` cannot erase a line and write "revoked" over it.
    #[test]
    fn json_output_stays_json_with_no_raw_control_character() {
        let title = "A\u{9b}2J\u{7f}\u{1b}[2K";
        let value = serde_json::json!({ "title": title });
        let json = serde_json::to_string_pretty(&value).expect("json");
        assert!(json.contains('\u{9b}'), "serde_json leaves C1 raw");
        let out = super::json_for_terminal(&json);
        assert!(!out.chars().any(|c| c.is_control() && c != '\n'));
        let back: serde_json::Value = serde_json::from_str(&out).expect("still json");
        assert_eq!(back["title"], title);
    }

    #[test]
    fn control_characters_are_written_out_and_line_breaks_kept() {
        assert_eq!(
            super::on_terminal("kano-1\u{1b}[2K\r… revoked\nnext line"),
            "kano-1\\u{1b}[2K\\u{d}… revoked\nnext line"
        );
    }
}
