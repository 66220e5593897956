#!/usr/bin/env bash
# `make lighthouse`: Lighthouse scores for the site as production runs it.
#
# Starts scripts/prodlike.sh (gunicorn, DEBUG off, PostgreSQL, Redis when it answers) on a
# private port with the demo content, runs Lighthouse (npm's lighthouse, pinned in
# package-lock.json) with the system Chromium on the home page and a briefing, as a phone
# (Lighthouse's default mobile emulation) and as a desktop (--preset=desktop), prints a table
# of the four scores and exits non-zero when any is below LIGHTHOUSE_MIN (default 95).
#
# Every variable can be set beforehand:
#   DATABASE_URL     default: PostgreSQL found by scripts/postgres.sh, database briefings_lighthouse
#   REDIS_URL        default: as scripts/prodlike.sh (redis://127.0.0.1:6379/0 when it answers)
#   LIGHTHOUSE_PORT  default: a free port
#   LIGHTHOUSE_MIN   default: 95
#   LIGHTHOUSE_OUT   default: lighthouse/ (the JSON and HTML reports, one pair per run)
#   CHROME_PATH      default: /usr/bin/chromium
#   LIGHTHOUSE_BRIEFING  default: the seed briefing /briefings/hkstp-and-sensetime-partner-on-hong-kong-ai-data-centre/
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/bootstrap.sh requirements-dev.lock >/dev/null
py=.venv/bin/python
lighthouse=node_modules/.bin/lighthouse
if [ ! -x "$lighthouse" ]; then
  echo "error: $lighthouse is missing; install Node.js with npm and run scripts/bootstrap.sh" >&2
  exit 2
fi

export CHROME_PATH=${CHROME_PATH:-/usr/bin/chromium}
port=${LIGHTHOUSE_PORT:-$($py -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
min=${LIGHTHOUSE_MIN:-95}
out=${LIGHTHOUSE_OUT:-lighthouse}
base=http://127.0.0.1:$port
if [ -z "${DATABASE_URL:-}" ]; then
  DATABASE_URL=$(TEST_DATABASE_NAME=briefings_lighthouse scripts/postgres.sh)
fi
export DATABASE_URL GUNICORN_BIND=127.0.0.1:$port SITE_URL=$base
mkdir -p "$out"

log=$(mktemp)
scripts/prodlike.sh >"$log" 2>&1 &
server=$!
stop() {
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  rm -f "$log"
}
trap stop EXIT

for _ in $(seq 1 240); do
  if ! kill -0 "$server" 2>/dev/null; then
    cat "$log" >&2
    echo "error: the production-like server stopped; its output is above" >&2
    exit 2
  fi
  if curl -fsS -o /dev/null "$base/healthz" 2>/dev/null; then break; fi
  sleep 0.5
done
curl -fsS -o /dev/null "$base/healthz" || { cat "$log" >&2; exit 2; }

# The demo content (safe to run again); the briefing is a seed page with member sections.
DEBUG=false ALLOWED_HOSTS=127.0.0.1 SECRET_KEY=lighthouse-only-not-a-secret-xxxxxxxxxxxxxxxxxxxxxxxxx \
  $py manage.py load_demo -v 0
briefing=${LIGHTHOUSE_BRIEFING:-/briefings/hkstp-and-sensetime-partner-on-hong-kong-ai-data-centre/}

pages=("home /" "briefing $briefing")
chrome_flags="--headless=new --no-sandbox --disable-gpu"
results=()
for page in "${pages[@]}"; do
  read -r name path <<<"$page"
  for form in mobile desktop; do
    preset=()
    [ "$form" = desktop ] && preset=(--preset=desktop)
    # Once unscored, so the server's caches are warm as in production.
    curl -fsS -o /dev/null "$base$path"
    echo "==> $name ($form): $base$path" >&2
    "$lighthouse" "$base$path" "${preset[@]}" --quiet --chrome-flags="$chrome_flags" \
      --output=json --output=html --output-path="$out/$name-$form" >/dev/null
    results+=("$name $form $out/$name-$form.report.json")
  done
done

node - "$min" "${results[@]}" <<'JS'
const fs = require("fs");
const [min, ...rows] = process.argv.slice(2);
const categories = ["performance", "accessibility", "best-practices", "seo"];
let failed = false;
const line = (cells) => cells.map((c, i) => String(c).padEnd(i < 2 ? 10 : 16)).join("");
console.log(line(["page", "form", ...categories]));
for (const row of rows) {
  const [page, form, file] = row.split(" ");
  const report = JSON.parse(fs.readFileSync(file, "utf8"));
  const scores = categories.map((key) => {
    const score = Math.round(report.categories[key].score * 100);
    if (score < Number(min)) failed = true;
    return score < Number(min) ? `${score} (< ${min})` : score;
  });
  console.log(line([page, form, ...scores]));
  for (const key of categories) {
    for (const ref of report.categories[key].auditRefs) {
      const audit = report.audits[ref.id];
      if (ref.weight > 0 && audit.score !== null && audit.score < 1) {
        console.log(`    ${key}: ${audit.id}: ${audit.title} (${audit.displayValue || audit.score})`);
      }
    }
  }
}
if (failed) {
  console.error(`error: a score is below ${min}; the reports are in the output folder`);
  process.exit(1);
}
JS
