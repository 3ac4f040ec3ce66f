"""The main text of an HTML page (an article without its menus, scripts and footers), and the
decoding of an HTML file's bytes, for `supplyscreen scan`."""

from __future__ import annotations

import codecs
import re
from typing import Any

from supplyscreen.io.encoding import SAMPLE_BYTES, detect_bytes_encoding
from supplyscreen.io.errors import InputError
from supplyscreen.scan.model import NOT_SUPPORTED, UnsupportedDocument
from supplyscreen.scan.source import HEAD_BYTES

# --- HTML -----------------------------------------------------------------------------------------

_META_CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
# What browsers read these declared charsets as (WHATWG Encoding): supersets, never a narrower codec.
_CHARSET_ALIASES = {"gb2312": "gb18030", "gbk": "gb18030", "iso8859_1": "cp1252", "ascii": "cp1252"}
_DROPPED = frozenset(
    "script style noscript nav aside svg template iframe object head select datalist textarea".split()
)
_BLOCKS = frozenset(
    {
        "address", "article", "blockquote", "body", "br", "caption", "center", "dd", "details",
        "dialog", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1",
        "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "hr", "html", "legend", "li", "main",
        "menu", "ol", "option", "p", "pre", "section", "summary", "table", "tbody", "td", "tfoot",
        "th", "thead", "title", "tr", "ul",
    }
)  # fmt: skip
# A <form> holding these is the page itself (ASP.NET wraps whole pages in one), not a search box.
_PAGE_IN_FORM = "article, main, p, h1, h2, h3, table"
# Inside these a <header> or <footer> is the article's (headline, byline), not the site's.
_CONTENT = ("article", "main")
_SPACES = re.compile(r"[^\S\n]+")
WHITESPACE = re.compile(r"\s+")


def decode_html(raw: bytes, display: str) -> str:
    """An HTML file's text: by its BOM, else its ``<meta charset>``, else the encoding detection."""
    for bom, codec in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if raw.startswith(bom):
            return raw.decode(codec, errors="replace")
    match = _META_CHARSET.search(raw[:HEAD_BYTES])
    if match is not None:
        try:
            codec = codecs.lookup(match.group(1).decode("ascii")).name.replace("-", "_")
        except LookupError:
            codec = ""
        if codec.startswith("utf_16") or codec.startswith("utf_32"):
            codec = "utf_8"  # a page that reached us as bytes with no BOM is not UTF-16 (WHATWG)
        if codec:
            try:  # a page that does not decode in its declared charset is read as detected
                return raw.decode(_CHARSET_ALIASES.get(codec, codec))
            except UnicodeDecodeError:
                pass
    try:
        codec = detect_bytes_encoding(raw[:SAMPLE_BYTES], len(raw) <= SAMPLE_BYTES, display)
    except InputError as exc:
        raise UnsupportedDocument(display, NOT_SUPPORTED) from exc
    return raw.decode(codec, errors="replace")


def html_text(html: str) -> tuple[str, str]:
    """(the main text, the title) of an HTML page.

    The main text is that of the page's ``<article>`` (its several top-level ones on a listing
    page), else its ``<main>``, else its ``<body>`` (also when the article holds less than a fifth
    of the body's text: then it is a teaser, not the page). Scripts, styles, navigation, asides,
    forms (unless the page is inside one), and the page's header and footer are left out; those of
    an article or of ``<main>`` are kept (its headline, its byline). Each block (paragraph,
    heading, list item, table cell, ``<br>`` ...) is a line, spaces within a line are collapsed and
    empty lines dropped; ``<pre>`` keeps its line breaks. The title is the ``<title>``, else the
    ``og:title``."""
    from selectolax.lexbor import LexborHTMLParser

    tree = LexborHTMLParser(html)
    title = ""
    node = tree.css_first("title")
    if node is not None:
        title = WHITESPACE.sub(" ", node.text(deep=True)).strip()
    if not title:
        node = tree.css_first('meta[property="og:title"]')
        if node is not None:
            title = WHITESPACE.sub(" ", node.attributes.get("content") or "").strip()
    body = tree.body or tree.root
    if body is None:
        return "", title
    body_text = _node_text(body)
    articles = [node for node in tree.css("article") if not _inside(node, "article")]
    main = tree.css_first("main")
    text = ""
    if articles:
        text = "\n".join(_node_text(node) for node in articles)
    elif main is not None:
        text = _node_text(main)
    if len(text) * 5 < len(body_text):
        text = body_text
    return text, title


def _inside(node: Any, tag: str) -> bool:
    parent = node.parent
    while parent is not None:
        if parent.tag == tag:
            return True
        parent = parent.parent
    return False


def _node_text(root: Any) -> str:
    """The text of ``root`` as ``html_text`` describes it (iterative: any nesting depth)."""
    pieces: list[str] = []
    in_content = 1 if root.tag in _CONTENT or any(_inside(root, tag) for tag in _CONTENT) else 0
    in_pre = 0
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, leaving = stack.pop()
        tag = node.tag
        if leaving:
            if tag in _BLOCKS:
                pieces.append("\n")
            if tag == "pre":
                in_pre -= 1
            elif tag in _CONTENT:
                in_content -= 1
            continue
        if node.is_text_node:
            text = node.text_content or ""
            pieces.append(text if in_pre else WHITESPACE.sub(" ", text))
            continue
        if not node.is_element_node or tag in _DROPPED:
            continue
        if tag in ("header", "footer") and not in_content and node is not root:
            continue
        if tag == "form" and node is not root and node.css_first(_PAGE_IN_FORM) is None:
            continue
        if tag in _BLOCKS:
            pieces.append("\n")
        if tag == "pre":
            in_pre += 1
        elif tag in _CONTENT:
            in_content += 1
        stack.append((node, True))
        children = []
        child = node.child
        while child is not None:
            children.append(child)
            child = child.next
        stack.extend((child, False) for child in reversed(children))
    lines = (_SPACES.sub(" ", line).strip() for line in "".join(pieces).replace("\r", "").split("\n"))
    return "\n".join(line for line in lines if line)
