//! The docs cannot drift from `citizens`: every command of it shown in a code block of
//! README.md and docs/*.md has each subcommand answer `--help` and each flag listed there, and
//! every `bash scripts/…` they show exists.

// The checker lives in test-support (with its own unit tests); the CLI does not depend on
// test-support, so its one std-only module is included here by path.
#[path = "../../test-support/src/docs.rs"]
mod docs;

use std::path::Path;

use docs::{check, Binary};

#[test]
fn every_citizens_command_in_the_docs_exists() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let report = check(
        &root,
        &Binary {
            name: "citizens".into(),
            package: "citizens-cli".into(),
            exe: env!("CARGO_BIN_EXE_citizens").into(),
        },
    );
    // The README's tour and docs/cli.md show dozens: finding few means the docs moved or the
    // parser broke, not that all is well.
    assert!(
        report.binary_commands >= 20,
        "only {} citizens commands found in the docs",
        report.binary_commands
    );
    assert!(report.scripts >= 2, "the quick start's two scripts");
    assert!(
        report.problems.is_empty(),
        "commands in the docs that citizens does not have:\n{}",
        report.problems.join("\n")
    );
}
