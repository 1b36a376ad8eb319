"""Long lists in pages: five years of a village's records are never rendered at once.

A view asks for ``page_of(total)`` (the page number comes from ``?page=``), queries
``.offset(page.offset).limit(page.size)``, and passes the page to the template, which ends the list
with ``pager(page)`` from macros.html: touch-sized links to the previous and next pages that keep
the request's other arguments (a filter, a search)."""
from __future__ import annotations

from dataclasses import dataclass

from flask import request, url_for

from .forms import parse_int

PER_PAGE = 50


@dataclass(frozen=True)
class Page:
    number: int  # from 1
    size: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size

    @property
    def first(self) -> int:
        """The position (from 1) of the page's first row, for "51-100 of 600"."""
        return min(self.offset + 1, self.total)

    @property
    def last(self) -> int:
        return min(self.offset + self.size, self.total)

    @property
    def previous(self) -> int | None:
        return self.number - 1 if self.number > 1 else None

    @property
    def next(self) -> int | None:
        return self.number + 1 if self.number < self.pages else None

    def url(self, number: int) -> str:
        args = dict(request.args)
        args.pop("page", None)
        if number > 1:
            args["page"] = number
        return url_for(request.endpoint, **(request.view_args or {}), **args)


def page_of(total: int, size: int = PER_PAGE) -> Page:
    """The page ``?page=`` asks for, within the pages ``total`` rows make (a bad number: the first)."""
    try:
        number = parse_int(request.args.get("page")) or 1
    except ValueError:
        number = 1
    page = Page(1, size, total)
    return Page(min(max(number, 1), page.pages), size, total)
