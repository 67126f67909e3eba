#!/usr/bin/env bash
# Installs what building and testing Citizens Connect needs on Debian 12 (idempotent; root or sudo),
# and the front end's npm packages.
set -euo pipefail
cd "$(dirname "$0")/.."
packages=(build-essential pkg-config perl make file fonts-dejavu-core libwebkit2gtk-4.1-dev libxdo-dev
  libssl-dev libayatana-appindicator3-dev librsvg2-dev xvfb xauth webkit2gtk-driver poppler-utils chromium chromium-driver nodejs npm)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node may come from elsewhere than Debian (this machine's node 20 and npm 11): keep it.
if command -v node >/dev/null && command -v npm >/dev/null; then
  missing=("${missing[@]/nodejs}"); missing=("${missing[@]/npm}")
fi
missing=($(printf '%s\n' "${missing[@]}" | grep -v '^$' || true))
if ((${#missing[@]})); then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
fi
command -v cargo >/dev/null || { echo "Rust (cargo) is required: https://rustup.rs" >&2; exit 1; }
# The desktop app embeds ui/dist: build the front end before any cargo build.
(cd ui && npm ci --no-audit --no-fund --loglevel=error && npm run build --silent)
