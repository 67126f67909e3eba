#!/usr/bin/env bash
# Sets up and starts the Citizens Connect desktop app on this machine, locally, with no server
# needed. Your encrypted data lives in ~/.local/share/citizens-connect (or $CITIZENS_DATA_DIR);
# the first start asks for your name, organisation and a passphrase.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cargo build --release --locked -p citizens-desktop -p citizens-cli
exec target/release/citizens-desktop
