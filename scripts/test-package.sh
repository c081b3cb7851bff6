#!/usr/bin/env bash
# Builds the Debian package and checks it: contents, conffile, the user made by postinst,
# nothing enabled, the binary, both man pages and the units (systemd-analyze verify).
# With NB_TEST_DPKG_INSTALL=1 (a throwaway CI machine, as root) it installs the package with
# dpkg -i and checks the installed system; otherwise it checks the package unpacked into a
# temporary tree (dpkg-deb -x), with the units' paths pointed into that tree.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-build-deb}
make deb DEB_BUILD="$out" >/dev/null
deb=$(ls "$out"/newsbrief_*_*.deb)
fail() { echo "test-package: FAIL: $*" >&2; exit 1; }

contents=$(dpkg-deb -c "$deb")
for path in ./usr/bin/newsbrief ./lib/systemd/system/newsbrief.service \
    ./lib/systemd/system/newsbrief-run.service ./lib/systemd/system/newsbrief-run.timer \
    ./usr/share/man/man1/newsbrief.1.gz ./usr/share/man/man5/newsbrief.yaml.5.gz \
    ./usr/share/bash-completion/completions/newsbrief ./etc/newsbrief/newsbrief.yaml; do
  grep -q " $path\$" <<<"$contents" || fail "$path is not in the package"
done
ctl=$(mktemp -d)
trap 'rm -rf "$ctl"' EXIT
dpkg-deb -e "$deb" "$ctl/DEBIAN"
grep -qx /etc/newsbrief/newsbrief.yaml "$ctl/DEBIAN/conffiles" || fail "no conffile"
grep -q "adduser --system --group" "$ctl/DEBIAN/postinst" || fail "postinst makes no user"
if grep -E "deb-systemd-invoke (start|restart)|systemctl (start|enable)" "$ctl/DEBIAN/postinst"; then
  fail "postinst starts or enables a unit"
fi

if [ "${NB_TEST_DPKG_INSTALL:-0}" = 1 ]; then
  dpkg -i "$deb"
  root=/
  newsbrief --version | grep -q "^newsbrief " || fail "newsbrief --version"
  getent passwd newsbrief >/dev/null || fail "no newsbrief user"
  [ "$(stat -c %G:%a /etc/newsbrief/newsbrief.yaml)" = newsbrief:640 ] || fail "conffile mode"
  systemctl is-enabled newsbrief.service >/dev/null 2>&1 && fail "the service was enabled"
  man -l /usr/share/man/man1/newsbrief.1.gz >/dev/null
  man -l /usr/share/man/man5/newsbrief.yaml.5.gz >/dev/null
  systemd-analyze verify /lib/systemd/system/newsbrief.service \
    /lib/systemd/system/newsbrief-run.service /lib/systemd/system/newsbrief-run.timer
  newsbrief check-config -c /etc/newsbrief/newsbrief.yaml >/dev/null || fail "shipped config"
else
  root="$ctl/root"
  dpkg-deb -x "$deb" "$root"
  "$root/usr/bin/newsbrief" --version | grep -q "^newsbrief " || fail "newsbrief --version"
  for page in man1/newsbrief.1.gz man5/newsbrief.yaml.5.gz; do
    warnings=$(MANWIDTH=80 man --warnings -l "$root/usr/share/man/$page" 2>&1 >/dev/null)
    [ -z "$warnings" ] || fail "$page: $warnings"
  done
  mkdir "$ctl/units"
  for unit in newsbrief.service newsbrief-run.service newsbrief-run.timer; do
    sed "s#/usr/bin/newsbrief#$root/usr/bin/newsbrief#" "$root/lib/systemd/system/$unit" \
      > "$ctl/units/$unit"
  done
  MANPATH="$root/usr/share/man" systemd-analyze verify "$ctl"/units/* || fail "units"
  HOME="$ctl" "$root/usr/bin/newsbrief" check-config -c "$root/etc/newsbrief/newsbrief.yaml" \
    >/dev/null || fail "the shipped configuration does not check"
fi
grep -q "ExecStart=/usr/bin/newsbrief daemon --config /etc/newsbrief/newsbrief.yaml" \
  "$root/lib/systemd/system/newsbrief.service" || fail "ExecStart"
echo "test-package: ok ($deb)"
