#!/usr/bin/env bash
# Sets up and starts Citizens Connect on this machine, locally, with no server needed.
# Until the desktop window lands, the app is the `citizens` command line; this builds it,
# creates your encrypted install on first run (asking your name, organisation and a passphrase)
# and shows the home screen.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cargo build --release --locked -p citizens-cli
bin="$PWD/target/release/citizens"
export CITIZENS_DATA_DIR="${CITIZENS_DATA_DIR:-$HOME/.local/share/citizens-connect}"
if [ ! -f "$CITIZENS_DATA_DIR/key.json" ]; then
  read -rp "Your name: " name
  read -rp "Your organisation: " org
  "$bin" init --name "$name" --org "$org"
  read -rp "Load 50 synthetic sample cases to explore? [y/N] " sample
  if [[ "$sample" =~ ^[Yy] ]]; then "$bin" sample --count 50; fi
fi
"$bin" home
echo
echo "The app is ready: $bin --help   (data in $CITIZENS_DATA_DIR)"
