#!/usr/bin/env bash
# Makes sure the system Chromium that the browser tests drive is installed.
# Playwright never downloads a browser of its own here.
set -euo pipefail
chromium=${CHROMIUM_PATH:-/usr/bin/chromium}
if [ -x "$chromium" ]; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "==> installing Chromium from Debian's packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq chromium >/dev/null
  exit 0
fi
echo "error: Chromium is missing at $chromium. Install it (sudo apt-get install chromium)" \
     "or point CHROMIUM_PATH at a Chromium binary." >&2
exit 1
