"""
render_markdown: plain prose skips markdown-it, and must come out byte for byte as if it
had not. Every check compares with markdown-it then nh3, called directly.
"""

import random
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it.common.utils import MD_TRIM_CHARS

from briefings import markdown
from briefings.markdown import is_plain_prose, render_markdown


def through_markdown_it(text):
    return markdown._cleaner.clean(markdown._md.render(text)).strip()


def assert_same(text):
    assert render_markdown(text) == through_markdown_it(text)
    if is_plain_prose(text):
        # The HTML before cleaning is markdown-it's too, not only what nh3 makes of it.
        assert markdown._render_prose(text) == markdown._md.render(text)


# Texts the fast path takes, chosen for the places where markdown-it does something to
# plain text: blank lines, spaces around line breaks, quotes, tabs inside a line.
PROSE = [
    "",
    "One sentence.",
    "Two sentences. On one line.",
    "A line\nand the next line",
    "Trailing space \nbefore a line break",
    "Leading spaces\n   on the next line",
    "  Up to three leading spaces start the text",
    "Paragraph one.\n\nParagraph two.",
    "Many blank lines\n\n\n\n\nbetween",
    "Blank lines with a space\n \nin them",
    "\n\nLeading and trailing blank lines\n\n",
    "   \n  Blank-ish start",
    'He said "quoted" and it\'s fine',
    "A tab\tinside a line",
    "A tab and a space\t \nat the end of a line",
    "Unicode prose — dashes, “curly quotes”, café, 東京, emoji 🚀",
    "Numbers 2024 and 3.5 percent, 10) inside a line",
    "Hyphen-ated words and a - dash inside",
    "Colons: semi; commas, question? (parentheses) {braces} $5 @user %50 ^caret",
    "Ends with a single space ",
    "Ends with two spaces, after the last line break  ",
    "Ends with a tab\t",
    "Blank lines of spaces\n    \n  \nin between",
    "a\n b\n  c\n   d",
    "x",
]

# Texts with Markdown, or with characters where markdown-it and a simple split disagree:
# they must take markdown-it (and so agree with it trivially) or agree anyway.
NOT_PROSE = [
    "*emphasis*",
    "_underscore_",
    "`code`",
    "[link](https://example.org)",
    "![image](https://example.org/a.png)",
    "<https://example.org>",
    "<b>html</b>",
    "Tom &amp; Jerry",
    "&copy; and &#169;",
    "AT&T",
    "back\\slash",
    "# Heading",
    "a | b\n--|--\nc | d",
    "- item\n- item",
    "+ item",
    "* item",
    "1. first\n2. second",
    "1) first",
    "Paragraph\n2. not a list in CommonMark",
    "Paragraph\n1. a list that interrupts",
    "Title\n===",
    "Title\n---",
    "   ---",
    "    indented code",
    "\tindented code",
    "Paragraph\n    lazy continuation",
    "Hard break  \nhere",
    "Hard break with three   \nspaces",
    "Two spaces before a blank line  \n\nare not a hard break but look like one",
    "Hard break after a tab\t  \nhere",
    "Blank line with a tab\n \t\nin it",
    "Tab at the end\t\nof a line",
    "> quote",
    "~~~\nfence\n~~~",
    "~~strike~~",
    "term\n: definition",
    "carriage\rreturn",
    "windows\r\nline ending",
    "null\x00byte",
    "form\x0cfeed",
    "vertical\x0btab",
    "no-break\xa0space",
    "next line\x85char",
    "line\u2028separator",
    "em\u2003space",
    "zero\u200bwidth",
    "bom\ufeffinside",
    "group\x1dseparator",
    "bang!",
]


@pytest.mark.parametrize("text", PROSE)
def test_prose_takes_the_fast_path_and_matches_markdown_it(text):
    assert is_plain_prose(text)
    assert_same(text)


@pytest.mark.parametrize("text", NOT_PROSE)
def test_markdown_and_odd_characters_take_markdown_it(text):
    assert not is_plain_prose(text)
    assert_same(text)


def test_every_whitespace_but_space_tab_and_newline_takes_markdown_it():
    """Python's strip() and CommonMark's trim disagree on some of these; none is prose."""
    odd = {chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()} | set(MD_TRIM_CHARS)
    for char in sorted(odd - {" ", "\t", "\n"}):
        text = f"a{char}b\n{char}\n\nc{char}"
        assert not is_plain_prose(text), repr(char)
        assert_same(text)


PIECES = [
    "word", "Word", "data", "centre", "x", "2024", "3.5", "10", "1.", "2)", "-", "+", "=",
    ":", ";", ",", ".", "?", "(", ")", "'", '"', "“", "”", "—", "é", "東", "&amp;", "&",
    "&#169;", "&nbsp", "*", "_", "`", "[", "]", "<", ">", "#", "|", "!", "\\", "~",
    " ", " ", " ", "  ", "   ", "    ", "\t", "\n", "\n", "\n", "\n\n", "\n \n", "\n\t\n",
    "\r", "\xa0", "\x0c",
]  # fmt: skip
# Prose only: most of what this makes takes the fast path.
PROSE_PIECES = [
    "word", "Word", "data", "centre", "in 2024", "by 3.5", ",", ".", "?", ";", "'", '"', "—",
    "long-term", "(", ")", "a\tb", " ", " ", " ", " ", "  ", "   ", "\n", "\n", "\n\n",
    "\n \n", "\n   ", " \n", "\n\n\n", "\n    \n",
]  # fmt: skip


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=40).map("".join))
def test_any_mix_of_markdown_and_prose_matches_markdown_it(text):
    assert_same(text)


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(PROSE_PIECES), max_size=60).map("".join))
def test_any_prose_matches_markdown_it(text):
    assert_same(text)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_any_text_matches_markdown_it(text):
    assert_same(text)


def test_random_prose_mostly_takes_the_fast_path_and_always_matches():
    rng = random.Random(20261120)
    fast = 0
    for _ in range(3000):
        pieces = PROSE_PIECES if rng.random() < 0.7 else PIECES
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 50)))
        fast += is_plain_prose(text)
        assert_same(text)
    # Otherwise the comparisons above would say little about the fast path.
    assert fast > 1000
