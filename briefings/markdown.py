"""Markdown to safe HTML: CommonMark through markdown-it-py, then sanitised by nh3."""

import re
import secrets
from collections.abc import Mapping

import nh3
from markdown_it import MarkdownIt

from briefings.images import markup
from briefings.images.models import Image

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
    "table"
)

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "em", "h3", "h4", "h5", "h6", "hr", "i",
    "li", "ol", "p", "pre", "strong", "sub", "sup", "table", "tbody", "td", "th", "thead",
    "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "th": {"align"}, "td": {"align"}}


# Built once: nh3.clean() would build the same sanitiser again for every text, which
# costs several times the cleaning itself (imports render thousands of texts).
_cleaner = nh3.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    url_schemes={"http", "https", "mailto"},
    link_rel="noopener noreferrer nofollow",
)

# Plain prose is text that markdown-it can only turn into paragraphs. Anything else takes
# the full parser, which is always right, so these are deliberately broader than Markdown
# needs. Not prose: a character that starts inline syntax (emphasis, code, links, images,
# autolinks, entities, escapes) or a table; a control character, or whitespace other than
# space, tab and newline (markdown-it and Python disagree on which of those to strip)...
_NOT_PROSE_CHAR = re.compile(
    "[*_`\\[\\]<>#|!&\\\\~"
    "\x00-\x08\x0b-\x1f\x7f-\xa0\u1680\u2000-\u200b\u2028\u2029\u202f\u205f\u3000\ufeff]"
)
# ...a line that starts with a tab, indented code, a list, heading-underline or fence
# marker...
_NOT_PROSE_LINE = re.compile(r" {0,3}(?:\t|[-+=:]|\d+[.)])| {4,}[^ \n]")
# ...or a line break after two spaces (a hard break) or a tab.
_HARD_BREAK = re.compile(r"[^ \n] {2,}\n")
_BLANK_LINE = re.compile(r"\n[ \t]*\n")
_LINE_BREAK = re.compile(r" ?\n[ \t]*")


# A library image placed in text: ![optional alt text](image:its-slug).
IMAGE_SCHEME = "image:"


def _render_image(self, tokens, idx, options, env):
    """
    A library image becomes a marker that the sanitiser keeps as text; `_placed` puts
    the image's HTML (ours, not the editor's) in its place after cleaning. The marker
    carries a random value per rendering, so text cannot forge one. Any other image
    Markdown renders as markdown-it would, and the sanitiser drops it (no <img> allowed).
    """
    token = tokens[idx]
    src = token.attrGet("src") or ""
    if not src.startswith(IMAGE_SCHEME):
        return self.image(tokens, idx, options, env)
    placed = env.setdefault("placed", [])
    alt = self.renderInlineAsText(token.children or [], options, env).strip()
    placed.append((src.removeprefix(IMAGE_SCHEME), alt))
    return f"\ue000{env['marker']}:{len(placed) - 1}\ue001"


_md.add_render_rule("image", _render_image)


def render_markdown(text: str, *, images: Mapping[str, Image] | None = None) -> str:
    """
    Render editor Markdown to HTML that cannot carry a script, a style or a frame.
    `images` (slug to library image) are the images the text may place; a reference to
    any other is left out (section forms and the importer refuse such text first).
    """
    text = text or ""
    # Plain prose is the bulk of every import: it gets the same HTML markdown-it and nh3
    # would make, without parsing for syntax that is not there (tests/briefings/
    # test_markdown.py). Paragraphs of such text are all nh3 would see, and it writes them
    # back as they are, but for the quotes markdown-it escapes (text needs none): so they
    # skip the sanitiser too, which had taken half of a prose section's rendering.
    if is_plain_prose(text):
        return _render_prose(text).replace("&quot;", '"').strip()
    env = {"marker": secrets.token_hex(8)}
    html = _cleaner.clean(_md.render(text, env)).strip()
    if env.get("placed"):
        html = _placed(html, env, images or {})
    return html


def _placed(html: str, env: dict, images: Mapping[str, Image]) -> str:
    """The markers of placed images replaced by their HTML: a paragraph of one, a figure."""
    marker = re.escape(env["marker"])

    def figure(match):
        slug, alt = env["placed"][int(match.group(1))]
        image = images.get(slug)
        return markup.figure(image, alt=alt) if image is not None else ""

    def inline(match):
        slug, alt = env["placed"][int(match.group(1))]
        image = images.get(slug)
        return markup.picture(image, placement="section", alt=alt) if image is not None else ""

    html = re.sub(f"<p>\ue000{marker}:(\\d+)\ue001</p>", figure, html)
    return re.sub(f"\ue000{marker}:(\\d+)\ue001", inline, html)


def is_plain_prose(text: str) -> bool:
    if _NOT_PROSE_CHAR.search(text) or "\t\n" in text:
        return False
    if "  \n" in text and _HARD_BREAK.search(text):
        return False
    return not any(_NOT_PROSE_LINE.match(line) for line in text.split("\n"))


def _render_prose(text: str) -> str:
    """Paragraphs between blank lines; inside one, line breaks stay, their spaces go."""
    text = text.replace('"', "&quot;")
    if "\n" not in text:
        text = text.strip(" \t")
        return f"<p>{text}</p>\n" if text else ""
    blocks = (part.strip(" \t\n") for part in _BLANK_LINE.split(text))
    return "".join(f"<p>{_LINE_BREAK.sub('\n', block)}</p>\n" for block in blocks if block)
