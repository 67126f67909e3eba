//! Fuzzing the untrusted-bytes path (issue 10): real documents and changes, mutated (bytes
//! flipped, cut, inserted, lengths bumped), through `untrusted::check` and `apply_untrusted`.
//! Nothing may panic or run away; whatever is accepted hydrates or is refused in words.
//! `FUZZ_CASES` sets the number of cases (CI: the default; before a release: a long run).

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ROOT};
use citizens_core::document::apply_untrusted;
use citizens_core::untrusted::{check, CAPS};
use proptest::prelude::*;

fn cases() -> u32 {
    std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(400)
}

/// Real bytes of every kind Automerge writes: a saved document (deflated columns), single
/// changes, a document followed by a change (made once).
fn seeds() -> &'static [Vec<u8>] {
    static SEEDS: std::sync::OnceLock<Vec<Vec<u8>>> = std::sync::OnceLock::new();
    SEEDS.get_or_init(make_seeds)
}

fn make_seeds() -> Vec<Vec<u8>> {
    let mut doc = AutoCommit::new();
    let list = doc
        .put_object(ROOT, "timeline", automerge::ObjType::List)
        .expect("list");
    for i in 0..120 {
        doc.insert(&list, i, format!("note {i}: the officer asked for ₦5,000"))
            .expect("insert");
        doc.put(ROOT, "status", if i % 2 == 0 { "new" } else { "triaged" })
            .expect("put");
        doc.commit();
    }
    let mut seeds = vec![doc.save()];
    let changes = doc.get_changes(&[]);
    seeds.extend(changes.iter().take(3).map(|c| c.raw_bytes().to_vec()));
    let mut both = doc.save();
    both.extend_from_slice(changes[0].raw_bytes());
    seeds.push(both);
    seeds
}

#[derive(Debug, Clone)]
enum Mutation {
    Flip(usize, u8),
    Cut(usize),
    Insert(usize, Vec<u8>),
    /// A byte set to 0x80 | x: turns a LEB128 length into a longer, larger one.
    Lengthen(usize, u8),
}

fn mutate(mut bytes: Vec<u8>, mutations: &[Mutation]) -> Vec<u8> {
    for m in mutations {
        let len = bytes.len().max(1);
        match m {
            Mutation::Flip(at, bits) => {
                if let Some(b) = bytes.get_mut(at % len) {
                    *b ^= bits;
                }
            }
            Mutation::Cut(at) => bytes.truncate(at % len),
            Mutation::Insert(at, more) => {
                let at = (at % len).min(bytes.len());
                bytes.splice(at..at, more.iter().copied());
            }
            Mutation::Lengthen(at, x) => {
                if let Some(b) = bytes.get_mut(at % len) {
                    *b = 0x80 | x;
                }
            }
        }
    }
    bytes
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 1u8..).prop_map(|(a, b)| Mutation::Flip(a, b)),
        any::<usize>().prop_map(Mutation::Cut),
        (
            any::<usize>(),
            proptest::collection::vec(any::<u8>(), 1..16)
        )
            .prop_map(|(a, v)| Mutation::Insert(a, v)),
        (any::<usize>(), any::<u8>()).prop_map(|(a, x)| Mutation::Lengthen(a, x)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn mutated_automerge_bytes_never_panic_or_run_away(
        seed in 0usize..5,
        mutations in proptest::collection::vec(mutation(), 1..6),
    ) {
        let seeds = seeds();
        let bytes = mutate(seeds[seed % seeds.len()].clone(), &mutations);
        let started = std::time::Instant::now();
        let checked = check(&bytes, CAPS);
        let applied = apply_untrusted(None, &[&bytes]);
        if checked.is_err() {
            prop_assert!(applied.is_err(), "refused by the check means refused");
        }
        prop_assert!(started.elapsed() < std::time::Duration::from_secs(5), "ran away");
    }
}
