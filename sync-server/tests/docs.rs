//! The docs cannot drift from `citizens-server`: every command of it shown in a code block of
//! README.md and docs/*.md has each subcommand answer `--help` and each flag listed there, and
//! every `bash scripts/…` they show exists (`citizens_test_support::docs`).

use std::path::Path;

use citizens_test_support::docs::{assert_docs_hold, Binary};

#[test]
fn every_citizens_server_command_in_the_docs_exists() {
    assert_docs_hold(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join(".."),
        &Binary {
            name: "citizens-server".into(),
            package: "citizens-server".into(),
            exe: env!("CARGO_BIN_EXE_citizens-server").into(),
        },
        // The README's tour and the guides show many.
        5,
    );
}
