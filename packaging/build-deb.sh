#!/usr/bin/env bash
# Builds the sitewarden Debian package from an existing build tree, with dpkg-deb (no debhelper, no CPack, no fakeroot).
#
#   bash packaging/build-deb.sh BUILD_DIR [OUT_DIR]
#
# Reads BUILD_DIR/src/cli/sitewarden and writes OUT_DIR/sitewarden_<version>_<arch>.deb (OUT_DIR defaults
# to BUILD_DIR) and prints its path. The package holds:
#   /usr/bin/sitewarden                      the binary, stripped
#   /lib/systemd/system/sitewarden.service   the sandboxed unit (packaging/sitewarden.service)
#   /etc/sitewarden/sitewarden.toml          conffile: the default config that `sitewarden init` writes, generated
#                                            here from the binary itself so it always matches the key schema, with
#                                            data_dir = /var/lib/sitewarden
# and maintainer scripts (packaging/postinst, prerm, postrm) that create the `sitewarden` system user and
# initialise the node in /var/lib/sitewarden on first install. Depends: comes from dpkg-shlibdeps.
set -euo pipefail

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
  echo "usage: $0 BUILD_DIR [OUT_DIR]" >&2
  exit 2
fi
build_dir="$(cd "$1" && pwd)"
out_dir="${2:-$build_dir}"
mkdir -p "$out_dir"
out_dir="$(cd "$out_dir" && pwd)"
here="$(cd "$(dirname "$0")" && pwd)"
bin="$build_dir/src/cli/sitewarden"

readonly DATA_DIR=/var/lib/sitewarden
readonly CONFIG=/etc/sitewarden/sitewarden.toml

for tool in dpkg-deb dpkg-shlibdeps strip; do
  command -v "$tool" >/dev/null || { echo "build-deb: $tool is missing (scripts/install-deps.sh installs it)" >&2; exit 1; }
done
[ -x "$bin" ] || { echo "build-deb: $bin not found: build the sitewarden target first" >&2; exit 1; }

version="$("$bin" version | awk '{print $2}')"
[ -n "$version" ] || { echo "build-deb: '$bin version' printed no version" >&2; exit 1; }
arch="$(dpkg --print-architecture)"

work="$(mktemp -d "${TMPDIR:-/tmp}/sitewarden-deb.XXXXXX")"
trap 'rm -rf "$work"' EXIT
root="$work/root"

# Files. Modes are set explicitly; --root-owner-group makes every path root-owned in the archive.
install -d -m 0755 "$root/usr/bin" "$root/lib/systemd/system" "$root/etc/sitewarden" "$root/DEBIAN"
install -d -m 0755 "$root/usr/share/doc/sitewarden"
strip --strip-unneeded -o "$root/usr/bin/sitewarden" "$bin"
chmod 0755 "$root/usr/bin/sitewarden"
install -m 0644 "$here/sitewarden.service" "$root/lib/systemd/system/sitewarden.service"

# The default config: exactly what `sitewarden init` writes, pointed at the packaged data directory.
"$bin" init --data-dir "$work/node" >/dev/null
sed -E "s|^data_dir = \"[^\"]*\"|data_dir = \"$DATA_DIR\"|" "$work/node/sitewarden.toml" > "$root$CONFIG"
grep -q "^data_dir = \"$DATA_DIR\"" "$root$CONFIG" || { echo "build-deb: no data_dir key in the generated config" >&2; exit 1; }
"$bin" config check --config "$root$CONFIG" >/dev/null
chmod 0640 "$root$CONFIG"
echo "$CONFIG" > "$root/DEBIAN/conffiles"

cat > "$root/usr/share/doc/sitewarden/README.Debian" <<EOF
sitewarden for Debian
=====================

The service runs as the system user 'sitewarden' under the sandboxed unit sitewarden.service.

  configuration  $CONFIG (conffile; group sitewarden, mode 0640)
  node data      $DATA_DIR (mode 0700: keys/, blobs/, sitewarden.db)
  logs           the journal (journalctl -u sitewarden); set [log] file to write
                 /var/log/sitewarden/sitewarden.log instead

On first install the postinst runs 'sitewarden init --data-dir $DATA_DIR' as the sitewarden user
when $DATA_DIR/keys does not exist, then replaces the config that init wrote into the data
directory with a symbolic link to $CONFIG, so there is one config and 'sitewarden init' still
refuses to overwrite the node. Removing or purging the package never deletes $DATA_DIR: it holds
the audit log, which must be kept (retention is at least 6 months).

Manage accounts from the machine as the service user, for example
  runuser -u sitewarden -- sitewarden user add --help
EOF

for script in postinst prerm postrm; do
  install -m 0755 "$here/$script" "$root/DEBIAN/$script"
done

# Depends: from the shared libraries the binary links, via dpkg-shlibdeps (it wants a debian/control).
mkdir -p "$work/src/debian"
printf 'Source: sitewarden\n\nPackage: sitewarden\nArchitecture: any\n' > "$work/src/debian/control"
shlibs="$(cd "$work/src" && dpkg-shlibdeps -O -e"$root/usr/bin/sitewarden" 2>"$work/shlibdeps.err" | sed -n 's/^shlibs:Depends=//p')" || {
  cat "$work/shlibdeps.err" >&2
  exit 1
}
[ -n "$shlibs" ] || { echo "build-deb: dpkg-shlibdeps found no dependencies" >&2; exit 1; }

installed_kb="$(du -sk --exclude=DEBIAN "$root" | awk '{print $1}')"
cat > "$root/DEBIAN/control" <<EOF
Package: sitewarden
Version: $version
Architecture: $arch
Maintainer: sitewarden maintainers <sitewarden@localhost>
Section: admin
Priority: optional
Installed-Size: $installed_kb
Depends: $shlibs, adduser
Description: run and protect a province's trade-union websites
 sitewarden hosts union websites, moves every item through content and
 secrecy review, publishes signed releases, serves them through a guard and
 keeps a tamper-evident audit log. This package installs the binary, a
 sandboxed systemd unit running as the 'sitewarden' user, a default
 configuration in /etc/sitewarden and the node's data directory
 /var/lib/sitewarden.
EOF

deb="$out_dir/sitewarden_${version}_${arch}.deb"
dpkg-deb --build -Zxz --root-owner-group "$root" "$deb" >/dev/null
echo "$deb"
