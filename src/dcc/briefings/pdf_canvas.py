"""The page the PDF reports are drawn on (fpdf2): TLP banners, fonts, tables, charts.

Every page carries the report's TLP label at the top and at the bottom, right-aligned, in
FIRST's colour on black (TLP 2.0). Text is drawn in a TrueType font found on the system
(DejaVu Sans, else Noto Sans) so that Indonesian and most other scripts print; without one,
or with `unicode_font=False`, in the PDF core font Helvetica, whose Windows-1252 encoding
cannot hold most of Unicode. Either way each character the font lacks is replaced (an
accented letter by its base letter, anything else by "?" or U+FFFD) before fpdf2 sees it:
a comment in any script or with emoji prints readably, never raises.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Final

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import TTFFont

from dcc.briefings.report_charts import Chart, Label, Line, Rect
from dcc.briefings.report_marking import BACKGROUND, tlp_colour, tlp_label
from dcc.briefings.report_text import Text

FONT_DIRS: Final = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu"),
    Path("/usr/share/fonts/TTF"),
    Path("/usr/share/fonts/truetype/ttf-dejavu"),
    Path("/usr/local/share/fonts"),
    Path("/usr/local/share/fonts/dejavu"),
    Path("/usr/share/fonts/truetype/noto"),
    Path("/usr/share/fonts/noto"),
    Path("/Library/Fonts"),
)
# (regular, bold) file names, preferred first.
FONT_FILES: Final = (
    ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"),
    ("NotoSans-Regular.ttf", "NotoSans-Bold.ttf"),
)
_FONT_MAGIC: Final = (b"\x00\x01\x00\x00", b"true", b"OTTO")
CORE_FONT: Final = "helvetica"
CORE_ENCODING: Final = "windows-1252"  # fpdf2 writes core fonts as WinAnsiEncoding
MM_PER_PT: Final = 25.4 / 72
LINE: Final = 4.6  # mm, body text line height at 9.5 pt
_CONTROL: Final = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\ufeff]")
# Readable ASCII for the characters Windows-1252 lacks that reports often hold.
_ASCII: Final = {
    "\u2010": "-",
    "\u2011": "-",
    "\u2012": "-",
    "\u2015": "-",
    "\u2212": "-",
    "\u2032": "'",
    "\u2033": '"',
    "\u2039": "<",
    "\u203a": ">",
    "\u2192": "->",
    "\u2190": "<-",
    "\u2264": "<=",
    "\u2265": ">=",
    "\u00a0": " ",
    "\u2009": " ",
    "\u202f": " ",
}


@dataclass(frozen=True, slots=True)
class FontFiles:
    regular: Path
    bold: Path


@functools.cache
def find_unicode_font() -> FontFiles | None:
    """A TrueType sans-serif installed in one of FONT_DIRS, or None (nothing is shipped or
    downloaded: the PDF then falls back to Helvetica)."""
    for regular_name, bold_name in FONT_FILES:
        for folder in FONT_DIRS:
            regular = folder / regular_name
            if regular.is_file():
                bold = folder / bold_name
                return FontFiles(regular, bold if bold.is_file() else regular)
    return None


def _is_truetype(path: Path) -> bool:
    """Whether `path` starts like a TrueType or OpenType font (checked before fontTools
    opens it: on a file that is not one it raises and leaves the file open)."""
    try:
        with path.open("rb") as font:
            return font.read(4) in _FONT_MAGIC
    except OSError:
        return False


class ReportPdf(FPDF):
    """An A4 report page with the TLP label in its header and footer; use it in a `with`
    block, which closes the font files."""

    def __init__(
        self,
        *,
        tlp: str,
        title: str,
        text: Text,
        created: datetime,
        unicode_font: bool = True,
        compress: bool = True,
    ) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.words = text
        self.tlp = tlp
        self._fixed: dict[str, str] = {}
        self._widths: dict[tuple[str, str, float, str], float] = {}
        fonts = find_unicode_font() if unicode_font else None
        self._glyphs = self._load_fonts(fonts) if fonts is not None else None
        self.is_unicode = self._glyphs is not None
        self.face = "dcc" if self.is_unicode else CORE_FONT
        if not self.is_unicode:
            self.core_fonts_encoding = CORE_ENCODING
        self.set_compression(compress)
        self.set_creation_date(created)
        self.set_creator("DCC")
        self.set_title(self.clean(title))
        self._running_title = self.clean(title)
        self._header_title: str | None = None
        self.set_margins(15, 24, 15)
        self.set_auto_page_break(True, margin=20)
        self.alias_nb_pages()
        self.table_header: tuple[Sequence[str], Sequence[float]] | None = None

    def _load_fonts(self, fonts: FontFiles) -> frozenset[int] | None:
        """Register the TrueType pair as "dcc"; the code points both styles can draw, or
        None when a file cannot be read (the report then falls back to Helvetica)."""
        if not (_is_truetype(fonts.regular) and _is_truetype(fonts.bold)):
            return None
        try:
            self.add_font("dcc", "", str(fonts.regular))
            self.add_font("dcc", "B", str(fonts.bold))
        except Exception:  # a broken font file (fontTools raises many kinds) must not stop a report
            return None
        regular, bold = self.fonts["dcc"], self.fonts["dccB"]
        if not isinstance(regular, TTFFont) or not isinstance(bold, TTFFont):
            return None
        return frozenset((set(regular.cmap) & set(bold.cmap)) | {ord("\n")})

    def __enter__(self) -> ReportPdf:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        # fpdf2 reads TrueType files lazily and never closes them.
        for font in self.fonts.values():
            if isinstance(font, TTFFont):
                font.close()

    def to_bytes(self) -> bytes:
        """The finished document."""
        return bytes(self.output())

    # --- text ---------------------------------------------------------------------------------

    def clean(self, text: str) -> str:
        """`text` with every character the font lacks replaced (module docstring)."""
        text = _CONTROL.sub("", text.replace("\t", " ").replace("\r\n", "\n").replace("\r", "\n"))
        if self._glyphs is not None:
            if self._glyphs.issuperset(map(ord, text)):
                return text
        else:
            try:
                text.encode(CORE_ENCODING)
            except UnicodeEncodeError:
                pass
            else:
                return text
        return "".join(self._fix(ch) for ch in text)

    def _has(self, ch: str) -> bool:
        if ch == "\n":
            return True
        if self._glyphs is not None:
            return ord(ch) in self._glyphs
        try:
            ch.encode(CORE_ENCODING)
        except UnicodeEncodeError:
            return False
        return True

    def _fix(self, ch: str) -> str:
        if self._has(ch):
            return ch
        cached = self._fixed.get(ch)
        if cached is not None:
            return cached
        base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
        if base and all(self._has(c) for c in base):
            fixed = base
        elif ch in _ASCII:
            fixed = _ASCII[ch]
        elif self._glyphs is not None and 0xFFFD in self._glyphs:
            fixed = "\ufffd"
        else:
            fixed = "?"
        self._fixed[ch] = fixed
        return fixed

    def use(self, size: float, *, bold: bool = False, colour: str = "#212121") -> None:
        self.set_font(self.face, "B" if bold else "", size)
        self.set_text_color(colour)

    # --- page furniture -----------------------------------------------------------------------

    def header(self) -> None:
        self._banner(7.0)
        self.use(8, colour="#616161")
        self.set_xy(self.l_margin, 8.5)
        if self._header_title is None:
            self._header_title = self._clip(self._running_title, self.epw - 45)
        self.cell(self.epw - 40, 5, self._header_title)
        self.set_xy(self.l_margin, self.t_margin)

    def footer(self) -> None:
        self._banner(self.h - 13.0)
        self.use(8, colour="#616161")
        self.set_xy(self.l_margin, self.h - 11.5)
        self.cell(60, 5, self.words("page", page=self.page_no(), pages="{nb}"))

    def _banner(self, y: float) -> None:
        label = tlp_label(self.tlp)
        self.set_font(self.face, "B", 12)
        width = self.get_string_width(label) + 5
        self.set_fill_color(BACKGROUND)
        self.set_text_color(tlp_colour(self.tlp))
        self.set_xy(self.w - self.r_margin - width, y)
        self.cell(width, 7, label, align="C", fill=True)

    def _clip(self, text: str, width: float) -> str:
        if self.get_string_width(text) <= width:
            return text
        ellipsis = "..." if not self._has("…") else "…"
        while text and self.get_string_width(text + ellipsis) > width:
            text = text[:-1]
        return text + ellipsis

    # --- blocks -------------------------------------------------------------------------------

    def heading(self, text: str, *, size: float = 12.5) -> None:
        """A section heading, moved to the next page when too little room is left under it."""
        if self.get_y() + 22 > self.page_break_trigger:
            self.add_page()
        self.ln(3)
        self.use(size, bold=True, colour="#0D47A1")
        self.multi_cell(0, size * MM_PER_PT * 1.3, self.clean(text), new_x=XPos.LMARGIN)
        self.ln(1)

    def paragraph(self, text: str, *, size: float = 9.5, bold: bool = False) -> None:
        self.use(size, bold=bold)
        self.multi_cell(
            0, size * MM_PER_PT * 1.35, self.clean(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )

    def facts(self, pairs: Sequence[tuple[str, str]], *, key_width: float = 42) -> None:
        """Label: value lines (the value wraps, the label stays in its column)."""
        self.data_table(
            [], [key_width, self.epw - key_width], [list(p) for p in pairs], bold_first=True
        )

    def data_table(
        self,
        headers: Sequence[str],
        widths: Sequence[float],
        rows: Sequence[Sequence[str]],
        *,
        size: float = 8.5,
        bold_first: bool = False,
    ) -> None:
        """Rows of wrapped cells; a page break repeats the header, and a row taller than a
        page continues on the next one."""
        widths = [w * self.epw / sum(widths) for w in widths]
        self.table_header = (headers, widths) if headers else None
        height = size * MM_PER_PT * 1.3
        if headers:
            if self.get_y() + 2 * height + 2 > self.page_break_trigger:
                self.add_page()
            self._header_row(size, height)
        for row in rows:
            lines = [
                self._lines(cell, width, size, bold=bold_first and index == 0)
                for index, (cell, width) in enumerate(zip(row, widths, strict=True))
            ]
            self._row(lines, widths, size, height, bold_first=bold_first)
        self.table_header = None
        self.ln(2)

    def _lines(self, text: str, width: float, size: float, *, bold: bool) -> list[str]:
        """`text` broken into lines that fit `width` (less the cell padding), greedily by
        words, a word wider than the column by characters. fpdf2's own line breaker
        re-measures a line at every character, too slow for a 2,000-entry timeline."""
        self.use(size, bold=bold)
        room = width - 2 * self.c_margin
        space = self._width(" ")
        lines: list[str] = []
        for paragraph in self.clean(text).split("\n"):
            line: list[str] = []
            used = 0.0
            for word in paragraph.split():
                wide = self._width(word)
                if wide > room:
                    if line:
                        lines.append(" ".join(line))
                    pieces = self._split_word(word, room)
                    lines.extend(pieces[:-1])
                    line, used = [pieces[-1]], self._width(pieces[-1])
                elif line and used + space + wide > room:
                    lines.append(" ".join(line))
                    line, used = [word], wide
                else:
                    used += wide + (space if line else 0.0)
                    line.append(word)
            lines.append(" ".join(line))
        while len(lines) > 1 and not lines[-1]:
            lines.pop()
        return lines or [""]

    def _width(self, words: str) -> float:
        key = (self.font_family, self.font_style, self.font_size_pt, words)
        width = self._widths.get(key)
        if width is None:
            width = self._widths[key] = self.get_string_width(words)
        return width

    def _split_word(self, word: str, room: float) -> list[str]:
        pieces: list[str] = []
        piece = ""
        for ch in word:
            if piece and self._width(piece + ch) > room:
                pieces.append(piece)
                piece = ""
            piece += ch
        pieces.append(piece)
        return pieces

    def _header_row(self, size: float, height: float) -> None:
        if self.table_header is None:
            return
        headers, widths = self.table_header
        self.use(size, bold=True, colour="#FFFFFF")
        self.set_fill_color("#37474F")
        x = self.l_margin
        y = self.get_y()
        for word, width in zip(headers, widths, strict=True):
            self.set_xy(x, y)
            self.cell(width, height + 1.2, self.clean(word), fill=True)
            x += width
        self.set_xy(self.l_margin, y + height + 1.2)

    def _row(
        self,
        lines: list[list[str]],
        widths: Sequence[float],
        size: float,
        height: float,
        *,
        bold_first: bool,
    ) -> None:
        done = 0
        total = max(len(cell) for cell in lines)
        while done < total:
            room = int((self.page_break_trigger - self.get_y() - 0.8) // height)
            if room < min(2, total - done):
                self.add_page()
                self._header_row(size, height)
                continue
            take = min(room, total - done)
            y = self.get_y() + 0.4
            x = self.l_margin
            for index, (cell, width) in enumerate(zip(lines, widths, strict=True)):
                self.use(size, bold=bold_first and index == 0)
                baseline = y + height / 2 + 0.3 * self.font_size
                for number, line in enumerate(cell[done : done + take]):
                    if line:
                        self.text(x + self.c_margin, baseline + number * height, line)
                x += width
            done += take
            bottom = y + take * height + 0.4
            self.set_draw_color("#E0E0E0")
            self.set_line_width(0.2)
            self.line(self.l_margin, bottom, self.l_margin + self.epw, bottom)
            self.set_xy(self.l_margin, bottom)

    def chart(self, chart: Chart) -> None:
        """`chart` scaled to the page width (or down to the page height, for a very tall
        one), on the next page when it does not fit here."""
        scale = min(self.epw / chart.width, (self.eph - 12) / max(chart.height, 1.0))
        if self.get_y() + 8 + chart.height * scale > self.page_break_trigger:
            self.add_page()
        self.use(10, bold=True)
        self.multi_cell(0, 5, self.clean(chart.title), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        left, top = self.l_margin, self.get_y() + 1
        for shape in chart.shapes:
            if isinstance(shape, Rect):
                self.set_fill_color(shape.fill)
                self.rect(
                    left + shape.x * scale,
                    top + shape.y * scale,
                    shape.w * scale,
                    shape.h * scale,
                    style="F",
                )
            elif isinstance(shape, Line):
                self.set_draw_color(shape.stroke)
                self.set_line_width(shape.width * scale)
                if shape.is_dashed:
                    self.set_dash_pattern(dash=4 * scale, gap=3 * scale)
                self.line(
                    left + shape.x1 * scale,
                    top + shape.y1 * scale,
                    left + shape.x2 * scale,
                    top + shape.y2 * scale,
                )
                if shape.is_dashed:
                    self.set_dash_pattern()
            elif isinstance(shape, Label):
                self._label(shape, left, top, scale)
        self.set_xy(self.l_margin, top + chart.height * scale + 3)

    def _label(self, label: Label, left: float, top: float, scale: float) -> None:
        self.use(label.size * scale / MM_PER_PT, bold=label.is_bold, colour=label.fill)
        words = self.clean(label.text)
        x = left + label.x * scale
        if label.anchor != "start":
            width = self.get_string_width(words)
            x -= width if label.anchor == "end" else width / 2
        self.text(x, top + label.y * scale, words)
