"""The text of search documents and snippets: cleaning, the simple query syntax, highlighting."""

import html
import re
import shlex

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# Private-use characters mark highlights inside PostgreSQL's headline: they cannot come
# from the text (stripped when documents are built), so the snippet can be HTML-escaped
# as a whole and only these marks turned into <mark> elements afterwards.
MARK_START = "\ue000"
MARK_STOP = "\ue001"

_UNSAFE_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ue000\ue001]")
# Tags of the sanitised HTML that briefings.markdown produces (quoted attribute values may
# hold ">"). Block elements end in newlines there, so dropping tags keeps words apart.
_TAG = re.compile(r"""<(?:[^>"']|"[^"]*"|'[^']*')*>""")
# Runs of spaces and tabs that tidying changes: a lone space, the usual gap between
# words, is left alone rather than replaced by itself (several times faster on prose).
_SPACES = re.compile(r"\t[ \t]*| [ \t]+")


def plain_text(value: str) -> str:
    """The text of rendered (sanitised) HTML, for search documents and snippets."""
    return clean_text(html.unescape(_TAG.sub("", value or "")))


def clean_text(value: str) -> str:
    """Plain text without control characters or the highlight marks, spaces tidied."""
    text = value or ""
    # Searching first: most text has nothing to replace, and a search is quicker than sub.
    if _UNSAFE_CHARS.search(text):
        text = _UNSAFE_CHARS.sub(" ", text)
    return "\n".join(
        (_SPACES.sub(" ", line) if "\t" in line or "  " in line else line).strip()
        for line in text.splitlines()
        if line.strip()
    )


def simple_terms(text: str) -> tuple[list[str], list[str]]:
    """Words and quoted phrases to find, and -words to leave out (SQLite's simple syntax)."""
    try:
        tokens = shlex.split(text)
    except ValueError:  # an unclosed quote: search the words as they are
        tokens = text.replace('"', " ").split()
    wanted, unwanted = [], []
    for token in tokens:
        if token.upper() == "OR":
            continue
        if token.startswith("-"):
            if token.strip("-"):
                unwanted.append(token.lstrip("-"))
        elif token:
            wanted.append(token)
    return wanted, unwanted


def highlight(snippet: str, text: str = "") -> SafeString:
    """
    The snippet as HTML: everything escaped, then the highlight marks turned into <mark>.
    Without marks (SQLite), cut a window around the first searched word and mark it.
    """
    snippet = snippet or ""
    if MARK_START not in snippet and text:
        snippet = _window(snippet, text)
    # Parts of the document are kept on their own lines; a snippet runs them together.
    escaped = escape(" · ".join(line.strip() for line in snippet.splitlines() if line.strip()))
    return mark_safe(  # noqa: S308 - every character of the text was escaped above
        escaped.replace(MARK_START, "<mark>").replace(MARK_STOP, "</mark>")
    )


def _window(body: str, text: str, width: int = 220) -> str:
    wanted, _ = simple_terms(text)
    lowered = body.lower()
    hits = [(lowered.find(term.lower()), term) for term in wanted]
    hits = [(at, term) for at, term in hits if at >= 0]
    if not hits:
        end = _word_end(body, width)
        return body[:end].rstrip() + (" …" if end < len(body) else "")
    at, _ = min(hits)
    start = _word_start(body, max(0, at - width // 3), at)
    end = _word_end(body, min(len(body), start + width))
    excerpt = body[start:end].strip()
    pattern = "|".join(re.escape(word) for word in sorted(wanted, key=len, reverse=True))
    marked = re.sub(pattern, lambda m: f"{MARK_START}{m.group(0)}{MARK_STOP}", excerpt, flags=re.I)
    return ("… " if start else "") + marked + (" …" if end < len(body) else "")


def _word_start(body: str, start: int, limit: int) -> int:
    """`start`, or past the piece of a word it cuts through (never past `limit`)."""
    if start == 0 or body[start - 1].isspace():
        return start
    space = next((i for i in range(start, limit) if body[i].isspace()), None)
    return limit if space is None else space + 1


def _word_end(body: str, end: int) -> int:
    """`end`, or back before the piece of a word it cuts through."""
    if end >= len(body) or body[end].isspace():
        return end
    space = body.rfind(" ", 0, end)
    return end if space <= 0 else space
