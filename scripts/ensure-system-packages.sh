#!/usr/bin/env bash
# Installs the Debian packages listed in scripts/system-packages.txt that are missing. Needs root (or sudo) on a
# machine that reaches Debian's package mirrors; otherwise it says exactly what to install and fails.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
missing=()
while read -r cmd pkg; do
  [[ -z "${cmd}" || "${cmd}" == \#* ]] && continue
  if [[ "${cmd}" == /* ]]; then
    # An absolute path pattern, for binaries outside PATH (e.g. /usr/lib/postgresql/*/bin/initdb).
    compgen -G "$cmd" >/dev/null || missing+=("$pkg")
  elif ! command -v "$cmd" >/dev/null 2>&1 && [[ ! -x "/usr/sbin/$cmd" ]]; then missing+=("$pkg"); fi
done < "$here/system-packages.txt"
[[ ${#missing[@]} -eq 0 ]] && exit 0
echo "[palisade] installing missing system packages: ${missing[*]}" >&2
SUDO=""
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo -n"; else
    echo "[palisade] not root: install these Debian packages and run again: ${missing[*]}" >&2; exit 1; fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "[palisade] installed: ${missing[*]}" >&2
