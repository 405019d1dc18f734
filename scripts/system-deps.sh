#!/usr/bin/env bash
# Debian packages the portal needs beyond Python: Pango/HarfBuzz and a CJK font for WeasyPrint PDFs,
# gettext for translations, Node.js/npm to fetch front-end assets from the registry (no CDN), and with
# WITH_BROWSER=1 (`make test` sets it) Debian's headless Chromium for the browser tests (Playwright drives
# /usr/bin/chromium-headless-shell; nothing downloads a browser), and with WITH_BENCH=1 (`make bench`) wrk, the load tool of the
# page benchmark.
# Installs what is missing when run as root with apt-get; otherwise says what to install.
set -euo pipefail
packages=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk gettext)
command -v npm >/dev/null 2>&1 || packages+=(nodejs npm)
[ "${WITH_BROWSER:-0}" = 1 ] && packages+=(chromium-headless-shell)
[ "${WITH_BENCH:-0}" = 1 ] && packages+=(wrk)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing system packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "Please install these Debian packages first (as root): apt-get install ${missing[*]}" >&2
  exit 1
fi
