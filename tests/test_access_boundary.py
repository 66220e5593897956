"""
Tiers are compared, named and turned into permission codenames in one place:
members/access.py (plus migrations and the tier wording data). Everything else asks it.
This test greps the code and the templates so a new page cannot quietly decide for itself.
"""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON_ROOTS = ("briefings", "members", "delivery", "organisations", "config")
TEMPLATE_ROOT = "templates"

# Where tiers may be decided and named.
OWNER = "members/access.py"

# A comparison with an audience member, or a lookup that compares audiences in a query.
COMPARISON = re.compile(
    r"(==|!=|<=|>=|<|>|\bin\b)\s*[\(\[{]?\s*Audience\.[A-Z_]+"
    r"|Audience\.[A-Z_]+\s*(==|!=|<=|>=|<|>)"
    r"|audience__(gt|gte|lt|lte)\b"
)
# A tier's name, slug or permission codename (read_strategic_circle, ...), in any spelling.
TIER_NAME = re.compile(r"strategic[ _-]circle|leadership[ _-]alliance", re.IGNORECASE)
# Naming a member of the enumeration (Audience.STRATEGIC_CIRCLE) is asking access, not a name.
AUDIENCE_MEMBER = re.compile(r"\bAudience\.[A-Z_]+\b")

# The exceptions: (file, line fragment, reason).
ALLOWED = [
    # Tier wording data: an example of a tier's button text, mirrored in migration 0002.
    ("members/models.py", 'e.g. "Join Strategic Circle"', "tier wording help text"),
]


def scanned_files():
    for root in PYTHON_ROOTS:
        yield from (ROOT / root).rglob("*.py")
    for path in (ROOT / TEMPLATE_ROOT).rglob("*"):
        if path.suffix in {".html", ".txt", ".xml"}:
            yield path


def hits():
    found = []
    for path in sorted(set(scanned_files())):
        relative = path.relative_to(ROOT).as_posix()
        if relative == OWNER or "migrations" in path.parts:
            continue
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if COMPARISON.search(line) or TIER_NAME.search(AUDIENCE_MEMBER.sub("", line)):
                found.append((relative, number, line.strip()))
    return found


def is_allowed(relative: str, line: str) -> bool:
    return any(relative == file and fragment in line for file, fragment, _ in ALLOWED)


def test_no_tier_is_compared_or_named_outside_access():
    offending = [
        f"{relative}:{number}: {line}"
        for relative, number, line in hits()
        if not is_allowed(relative, line)
    ]
    assert not offending, "ask members.access instead:\n" + "\n".join(offending)


def test_every_allowed_exception_is_still_needed():
    found = hits()
    stale = [
        (file, fragment)
        for file, fragment, _ in ALLOWED
        if not any(relative == file and fragment in line for relative, _, line in found)
    ]
    assert not stale, f"remove from ALLOWED: {stale}"


def test_the_patterns_catch_what_they_are_for():
    assert COMPARISON.search("if tier == Audience.STRATEGIC_CIRCLE:")
    assert COMPARISON.search("Q(sections__audience__gt=Audience.PUBLIC)")
    assert COMPARISON.search("if audience in {Audience.PUBLIC}:")
    assert TIER_NAME.search('{% if name == "Leadership Alliance" %}')
    assert TIER_NAME.search('user.has_perm("members.read_strategic_circle")')
    assert not TIER_NAME.search(AUDIENCE_MEMBER.sub("", "tier=Audience.STRATEGIC_CIRCLE,"))
