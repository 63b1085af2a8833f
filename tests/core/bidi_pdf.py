"""Where a PDF's glyphs landed on the page, to prove the direction text was laid out in.

The text layer's order is the producer's, not what a reader sees, so nothing here trusts it:
each line is rebuilt from the glyphs' boxes, left to right as printed, and a word is found in
that visual string either as written (it reads left to right) or reversed (it reads right to
left).
"""

from __future__ import annotations

from dataclasses import dataclass

import pypdfium2 as pdfium


@dataclass(frozen=True)
class Glyph:
    char: str
    left: float
    right: float
    baseline: float  # the bottom of the line box: the same for every glyph of a line


@dataclass(frozen=True)
class Line:
    glyphs: tuple[Glyph, ...]  # left to right as printed
    page_width: float

    @property
    def visual(self) -> str:
        return "".join(g.char for g in self.glyphs)

    @property
    def left(self) -> float:
        return min(g.left for g in self.glyphs if not g.char.isspace())

    @property
    def right(self) -> float:
        return max(g.right for g in self.glyphs if not g.char.isspace())

    def word(self, word: str) -> Placed:
        """Where `word` is printed on this line and which way it reads; AssertionError if absent
        (a word printed neither forwards nor backwards is mangled, which is a failure too)."""
        forwards, backwards = self.visual.find(word), self.visual.find(word[::-1])
        assert forwards >= 0 or backwards >= 0, f"{word!r} not on the line {self.visual!r}"
        start = forwards if forwards >= 0 else backwards
        glyphs = self.glyphs[start : start + len(word)]
        reads = "ltr" if forwards >= 0 else "rtl"
        if len(word) == 1 or word == word[::-1]:
            reads = "either"
        return Placed(word, glyphs[0].left, glyphs[-1].right, reads)


@dataclass(frozen=True)
class Placed:
    word: str
    left: float
    right: float
    reads: str  # "ltr" or "rtl" (or "either" for a palindrome)


def lines(pdf: bytes) -> list[Line]:
    """Every printed line of every page, glyphs sorted left to right."""
    out = []
    for page in pdfium.PdfDocument(pdf):
        width = page.get_width()
        text = page.get_textpage()
        rows: dict[float, list[Glyph]] = {}
        for i in range(text.count_chars()):
            char = text.get_text_range(i, 1)
            if char in ("\r", "\n", ""):
                continue
            left, bottom, right, _top = text.get_charbox(i, loose=True)
            rows.setdefault(round(bottom, 1), []).append(Glyph(char, left, right, bottom))
        for _, glyphs in sorted(rows.items(), reverse=True):
            out.append(Line(tuple(sorted(glyphs, key=lambda g: (g.left + g.right) / 2)), width))
    return out


def line_with(pdf: bytes, *words: str) -> Line:
    """The one printed line holding every word (as written or reversed)."""
    found = [
        line
        for line in lines(pdf)
        if all(w in line.visual or w[::-1] in line.visual for w in words)
    ]
    assert found, f"no line holds {words!r}"
    return found[0]
