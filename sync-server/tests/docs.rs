//! The docs cannot drift from `citizens-server`: every command of it shown in a code block of
//! README.md and docs/*.md has each subcommand answer `--help` and each flag listed there, and
//! every `bash scripts/…` they show exists (`citizens_test_support::docs`).

use std::path::Path;

use citizens_test_support::docs::{check, Binary};

#[test]
fn every_citizens_server_command_in_the_docs_exists() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let report = check(
        &root,
        &Binary {
            name: "citizens-server".into(),
            package: "citizens-server".into(),
            exe: env!("CARGO_BIN_EXE_citizens-server").into(),
        },
    );
    // The README's tour and the deployment guide show the server's commands: finding none
    // means the docs moved or the parser broke, not that all is well.
    assert!(
        report.binary_commands >= 5,
        "only {} citizens-server commands found in the docs",
        report.binary_commands
    );
    assert!(report.scripts >= 2, "the quick start's two scripts");
    assert!(
        report.problems.is_empty(),
        "commands in the docs that citizens-server does not have:\n{}",
        report.problems.join("\n")
    );
}
