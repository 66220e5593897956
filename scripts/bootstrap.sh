#!/usr/bin/env bash
# Installs exactly the locked dependencies into .venv, with Python 3.12 and uv.
# Safe to run again: it only changes what is missing or out of date.
set -euo pipefail
cd "$(dirname "$0")/.."

UV_VERSION=0.13.9
export UV_PYTHON_DOWNLOADS=never UV_NO_PROGRESS=1 PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

uv_bin=.tools/uv/bin/uv
if [ ! -x "$uv_bin" ] || [ "$("$uv_bin" --version | awk '{print $2}')" != "$UV_VERSION" ]; then
  echo "==> installing uv $UV_VERSION into .tools/"
  python3 -m pip install --quiet --disable-pip-version-check --no-warn-script-location \
    --upgrade --target .tools/uv "uv==$UV_VERSION"
fi

python_version=$(cat .python-version)
if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c "import sys; sys.exit(sys.version_info[:2] != tuple(map(int, '$python_version'.split('.')[:2])))"; then
  echo "==> creating .venv with Python $python_version"
  if ! "$uv_bin" venv --quiet --clear --python "$python_version" .venv; then
    echo "error: Python $python_version is needed (see .python-version); install it (pyenv install $python_version) and run again." >&2
    exit 1
  fi
fi

lock=${1:-requirements-dev.lock}
echo "==> installing locked dependencies from $lock"
"$uv_bin" pip sync --quiet --python .venv/bin/python --require-hashes "$lock"

# The Nu Html Checker (npm's vnu-jar, pinned in package-lock.json) for the HTML validity
# tests, and Lighthouse for `make lighthouse`; development setups only (the production lock skips it). Only the jar is used:
# --ignore-scripts skips its Java downloader (scripts/java.sh provides Java). The copy of
# the lock in node_modules marks an install as current. Without npm, `make run` still works
# (with a warning); scripts/test.sh sets REQUIRE_TEST_TOOLS=1 and stops instead.
if [ "$lock" = requirements-dev.lock ] && {
  ! cmp -s package-lock.json node_modules/.installed-package-lock.json \
    || [ ! -f node_modules/vnu-jar/build/dist/vnu.jar ]
}; then
  if command -v npm >/dev/null; then
    echo "==> installing locked npm packages (vnu-jar, lighthouse) into node_modules/"
    npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null
    cp package-lock.json node_modules/.installed-package-lock.json
  elif [ "${REQUIRE_TEST_TOOLS:-}" = 1 ]; then
    echo "error: npm is needed to install the HTML checker (vnu-jar, package-lock.json) for" \
         "the tests. Install Node.js with npm (sudo apt-get install npm) and run again." >&2
    exit 1
  else
    echo "warning: npm is missing, so the HTML checker for the tests (vnu-jar) is not" \
         "installed; install Node.js with npm (sudo apt-get install npm) before running tests." >&2
  fi
fi
