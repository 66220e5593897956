"""
Issue 22's targets, each with the value `scripts/bench.py` measured and MET or MISSED.

Ratios are to the `/healthz` floor measured next to each page in the same run. A target
whose part did not run (the delivery bench, search at 100,000 briefings) says so instead.
"""

import json
from pathlib import Path

SIGNED_IN_PAGES = ("briefing", "home", "list", "coverage")
SIGNED_IN_RATIO = 0.5
SEARCH_RATIO = 0.2
SEARCH_P95_MS = 25
SEARCH_P95_AT = 100_000
P99_MS = 250
IMPORT_PER_SECOND = 500
EMAILS_PER_SECOND = 200


def verdict(met: bool) -> str:
    return "MET" if met else "MISSED"


def delivery_results(path: str | None) -> dict | None:
    """What `scripts/bench_delivery.py` wrote to BENCH_DELIVERY_RESULTS, if it ran."""
    if not path or not Path(path).is_file() or not Path(path).stat().st_size:
        return None
    return json.loads(Path(path).read_text())


def report(*, rows, floor, memory, searches, imported, delivery) -> list[str]:
    """
    The targets as lines. `rows` are the page table's (name, audience, wrk result,
    queries, status) without the floor; `searches` maps a briefing count to the search
    p95 measured there; `imported` is briefings a second (None: not measured).
    """
    lines = ["", "targets (issue 22):"]
    # A row's ratio is to the floor measured next to it (bench.page_rows), else to `floor`.
    ratio = {
        (name, audience): result.get("ratio", result["rps"] / floor["rps"])
        for name, audience, result, *_ in rows
    }
    signed_in = [row for row in rows if row[0] in SIGNED_IN_PAGES and row[1] != "anonymous"]
    if signed_in:
        worst = min(signed_in, key=lambda row: ratio[row[:2]])
        queried = [f"{name} as {audience}: {q}" for name, audience, _, q, _ in signed_in if q]
        met = ratio[worst[:2]] >= SIGNED_IN_RATIO and not queried
        lines.append(
            f"  every signed-in page >= {SIGNED_IN_RATIO}x floor with 0 warm queries:"
            f" lowest {ratio[worst[:2]]:.2f} ({worst[0]} as {worst[1]}),"
            f" {'queries: ' + ', '.join(queried) if queried else 'no queries'}  {verdict(met)}"
        )
    search = [row for row in rows if row[0] == "search"]
    if search:
        worst = min(search, key=lambda row: ratio[row[:2]])
        lines.append(
            f"  search >= {SEARCH_RATIO}x floor under load: lowest {ratio[worst[:2]]:.2f}"
            f" (as {worst[1]})  {verdict(ratio[worst[:2]] >= SEARCH_RATIO)}"
        )
    at_scale = [count for count in searches if count >= SEARCH_P95_AT]
    if at_scale:
        p95 = searches[max(at_scale)]
        lines.append(
            f"  search p95 < {SEARCH_P95_MS} ms one at a time at {max(at_scale):,} briefings:"
            f" {p95:.1f} ms  {verdict(p95 < SEARCH_P95_MS)}"
        )
    else:
        lines.append(f"  search p95 at {SEARCH_P95_AT:,} briefings: not measured in this run")
    if rows:
        slowest = max(rows, key=lambda row: row[2]["p99"])
        lines.append(
            f"  p99 of every page < {P99_MS} ms at 32 connections: highest"
            f" {slowest[2]['p99']:.0f} ms ({slowest[0]} as {slowest[1]})"
            f"  {verdict(slowest[2]['p99'] < P99_MS)}"
        )
    if imported is None:
        lines.append("  import: not measured in this run")
    else:
        lines.append(
            f"  import >= {IMPORT_PER_SECOND} briefings/s: {imported:.0f}"
            f"  {verdict(imported >= IMPORT_PER_SECOND)}"
        )
    if delivery is None:
        lines.append("  e-mail rendering: the delivery bench did not run before this one")
    else:
        per_worker = delivery["per_worker"]
        lines.append(
            f"  e-mail rendering >= {EMAILS_PER_SECOND}/s per worker: {per_worker:.0f}"
            f"  {verdict(per_worker >= EMAILS_PER_SECOND)}"
        )
    lines.append(f"  memory per worker (reported): {', '.join(f'{m:.0f}' for m in memory)} MiB")
    return lines
