#!/usr/bin/env bash
# packaging_deb_test: builds the .deb with packaging/build-deb.sh into a temp dir and checks, without
# installing it, that it holds the binary, the sandboxed unit and the conffile, that its Depends: name
# the runtime libraries, that the default config is valid and points at /var/lib/sitewarden, and that
# systemd accepts the unit.
#
#   bash tests/packaging/deb_test.sh BUILD_DIR SOURCE_DIR
set -euo pipefail

build_dir="$1"
src_dir="$2"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/sitewarden-deb-test.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
failures=0

fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}
# expect_line FILE REGEX WHAT
expect_line() {
  grep -qE -- "$2" "$1" || fail "$3 (no line matching '$2' in $(basename "$1"))"
}

deb="$(bash "$src_dir/packaging/build-deb.sh" "$build_dir" "$tmp/out")"
[ -f "$deb" ] || { echo "FAIL: build-deb.sh printed '$deb', which is not a file" >&2; exit 1; }
case "$(basename "$deb")" in
  sitewarden_*_"$(dpkg --print-architecture)".deb) ;;
  *) fail "package file name $(basename "$deb") is not sitewarden_<version>_<arch>.deb" ;;
esac

# Contents: the binary, the unit, the config; modes as shipped.
dpkg-deb -c "$deb" >"$tmp/contents"
expect_line "$tmp/contents" '^-rwxr-xr-x root/root .* \./usr/bin/sitewarden$' "binary /usr/bin/sitewarden, mode 0755"
expect_line "$tmp/contents" '^-rw-r--r-- root/root .* \./lib/systemd/system/sitewarden\.service$' "unit in /lib/systemd/system"
expect_line "$tmp/contents" '^-rw-r----- root/root .* \./etc/sitewarden/sitewarden\.toml$' "config /etc/sitewarden/sitewarden.toml, mode 0640"

# Control: conffile, dependencies from dpkg-shlibdeps, maintainer scripts.
dpkg-deb -I "$deb" >"$tmp/info"
dpkg-deb -f "$deb" Depends >"$tmp/depends"
expect_line "$tmp/info" '^ Package: sitewarden$' "control names the package"
expect_line "$tmp/info" ' postinst +#!' "postinst shipped"
expect_line "$tmp/info" ' postrm +#!' "postrm shipped"
expect_line "$tmp/info" ' prerm +#!' "prerm shipped"
for dep in 'libc6 \(>=' 'libstdc\+\+6 \(>=' 'libssl3 \(>=' 'libsodium23 \(>=' 'libsqlite3-0 \(>=' 'adduser'; do
  expect_line "$tmp/depends" "(^|, )$dep" "Depends: names ${dep%% *}"
done
dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles >"$tmp/conffiles"
expect_line "$tmp/conffiles" '^/etc/sitewarden/sitewarden\.toml$' "the config is a conffile"

# The payload: the binary runs, the config is the one `sitewarden init` writes, aimed at /var/lib.
dpkg-deb -x "$deb" "$tmp/root"
"$tmp/root/usr/bin/sitewarden" version | grep -q '^sitewarden ' || fail "packaged binary does not run"
config="$tmp/root/etc/sitewarden/sitewarden.toml"
expect_line "$config" '^data_dir = "/var/lib/sitewarden"' "config data_dir is /var/lib/sitewarden"
expect_line "$config" '^crypto_suite = "gm"' "config uses the gm suite by default"
expect_line "$config" '^listen = "127\.0\.0\.1"' "console listens on loopback by default"
"$tmp/root/usr/bin/sitewarden" config check --config "$config" >/dev/null || fail "sitewarden config check rejects the packaged config"

# Maintainer scripts: POSIX sh that parses; postinst creates the user and initialises once.
for script in postinst prerm postrm; do
  dpkg-deb --ctrl-tarfile "$deb" | tar -xO "./$script" >"$tmp/$script"
  sh -n "$tmp/$script" || fail "$script does not parse"
done
expect_line "$tmp/postinst" 'adduser --system' "postinst creates a system user"
# shellcheck disable=SC2016  # a literal $DATA_DIR in the script
expect_line "$tmp/postinst" '/var/lib/sitewarden/keys|\$DATA_DIR/keys' "postinst initialises only a node without keys"
# shellcheck disable=SC2016
if grep -qE 'rm -r[f]? .*(/var/lib/sitewarden|\$DATA_DIR)' "$tmp/postrm"; then
  fail "postrm deletes the data directory (it holds the audit log)"
fi

# The unit: the sandbox this package promises (a change that drops one of these must fail here).
unit="$tmp/root/lib/systemd/system/sitewarden.service"
expect_line "$unit" '^ExecStart=/usr/bin/sitewarden serve --config /etc/sitewarden/sitewarden\.toml$' "unit runs serve on the /etc config"
for directive in 'User=sitewarden' 'Group=sitewarden' 'ProtectSystem=strict' \
  'ReadWritePaths=/var/lib/sitewarden /var/log/sitewarden' 'NoNewPrivileges=yes' 'PrivateTmp=yes' \
  'PrivateDevices=yes' 'ProtectHome=yes' 'ProtectKernelTunables=yes' 'ProtectKernelModules=yes' \
  'ProtectKernelLogs=yes' 'ProtectControlGroups=yes' 'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX' \
  'RestrictNamespaces=yes' 'LockPersonality=yes' 'MemoryDenyWriteExecute=yes' 'RestrictRealtime=yes' \
  'RestrictSUIDSGID=yes' 'SystemCallFilter=@system-service' 'SystemCallArchitectures=native' \
  'CapabilityBoundingSet=' 'UMask=0077' 'Restart=on-failure'; do
  expect_line "$unit" "^${directive}\$" "unit sets $directive"
done
if command -v systemd-analyze >/dev/null; then
  # verify checks that ExecStart= names an executable: point it at the extracted binary, not the machine's.
  mkdir -p "$tmp/unit"
  sed "s|/usr/bin/sitewarden|$tmp/root/usr/bin/sitewarden|g" "$unit" >"$tmp/unit/sitewarden.service"
  if ! systemd-analyze verify --man=no "$tmp/unit/sitewarden.service" >"$tmp/verify" 2>&1 || [ -s "$tmp/verify" ]; then
    cat "$tmp/verify" >&2
    fail "systemd-analyze verify reports problems in the unit"
  fi
else
  echo "systemd-analyze not installed: unit not verified by systemd"
fi

if ((failures)); then
  echo "$failures check(s) failed for $deb" >&2
  exit 1
fi
echo "ok: $(basename "$deb") ($(dpkg-deb -f "$deb" Installed-Size) KiB installed)"
