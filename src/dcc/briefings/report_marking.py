"""The TLP 2.0 marking of a report: which label it carries and how the label is drawn.

A report carries the incident's label, or the most restrictive label among the sub-objects
it draws on when that is stricter (issue 6): a report quoting one AMBER+STRICT comment of a
GREEN incident is AMBER+STRICT as a whole. Colours are FIRST's (https://www.first.org/tlp/):
the label's colour on black.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Final

# Least to most restrictive (FIRST, TLP 2.0).
TLP_ORDER: Final = ("CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED")
# The colour of each label's text, drawn on BACKGROUND (FIRST's RGB values).
TLP_COLOURS: Final[Mapping[str, str]] = {
    "CLEAR": "#FFFFFF",
    "GREEN": "#33FF00",
    "AMBER": "#FFC000",
    "AMBER+STRICT": "#FFC000",
    "RED": "#FF2B2B",
}
BACKGROUND: Final = "#000000"
_RANK: Final = {label: rank for rank, label in enumerate(TLP_ORDER)}


def normalize_tlp(value: str) -> str:
    """A stored label as FIRST spells it; anything that is not a TLP 2.0 label reads as RED.

    The query layer lets nobody read an object whose label is unknown, so none should reach
    a report; should one, the report fails closed rather than under-marked.
    """
    cleaned = value.strip().upper().removeprefix("TLP:").strip()
    if cleaned == "WHITE":  # TLP 1.0's name for CLEAR
        return "CLEAR"
    return cleaned if cleaned in _RANK else "RED"


def strictest_tlp(labels: Iterable[str]) -> str:
    """The most restrictive of `labels` (CLEAR < GREEN < AMBER < AMBER+STRICT < RED);
    CLEAR when there are none."""
    return max((normalize_tlp(label) for label in labels), key=_RANK.__getitem__, default="CLEAR")


def tlp_label(tlp: str) -> str:
    """The label as printed on the page: "AMBER" -> "TLP:AMBER"."""
    return f"TLP:{normalize_tlp(tlp)}"


def tlp_colour(tlp: str) -> str:
    """The label's text colour as #RRGGBB (on a black BACKGROUND)."""
    return TLP_COLOURS[normalize_tlp(tlp)]
