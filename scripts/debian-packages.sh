#!/usr/bin/env bash
# Installs the named Debian packages when they are missing (apt-get update first, once).
# Used by tests that drive the stock Freezer tools. Exit 0 when all are installed.
set -euo pipefail
missing=()
for p in "$@"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
((${#missing[@]} == 0)) && exit 0
command -v apt-get >/dev/null || { echo "apt-get not available; cannot install ${missing[*]}" >&2; exit 1; }
export DEBIAN_FRONTEND=noninteractive
apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null 2>&1 || {
  apt-get update >/dev/null 2>&1 && apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null
}
