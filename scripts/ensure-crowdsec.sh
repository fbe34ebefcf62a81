#!/usr/bin/env bash
# Unpacks Debian's crowdsec package (1.4.6 on bookworm) into a cache directory and prints that directory, for the
# tests that run a real CrowdSec Local API. NEVER `apt-get install crowdsec`: its post-install step registers with
# CrowdSec's online API, fails offline and leaves dpkg half-configured (every later apt-get install then fails).
# `apt-get download` + `dpkg-deb -x` runs no maintainer script.
set -euo pipefail
cache="${PALISADE_CACHE_DIR:-$HOME/.cache/palisade}/crowdsec"
root="$cache/root"
if [[ -x "$root/usr/bin/crowdsec" && -x "$root/usr/bin/cscli" ]]; then echo "$root"; exit 0; fi
mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9
if [[ -x "$root/usr/bin/crowdsec" ]]; then echo "$root"; exit 0; fi
work="$(mktemp -d "$cache/download.XXXXXX")"
trap 'rm -rf "$work"' EXIT
cd "$work"
if ! apt-get download crowdsec >/dev/null 2>&1; then
  SUDO=""
  [[ $(id -u) -ne 0 ]] && command -v sudo >/dev/null 2>&1 && SUDO="sudo -n"
  $SUDO apt-get update -qq >/dev/null
  apt-get download crowdsec >/dev/null 2>&1 || { echo "[palisade] apt-get download crowdsec failed" >&2; exit 1; }
fi
rm -rf "$root.tmp"
dpkg-deb -x crowdsec_*.deb "$root.tmp"
mv "$root.tmp" "$root"
echo "$root"
