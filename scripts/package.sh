#!/usr/bin/env bash
# Build the server's Debian package from a built binary:
#   bash scripts/package.sh BIN OUT_DIR [VERSION]   →   OUT_DIR/citizens-server_VERSION_amd64.deb
# e.g. `cargo build --release -p citizens-server && bash scripts/package.sh
# target/release/citizens-server dist` (tests package the debug binary they already have).
# VERSION defaults to the crate's (sync-server/Cargo.toml, from the workspace). The binary is
# stripped into the package; its Depends come from the libraries it links (dpkg-shlibdeps).
# Plain dpkg-deb, no cargo-deb: nothing more to install or compile in CI, and the package is
# these few lines and packaging/deb/. DEB_COMPRESSION (xz, gzip, zstd, none) picks dpkg-deb's
# compression: xz by default; the test takes gzip, many times faster on a debug binary.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="${1:?usage: package.sh BIN OUT_DIR [VERSION]}"
out="${2:?usage: package.sh BIN OUT_DIR [VERSION]}"
version="${3:-}"
[ -x "$bin" ] || { echo "package.sh: $bin is not an executable" >&2; exit 1; }
if [ -z "$version" ]; then
  # `…/sync-server#citizens-server@0.1.0` (older cargo: `…#0.1.0`).
  id="$(cd "$root" && cargo pkgid --offline --manifest-path sync-server/Cargo.toml)"
  version="${id##*[#@]}"
fi
# Cargo's 1.2.0-rc.1 sorts before 1.2.0; Debian's spelling of that is 1.2.0~rc.1.
version="${version//-/\~}"
arch="$(dpkg --print-architecture)"
name=citizens-server

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# The tree under debian/<package>/ is where dpkg-shlibdeps expects a package's files.
pkg="$work/debian/$name"
deb_dir="$root/packaging/deb"
install -d "$pkg/DEBIAN" "$pkg/usr/bin" "$pkg/lib/systemd/system" "$pkg/etc/$name" \
  "$pkg/usr/share/doc/$name"
strip --strip-unneeded -o "$pkg/usr/bin/$name" "$bin"
chmod 0755 "$pkg/usr/bin/$name"
install -m 0644 "$deb_dir/$name.service" "$pkg/lib/systemd/system/$name.service"
# 0640 from the start: it may hold secrets; postinst gives it to the server's group.
install -m 0640 "$deb_dir/config.toml" "$pkg/etc/$name/config.toml"
install -m 0644 "$deb_dir/README.md" "$pkg/usr/share/doc/$name/README.md"
cat >"$pkg/usr/share/doc/$name/copyright" <<COPYRIGHT
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: Citizens Connect

Files: *
License: AGPL-3.0-or-later
COPYRIGHT
for script in postinst prerm postrm; do
  install -m 0755 "$deb_dir/$script" "$pkg/DEBIAN/$script"
done
echo "/etc/$name/config.toml" >"$pkg/DEBIAN/conffiles"

# Depends: the shared libraries the binary links (libc6, libgcc-s1; libssl3 were it to link
# OpenSSL: it does not, SQLCipher's is vendored and TLS is rustls), at the versions its symbols
# need; adduser for the system user; init-system-helpers for the unit's enable and start.
if command -v dpkg-shlibdeps >/dev/null; then
  mkdir -p "$work/debian"
  printf 'Source: %s\n\nPackage: %s\nArchitecture: any\n' "$name" "$name" >"$work/debian/control"
  shlibs="$(cd "$work" && dpkg-shlibdeps -O "debian/$name/usr/bin/$name")"
  shlibs="${shlibs#shlibs:Depends=}"
else
  # Without dpkg-dev: the packages that own the libraries, unversioned.
  shlibs="$(ldd "$pkg/usr/bin/$name" | awk '$3 ~ /^\// { print $3 }' |
    xargs -r realpath | xargs -r dpkg -S 2>/dev/null | cut -d: -f1 | sort -u | paste -sd, | sed 's/,/, /g')"
fi
depends="${shlibs:+$shlibs, }adduser, init-system-helpers"

cat >"$pkg/DEBIAN/control" <<CONTROL
Package: $name
Version: $version
Architecture: $arch
Maintainer: Citizens Connect <maintainers@citizens-connect.invalid>
Installed-Size: $(du -sk --exclude=DEBIAN "$pkg" | cut -f1)
Depends: $depends
Section: net
Priority: optional
Description: Citizens Connect sync server
 The central server of Citizens Connect: civil-society volunteers' and
 coordinators' laptops enrol with one-time codes and sync their grievance
 cases through it; it can also be an organisation's public face (report and
 track pages, SMS, WhatsApp, Open311).
 .
 Runs as the citizens-server systemd service (user citizens-server), configured
 in /etc/citizens-server/config.toml, on SQLite in /var/lib/citizens-server or
 on PostgreSQL; logs JSON lines to the journal (journalctl -u citizens-server).
CONTROL

mkdir -p "$out"
deb="$out/${name}_${version}_${arch}.deb"
dpkg-deb --root-owner-group -Z"${DEB_COMPRESSION:-xz}" --build "$pkg" "$deb" >/dev/null
echo "$deb"
