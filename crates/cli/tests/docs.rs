//! The docs cannot drift from `citizens`: every command of it shown in a code block of
//! README.md and docs/*.md has each subcommand answer `--help` and each flag listed there, and
//! every `bash scripts/…` they show exists.

// The checker lives in test-support (with its own unit tests); the CLI does not depend on
// test-support, so its one std-only module is included here by path.
#[path = "../../test-support/src/docs.rs"]
mod docs;

use std::path::Path;

use docs::{assert_docs_hold, Binary};

#[test]
fn every_citizens_command_in_the_docs_exists() {
    assert_docs_hold(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."),
        &Binary {
            name: "citizens".into(),
            package: "citizens-cli".into(),
            exe: env!("CARGO_BIN_EXE_citizens").into(),
        },
        // The README's tour and the guides show many.
        20,
    );
}
