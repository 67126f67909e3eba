//! Paper complaint form numbers this laptop issued for printing (migration 0006).

use rusqlite::params;

use crate::{Result, Store};

impl Store {
    /// Issue `count` numbers after the last one issued here, `F-{code}-{seq:04}` (`code`: this
    /// laptop's device code), for `session` if given, at `now` (ms).
    pub fn issue_form_numbers(
        &mut self,
        code: &str,
        count: u32,
        session: Option<&str>,
        now: i64,
    ) -> Result<Vec<String>> {
        self.write(|w| {
            let last: i64 =
                w.tx.query_row("SELECT COALESCE(MAX(seq), 0) FROM form_numbers", [], |r| {
                    r.get(0)
                })?;
            (last + 1..=last + i64::from(count))
                .map(|seq| {
                    let number = format!("F-{code}-{seq:04}");
                    w.tx.execute(
                        "INSERT INTO form_numbers (seq, number, session_id, reserved_at)
                         VALUES (?1, ?2, ?3, ?4)",
                        params![seq, number, session, now],
                    )?;
                    Ok(number)
                })
                .collect()
        })
    }

    /// Take back numbers issued for a kit that was never printed (no case names them).
    pub fn withdraw_form_numbers(&mut self, numbers: &[String]) -> Result<()> {
        self.write(|w| {
            for number in numbers {
                w.tx.execute(
                    "DELETE FROM form_numbers WHERE number = ?1
                     AND NOT EXISTS (SELECT 1 FROM grievances g WHERE g.form_number = ?1)",
                    [number],
                )?;
            }
            Ok(())
        })
    }

    /// Numbers issued here that no case names as its form number yet, in the order issued.
    pub fn unused_form_numbers(&self) -> Result<Vec<String>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT f.number FROM form_numbers f
             WHERE NOT EXISTS (SELECT 1 FROM grievances g WHERE g.form_number = f.number)
             ORDER BY f.seq",
        )?;
        let numbers = stmt
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<Vec<String>>>()?;
        Ok(numbers)
    }
}
