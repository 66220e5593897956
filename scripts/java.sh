#!/usr/bin/env bash
# Makes sure a Java runtime is installed for the Nu Html Checker (vnu.jar) that the
# HTML validity tests run. It needs Java 11 or newer; Debian's default is newer.
set -euo pipefail
if command -v java >/dev/null; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "==> installing Java from Debian's packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq default-jre-headless >/dev/null
  exit 0
fi
echo "error: Java is missing. Install it (sudo apt-get install default-jre-headless)." >&2
exit 1
