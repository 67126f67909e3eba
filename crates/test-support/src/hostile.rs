//! Hostile inputs built on demand (too large to keep in the tree) and a way to see what they cost.

use std::io::Write;

/// An Automerge compressed-change chunk (type 2) whose deflate stream inflates to `size` zero
/// bytes: a few hundred kilobytes on the wire per 256 MiB claimed.
pub fn compression_bomb(size: usize) -> Vec<u8> {
    let mut encoder = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    let zeros = vec![0u8; 1024 * 1024];
    let mut left = size;
    while left > 0 {
        let n = left.min(zeros.len());
        encoder.write_all(&zeros[..n]).expect("deflate into memory");
        left -= n;
    }
    let body = encoder.finish().expect("deflate into memory");
    // Magic bytes, a checksum (never reached), chunk type 2, then the LEB128 length.
    let mut out = vec![0x85, 0x6f, 0x4a, 0x83, 0, 0, 0, 0, 2];
    let mut len = body.len();
    loop {
        let byte = (len & 0x7f) as u8;
        len >>= 7;
        if len == 0 {
            out.push(byte);
            break;
        }
        out.push(byte | 0x80);
    }
    out.extend(body);
    out
}

/// Apply fuzzing edits to `bytes`: `(where, byte, how)` flips bits (how 0), cuts (1) or inserts
/// a byte (2); positions wrap around the current length.
pub fn mutate(mut bytes: Vec<u8>, edits: &[(usize, u8, u8)]) -> Vec<u8> {
    for &(at, byte, how) in edits {
        if bytes.is_empty() {
            break;
        }
        let at = at % bytes.len();
        match how {
            0 => bytes[at] ^= byte.max(1),
            1 => bytes.truncate(at),
            _ => bytes.insert(at, byte),
        }
    }
    bytes
}

/// How many cases a fuzzing test runs: `FUZZ_CASES`, or `default` (CI).
pub fn fuzz_cases(default: u32) -> u32 {
    std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The peak resident memory of process `pid` so far, in KiB (Linux `VmHWM`).
pub fn peak_rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("process status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM in /proc/PID/status")
}

/// CPU time (user + system) process `pid` has used so far (Linux `/proc/PID/stat`; zero once
/// it is gone).
pub fn cpu_time(pid: u32) -> std::time::Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit(')')
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    let ticks: u64 = [11, 12]
        .iter()
        .filter_map(|&i| fields.get(i).and_then(|f| f.parse::<u64>().ok()))
        .sum();
    std::time::Duration::from_millis(ticks * 10)
}
