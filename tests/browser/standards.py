"""
Standards checks for the browser tests: axe-core for accessibility (WCAG 2.2 A and AA) and
the Nu Html Checker (vnu.jar, from npm's vnu-jar in node_modules) for HTML validity.

Both return plain lists of readable strings, so `assert ... == []` fails with what to fix.
"""

import json
import subprocess
import tempfile
from pathlib import Path

from axe_playwright_python.sync_playwright import Axe

ROOT = Path(__file__).resolve().parents[2]
VNU_JAR = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"

# axe-core's tags for WCAG 2.0, 2.1 and 2.2 at levels A and AA.
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]


def axe_violations(page) -> list[str]:
    """
    Every WCAG 2.2 A/AA violation axe-core finds on the page as it is now, one line each:
    rule id, impact, the CSS selectors of the offending elements, and the rule's help text.
    """
    results = Axe().run(
        page,
        options={"runOnly": {"type": "tag", "values": WCAG_22_AA}, "resultTypes": ["violations"]},
    )
    lines = []
    for violation in results.response["violations"]:
        targets = [" ".join(map(str, node["target"])) for node in violation["nodes"]]
        shown = ", ".join(targets[:5])
        if len(targets) > 5:
            shown += f" (+{len(targets) - 5} more)"
        summary = violation["nodes"][0].get("failureSummary", "").replace("\n", " ")
        lines.append(
            f"{violation['id']} [{violation['impact']}] at {shown}: {violation['help']}"
            f" — {summary} ({violation['helpUrl']})"
        )
    return lines


def vnu_errors(pages: dict[str, str]) -> dict[str, list[str]]:
    """
    Validates each named HTML document with the Nu Html Checker, all in one Java run, and
    answers {name: [error, ...]} for every name (an empty list when the page is valid).
    Each error reads "line L: message  «extract»".
    """
    if not VNU_JAR.is_file():
        raise RuntimeError(
            f"{VNU_JAR.relative_to(ROOT)} is missing: run scripts/bootstrap.sh (npm ci)."
        )
    with tempfile.TemporaryDirectory(prefix="vnu-") as tmp:
        files = {}
        for index, (name, html) in enumerate(pages.items()):
            path = Path(tmp) / f"page-{index}.html"
            path.write_text(html, encoding="utf-8")
            files[path] = name
        # One Java start for every page. The arguments are our own jar and temporary files;
        # `java` comes from PATH (scripts/java.sh installs it).
        command = ["java", "-jar", str(VNU_JAR), "--format", "json", "--errors-only"]
        command += ["--exit-zero-always", *map(str, files)]
        try:
            completed = subprocess.run(  # noqa: S603
                command, capture_output=True, text=True, check=True, timeout=300
            )
        except FileNotFoundError:
            raise RuntimeError("Java is missing: run scripts/java.sh (or install Java).") from None
        by_uri = {path.resolve().as_uri(): name for path, name in files.items()}
    # vnu writes its JSON report to standard error.
    report = json.loads(completed.stderr)
    errors: dict[str, list[str]] = {name: [] for name in pages}
    for message in report["messages"]:
        if message.get("type") not in ("error", "non-document-error"):
            continue
        name = by_uri.get(_as_file_uri(message.get("url", "")))
        text = f"line {message.get('lastLine', '?')}: {message.get('message', '')}"
        if message.get("extract"):
            text += f"  «{message['extract'].strip()}»"
        if name is None:
            # Not tied to one of our files: report it against every page rather than lose it.
            for page_errors in errors.values():
                page_errors.append(text)
        else:
            errors[name].append(text)
    return errors


def _as_file_uri(url: str) -> str:
    """vnu writes file:/tmp/x; pathlib writes file:///tmp/x."""
    if url.startswith("file:") and not url.startswith("file://"):
        return "file://" + url[len("file:") :]
    return url
