//! Thin changes: an Automerge change on its way up to a server that already holds what it
//! follows. A change names each change it follows by its 32-byte hash, and for a small change
//! (a note) those hashes are most of what gzip cannot shrink. A laptop sends the first
//! [`PREFIX`] bytes of each instead; the server, which holds the record and has just read the
//! earlier changes of the same push, puts the whole hashes back and checks the chunk's own
//! checksum. A prefix it cannot resolve fails the batch (`unknown_dependency`, nothing stored)
//! and the laptop sends that batch again whole.
//!
//! Layout of a change chunk (Automerge's): magic (4) · checksum (4) · type 1 (1) · ULEB length ·
//! data; data = ULEB count · count × 32-byte hashes · the rest. A thin one: [`THIN_MAGIC`] (4) ·
//! checksum (4) · ULEB count · count × [`PREFIX`] bytes · the rest.

use sha2::{Digest, Sha256};

/// Automerge's chunk magic.
const MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];
/// The first bytes of a thin change (never those of an Automerge chunk).
pub const THIN_MAGIC: [u8; 4] = *b"CCt1";
/// Automerge's chunk type of an uncompressed change.
const CHANGE: u8 = 1;
const HASH: usize = 32;
/// Bytes kept of each dependency's hash.
pub const PREFIX: usize = 4;

fn read_uleb(bytes: &[u8]) -> Option<(u64, usize)> {
    let mut value = 0u64;
    for (i, &b) in bytes.iter().enumerate().take(10) {
        value |= u64::from(b & 0x7f).checked_shl(7 * i as u32)?;
        if b & 0x80 == 0 {
            return Some((value, i + 1));
        }
    }
    None
}

fn write_uleb(out: &mut Vec<u8>, mut value: u64) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// The header Automerge puts before change `data` (type, length) and the hash it names the
/// change by: SHA-256 of header and data.
fn framed(data: &[u8]) -> (Vec<u8>, [u8; HASH]) {
    let mut header = vec![CHANGE];
    write_uleb(&mut header, data.len() as u64);
    let hash = Sha256::new()
        .chain_update(&header)
        .chain_update(data)
        .finalize();
    (header, hash.into())
}

/// Split a count-prefixed list of `width`-byte items off the front of `bytes`.
fn items(bytes: &[u8], width: usize) -> Option<(&[u8], &[u8])> {
    let (count, n) = read_uleb(bytes)?;
    let len = usize::try_from(count).ok()?.checked_mul(width)?;
    let end = n.checked_add(len)?;
    Some((bytes.get(n..end)?, bytes.get(end..)?))
}

/// `change` with its dependencies cut to prefixes, or `None` when it is not an uncompressed
/// Automerge change chunk (it is then sent as it is).
pub fn thin(change: &[u8]) -> Option<Vec<u8>> {
    if change.get(..4)? != MAGIC || *change.get(8)? != CHANGE {
        return None;
    }
    let (len, n) = read_uleb(change.get(9..)?)?;
    let data = change.get(9 + n..)?;
    if u64::try_from(data.len()).ok()? != len {
        return None;
    }
    let (hashes, rest) = items(data, HASH)?;
    let mut out = Vec::with_capacity(change.len());
    out.extend(THIN_MAGIC);
    out.extend(&change[4..8]);
    write_uleb(&mut out, (hashes.len() / HASH) as u64);
    for hash in hashes.chunks_exact(HASH) {
        out.extend(&hash[..PREFIX]);
    }
    out.extend(rest);
    Some(out)
}

/// The hash Automerge names an uncompressed change chunk by (what its followers list).
pub fn change_hash(change: &[u8]) -> Option<[u8; HASH]> {
    if change.get(..4)? != MAGIC || *change.get(8)? != CHANGE {
        return None;
    }
    Some(Sha256::digest(&change[8..]).into())
}

/// Whether `bytes` are a thin change.
pub fn is_thin(bytes: &[u8]) -> bool {
    bytes.starts_with(&THIN_MAGIC)
}

/// The whole change back, `resolve` naming the hash each prefix stands for. `None` when the
/// bytes are not a thin change, a prefix resolves to nothing, or the rebuilt chunk's checksum
/// disagrees with the one it carried (a prefix resolved to the wrong change).
pub fn fatten(
    thin: &[u8],
    mut resolve: impl FnMut(&[u8; PREFIX]) -> Option<[u8; HASH]>,
) -> Option<Vec<u8>> {
    let body = thin.strip_prefix(&THIN_MAGIC)?;
    let checksum = body.get(..4)?;
    let (prefixes, rest) = items(body.get(4..)?, PREFIX)?;
    let mut data = Vec::with_capacity(rest.len() + prefixes.len() / PREFIX * HASH + 10);
    write_uleb(&mut data, (prefixes.len() / PREFIX) as u64);
    for prefix in prefixes.chunks_exact(PREFIX) {
        data.extend(resolve(prefix.try_into().ok()?)?);
    }
    data.extend(rest);
    let (header, hash) = framed(&data);
    if hash[..4] != *checksum {
        return None;
    }
    let mut out = Vec::with_capacity(9 + header.len() + data.len());
    out.extend(MAGIC);
    out.extend(checksum);
    out.extend(header);
    out.extend(data);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A change chunk as Automerge lays it out, with a correct checksum.
    fn chunk(deps: &[[u8; 32]], rest: &[u8]) -> Vec<u8> {
        let mut data = Vec::new();
        write_uleb(&mut data, deps.len() as u64);
        for d in deps {
            data.extend(d);
        }
        data.extend(rest);
        let (header, hash) = framed(&data);
        [&MAGIC[..], &hash[..4], &header, &data].concat()
    }

    #[test]
    fn a_thin_change_fattens_back_to_the_same_bytes() {
        let deps = [[7u8; 32], [9u8; 32]];
        let rest = vec![0x42; 300];
        let whole = chunk(&deps, &rest);
        let thin = thin(&whole).expect("a change chunk");
        assert!(is_thin(&thin));
        assert_eq!(thin.len(), whole.len() - 2 * (HASH - PREFIX) - 1 - 2);
        let back = fatten(&thin, |p| {
            deps.iter().find(|d| d[..PREFIX] == p[..]).copied()
        });
        assert_eq!(back.as_deref(), Some(&whole[..]));
        let hash: [u8; 32] = Sha256::digest(&whole[8..]).into();
        assert_eq!(change_hash(&whole), Some(hash));
    }

    #[test]
    fn a_wrong_or_missing_dependency_is_refused() {
        let whole = chunk(&[[7u8; 32]], b"rest of the change");
        let thin = thin(&whole).expect("a change chunk");
        assert_eq!(fatten(&thin, |_| None), None, "unknown");
        let mut other = [7u8; 32];
        other[31] = 8;
        assert_eq!(
            fatten(&thin, |_| Some(other)),
            None,
            "same prefix, other change"
        );
    }

    #[test]
    fn bytes_that_are_not_changes_are_left_alone() {
        assert_eq!(thin(b"not a change"), None);
        let mut document = chunk(&[], b"x");
        document[8] = 0; // a document chunk
        assert_eq!(thin(&document), None);
        for cut in 0..12 {
            let whole = chunk(&[[1u8; 32]], b"rest");
            let thin = thin(&whole).expect("change");
            assert_eq!(
                fatten(&thin[..cut.min(thin.len())], |_| Some([1u8; 32])),
                None
            );
        }
        // A count far larger than the bytes: refused, not allocated.
        let mut huge = THIN_MAGIC.to_vec();
        huge.extend([0; 4]);
        write_uleb(&mut huge, u64::MAX);
        assert_eq!(fatten(&huge, |_| Some([1u8; 32])), None);
    }
}
