//! A bounded look at Automerge bytes from elsewhere, before Automerge sees them.
//!
//! Automerge inflates compressed chunks and columns, and expands run-length columns into
//! operations, without any limit: a few megabytes can claim gigabytes. This walks every chunk
//! (documents, changes, compressed changes), inflates what is deflated under a hard cap on the
//! total, and counts the rows every column claims under a cap on operations. Only bytes that
//! pass go on to Automerge, so the memory and time an input can cost are bounded by these caps
//! whatever it claims. Bundles (chunk type 3) are never produced by Citizens Connect and are
//! refused.

use std::io::Read;

/// Limits for one record's worth of untrusted bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caps {
    /// Bytes after inflating every compressed chunk and column, in all.
    pub inflated_bytes: usize,
    /// Operations (rows of the longest column of each chunk), in all.
    pub operations: u64,
}

/// The caps every untrusted record is held to: far above any real case (a case with a thousand
/// timeline entries has some tens of thousands of operations), far below what hurts a server.
pub const CAPS: Caps = Caps {
    inflated_bytes: 32 * 1024 * 1024,
    operations: 1_000_000,
};

const MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];

/// Why bytes were refused before Automerge saw them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TooBig {
    /// Compressed data inflates past the cap (in bytes).
    #[error("compressed record data unpacks to more than {} MiB", .0.div_ceil(1024 * 1024))]
    Inflated(usize),
    /// Columns claim more operations than the cap.
    #[error("record data claims more than {0} operations")]
    Operations(u64),
    /// Not the chunk layout Automerge writes.
    #[error("not valid record data ({0})")]
    Malformed(&'static str),
}

struct Budget {
    caps: Caps,
    inflated: usize,
    operations: u64,
}

/// Check every chunk in `bytes` against `caps`.
pub fn check(bytes: &[u8], caps: Caps) -> Result<(), TooBig> {
    let mut budget = Budget {
        caps,
        inflated: 0,
        operations: 0,
    };
    check_with(bytes, &mut budget)
}

/// Check several inputs that will be applied together against one budget.
pub fn check_all(inputs: &[&[u8]], caps: Caps) -> Result<(), TooBig> {
    let mut budget = Budget {
        caps,
        inflated: 0,
        operations: 0,
    };
    inputs.iter().try_for_each(|b| check_with(b, &mut budget))
}

fn check_with(bytes: &[u8], budget: &mut Budget) -> Result<(), TooBig> {
    let mut input = Cursor { bytes, at: 0 };
    while !input.done() {
        if input.take(4)? != MAGIC {
            return Err(TooBig::Malformed("no chunk header"));
        }
        input.take(4)?; // checksum
        let kind = input.take(1)?[0];
        let len = input.uleb_usize()?;
        let mut data = Cursor {
            bytes: input.take(len)?,
            at: 0,
        };
        match kind {
            0 => document(&mut data, budget)?,
            1 => change(&mut data, budget)?,
            2 => {
                let inflated = inflate(data.bytes, budget)?;
                change(
                    &mut Cursor {
                        bytes: &inflated,
                        at: 0,
                    },
                    budget,
                )?;
            }
            3 => return Err(TooBig::Malformed("bundle chunks are not accepted")),
            _ => return Err(TooBig::Malformed("unknown chunk type")),
        }
    }
    Ok(())
}

/// Inflate raw deflate data, refusing as soon as the budget is spent.
fn inflate(compressed: &[u8], budget: &mut Budget) -> Result<Vec<u8>, TooBig> {
    let room = budget.caps.inflated_bytes.saturating_sub(budget.inflated);
    let mut out = Vec::new();
    flate2::read::DeflateDecoder::new(compressed)
        .take(room as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|_| TooBig::Malformed("damaged compressed data"))?;
    if out.len() > room {
        return Err(TooBig::Inflated(budget.caps.inflated_bytes));
    }
    budget.inflated += out.len();
    Ok(out)
}

struct Column {
    spec: u32,
    len: usize,
}

fn columns(input: &mut Cursor<'_>) -> Result<Vec<Column>, TooBig> {
    let count = input.uleb_usize()?;
    // Each column takes at least two bytes of metadata: a count larger than that is a lie.
    if count > input.remaining() / 2 {
        return Err(TooBig::Malformed("column count"));
    }
    (0..count)
        .map(|_| {
            Ok(Column {
                spec: u32::try_from(input.uleb()?).map_err(|_| TooBig::Malformed("column spec"))?,
                len: input.uleb_usize()?,
            })
        })
        .collect()
}

/// Count the rows of each column (inflating deflated ones) and charge the longest.
fn charge_columns(
    specs: &[Column],
    input: &mut Cursor<'_>,
    budget: &mut Budget,
) -> Result<(), TooBig> {
    let mut longest = 0u64;
    for column in specs {
        let raw = input.take(column.len)?;
        let inflated;
        let data = if column.spec & 0b1000 != 0 {
            inflated = inflate(raw, budget)?;
            &inflated[..]
        } else {
            raw
        };
        let room = budget.caps.operations.saturating_sub(budget.operations);
        longest = longest.max(rows(column.spec & 0b111, data, room)?);
    }
    budget.operations += longest;
    Ok(())
}

fn skip_actors(input: &mut Cursor<'_>) -> Result<(), TooBig> {
    let count = input.uleb_usize()?;
    if count > input.remaining() {
        return Err(TooBig::Malformed("actor count"));
    }
    for _ in 0..count {
        let len = input.uleb_usize()?;
        input.take(len)?;
    }
    Ok(())
}

fn skip_hashes(input: &mut Cursor<'_>) -> Result<(), TooBig> {
    let count = input.uleb_usize()?;
    input.take(
        count
            .checked_mul(32)
            .ok_or(TooBig::Malformed("hash count"))?,
    )?;
    Ok(())
}

fn document(input: &mut Cursor<'_>, budget: &mut Budget) -> Result<(), TooBig> {
    skip_actors(input)?;
    skip_hashes(input)?;
    let change_columns = columns(input)?;
    let op_columns = columns(input)?;
    charge_columns(&change_columns, input, budget)?;
    charge_columns(&op_columns, input, budget)
}

fn change(input: &mut Cursor<'_>, budget: &mut Budget) -> Result<(), TooBig> {
    skip_hashes(input)?;
    let actor = input.uleb_usize()?;
    input.take(actor)?;
    input.uleb()?; // seq
    input.uleb()?; // start op
    input.sleb()?; // time
    let message = input.uleb_usize()?;
    input.take(message)?;
    skip_actors(input)?;
    let op_columns = columns(input)?;
    charge_columns(&op_columns, input, budget)
}

/// Rows a column holds, refusing once they pass `room`. Types as Automerge numbers them:
/// 0 group, 1 actor, 2 integer, 6 value metadata (RLE of unsigned), 3 delta (RLE of signed),
/// 4 boolean (alternating run lengths), 5 string (RLE of length-prefixed text), 7 raw values
/// (their count comes from the metadata column).
fn rows(column_type: u32, data: &[u8], room: u64) -> Result<u64, TooBig> {
    let mut input = Cursor { bytes: data, at: 0 };
    let mut rows = 0u64;
    let over = |rows: u64| rows > room;
    match column_type {
        7 => return Ok(0),
        4 => {
            while !input.done() {
                rows = rows.saturating_add(input.uleb()?);
                if over(rows) {
                    return Err(TooBig::Operations(room));
                }
            }
        }
        _ => {
            let value = |input: &mut Cursor<'_>| -> Result<(), TooBig> {
                if column_type == 5 {
                    let len = input.uleb_usize()?;
                    input.take(len)?;
                } else {
                    input.uleb()?;
                }
                Ok(())
            };
            while !input.done() {
                let count = input.sleb()?;
                let run = if count > 0 {
                    value(&mut input)?;
                    count.unsigned_abs()
                } else if count < 0 {
                    let n = count.unsigned_abs();
                    if n > room {
                        return Err(TooBig::Operations(room));
                    }
                    for _ in 0..n {
                        value(&mut input)?;
                    }
                    n
                } else {
                    input.uleb()?
                };
                rows = rows.saturating_add(run);
                if over(rows) {
                    return Err(TooBig::Operations(room));
                }
            }
        }
    }
    Ok(rows)
}

struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn done(&self) -> bool {
        self.at >= self.bytes.len()
    }

    fn remaining(&self) -> usize {
        self.bytes.len().saturating_sub(self.at)
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], TooBig> {
        let end = self
            .at
            .checked_add(n)
            .filter(|&end| end <= self.bytes.len())
            .ok_or(TooBig::Malformed("cut short"))?;
        let out = &self.bytes[self.at..end];
        self.at = end;
        Ok(out)
    }

    /// LEB128, unsigned, at most 10 bytes.
    fn uleb(&mut self) -> Result<u64, TooBig> {
        let mut value = 0u64;
        for shift in (0..70).step_by(7) {
            let byte = self.take(1)?[0];
            if shift == 63 && byte > 1 {
                return Err(TooBig::Malformed("number too large"));
            }
            value |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(TooBig::Malformed("number too long"))
    }

    fn uleb_usize(&mut self) -> Result<usize, TooBig> {
        usize::try_from(self.uleb()?).map_err(|_| TooBig::Malformed("length"))
    }

    /// LEB128, signed, at most 10 bytes.
    fn sleb(&mut self) -> Result<i64, TooBig> {
        let mut value = 0i64;
        let mut shift = 0u32;
        loop {
            let byte = self.take(1)?[0];
            if shift >= 64 {
                return Err(TooBig::Malformed("number too long"));
            }
            value |= i64::from(byte & 0x7f).wrapping_shl(shift);
            shift += 7;
            if byte & 0x80 == 0 {
                if shift < 64 && byte & 0x40 != 0 {
                    value |= -1i64 << shift;
                }
                return Ok(value);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::transaction::Transactable;
    use automerge::{AutoCommit, ROOT};

    fn sample_doc(entries: usize) -> AutoCommit {
        let mut doc = AutoCommit::new();
        for i in 0..entries {
            doc.put(
                ROOT,
                format!("field{i}"),
                format!("value number {i} of a case"),
            )
            .expect("put");
            doc.commit();
        }
        doc
    }

    #[test]
    fn real_documents_and_changes_pass() {
        let mut doc = sample_doc(300);
        let saved = doc.save();
        check(&saved, CAPS).expect("a saved document (with deflated columns) passes");
        for change in doc.get_changes(&[]) {
            check(change.raw_bytes(), CAPS).expect("a change passes");
        }
        let mut both = saved.clone();
        both.extend_from_slice(doc.get_changes(&[])[0].raw_bytes());
        check(&both, CAPS).expect("chunks one after another pass");
    }

    #[test]
    fn caps_are_enforced_on_real_documents() {
        let saved = sample_doc(300).save();
        let tight = Caps {
            inflated_bytes: 1024 * 1024,
            operations: 100,
        };
        assert_eq!(check(&saved, tight), Err(TooBig::Operations(100)));
        let tiny = Caps {
            inflated_bytes: 64,
            operations: 1_000_000,
        };
        assert_eq!(check(&saved, tiny), Err(TooBig::Inflated(64)));
    }

    #[test]
    fn a_run_that_claims_billions_of_operations_is_refused() {
        // A change with one integer column holding a single run of 2^40 copies of 0.
        let mut body = vec![0]; // no dependencies
        body.extend([1, 7]); // actor of one byte
        body.extend([1, 1, 0, 0]); // seq, start op, time, empty message
        body.push(0); // no other actors
        let run = [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20, 0]; // sleb 2^40, value 0
        body.extend([1, 0x12, run.len() as u8]); // one column: id 1, integer type
        body.extend(run);
        let mut chunk = MAGIC.to_vec();
        chunk.extend([0, 0, 0, 0, 1, body.len() as u8]);
        chunk.extend(body);
        assert_eq!(check(&chunk, CAPS), Err(TooBig::Operations(1_000_000)));
    }

    #[test]
    fn bundles_and_garbage_are_refused() {
        let mut bundle = MAGIC.to_vec();
        bundle.extend([0, 0, 0, 0, 3, 0]);
        assert!(matches!(check(&bundle, CAPS), Err(TooBig::Malformed(_))));
        assert!(matches!(
            check(b"not automerge", CAPS),
            Err(TooBig::Malformed(_))
        ));
        let mut cut = sample_doc(3).save();
        cut.truncate(cut.len() - 3);
        assert!(matches!(check(&cut, CAPS), Err(TooBig::Malformed(_))));
    }
}
