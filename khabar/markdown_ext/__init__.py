"""Khabar's own work on article bodies, as Python-Markdown extensions.

Each one works on the element tree, before the HTML is serialised and cleaned (markup.py):
what it decides is decided on elements and their text, not by patterns over HTML. Each
is a `PageExtension`, told the page's direction before every render, because one
`markdown.Markdown` instance renders the pages of every language of a worker process.
"""

from .base import PageExtension, visible_text
from .direction import DirectionExtension
from .heading_ids import HeadingIdsExtension
from .table_align import TableAlignExtension

__all__ = ["DirectionExtension", "HeadingIdsExtension", "PageExtension", "TableAlignExtension",
           "visible_text"]
