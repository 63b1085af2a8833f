"""What every list page shares: sorting by a column from a whitelist (`?sort=&dir=`), with the
id as the tie-breaker so that an order is stable from page to page, and page numbers with the
total ("1–50 of 219"), honest when the count stopped early ("of more than 10000").

The JSON API keeps its own paging (limit and offset, unchanged); these are the pages' links.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import ColumnElement, case

from vigil.core.errors import Invalid

ASCENDING, DESCENDING = "asc", "desc"
# Page links either side of the current page.
PAGE_WINDOW = 2
MAX_PAGE = 100_000


def ranked(column: Any, order: Sequence[str]) -> ColumnElement[int]:
    """A code column ordered as its vocabulary is (a lifecycle, TLP from loosest to strictest),
    not alphabetically; codes outside the vocabulary come last."""
    return case({code: n for n, code in enumerate(order)}, value=column, else_=len(order))


@dataclass(frozen=True)
class Sort:
    column: str
    descending: bool

    @property
    def direction(self) -> str:
        return DESCENDING if self.descending else ASCENDING


@dataclass(frozen=True)
class Sorting:
    """The columns a list may be sorted by, each as the SQL expressions it orders by; `tie`
    (the id) ends every order so that equal values keep one order across pages."""

    columns: Mapping[str, Callable[[], Sequence[Any]]]
    default: Sort
    tie: Callable[[], Any]

    def parse(self, column: str, direction: str) -> tuple[Sort, Invalid | None]:
        """The sort asked for, or the default and the problem with what was asked: the page
        answers 422 and still shows the list in its usual order."""
        if not column and not direction:
            return self.default, None
        if column and column not in self.columns:
            problem = Invalid(
                "sort", "sort by one of: %(columns)s", columns=", ".join(self.columns)
            )
            return self.default, problem
        if direction and direction not in (ASCENDING, DESCENDING):
            return self.default, Invalid("dir", "the direction is asc or desc")
        chosen = column or self.default.column
        if direction:
            return Sort(chosen, direction == DESCENDING), None
        return self.natural(chosen), None

    def natural(self, column: str) -> Sort:
        """The order a column is first sorted in: the default's direction for the default
        column (newest first), ascending for the others."""
        return Sort(column, self.default.descending if column == self.default.column else False)

    def order_by(self, sort: Sort) -> list[Any]:
        exprs = [*self.columns[sort.column](), self.tie()]
        return [e.desc() if sort.descending else e.asc() for e in exprs]


@dataclass(frozen=True)
class Pages:
    """Where a page is in the whole list: its rows' positions, the total (exact or a lower
    bound), and the page numbers to link."""

    page: int
    size: int
    shown: int
    total: int
    total_exact: bool = True

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.size

    @property
    def first(self) -> int:
        return self.offset + 1 if self.shown else 0

    @property
    def last(self) -> int:
        return self.offset + self.shown

    @property
    def last_page(self) -> int | None:
        """None when the total is only a lower bound: the last page is not known."""
        if not self.total_exact:
            return None
        return max(1, -(-self.total // self.size))

    @property
    def has_next(self) -> bool:
        return self.last < self.total or not self.total_exact

    @property
    def numbers(self) -> list[int]:
        top = self.last_page if self.last_page is not None else self.page + PAGE_WINDOW
        low = max(1, self.page - PAGE_WINDOW)
        return list(range(low, min(top, self.page + PAGE_WINDOW) + 1))


@dataclass
class ListState:
    """A list page as its links need it: the path, its filters as given, the sort and the
    page; `url()` changes one of them and keeps the rest."""

    path: str
    filters: list[tuple[str, str]]
    sorting: Sorting
    sort: Sort
    pages: Pages | None = None
    remembered: bool = False
    saved: list[Any] = field(default_factory=list)
    name: str = ""

    def _sort_params(self, sort: Sort) -> list[tuple[str, str]]:
        if sort == self.sorting.default:
            return []
        return [("sort", sort.column), ("dir", sort.direction)]

    @property
    def query(self) -> str:
        """The filters and the sort: what a saved filter keeps and the filters remember."""
        return urlencode(self.filters + self._sort_params(self.sort))

    def url(self, *, page: int | None = None, sort: str | None = None) -> str:
        chosen = self.sort
        if sort is not None:
            again = sort == self.sort.column
            chosen = Sort(sort, not self.sort.descending) if again else self.sorting.natural(sort)
        params = self.filters + self._sort_params(chosen)
        if page is not None and page > 1:
            params.append(("page", str(page)))
        return f"{self.path}?{urlencode(params)}" if params else self.path

    def aria_sort(self, column: str) -> str:
        if column != self.sort.column:
            return ""
        return "descending" if self.sort.descending else "ascending"
