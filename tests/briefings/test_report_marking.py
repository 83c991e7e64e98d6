"""The TLP 2.0 label a report carries, and its colours (FIRST)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dcc.briefings.report_marking import (
    TLP_ORDER,
    normalize_tlp,
    strictest_tlp,
    tlp_colour,
    tlp_label,
)


def test_order_is_clear_green_amber_strict_red():
    assert strictest_tlp(["GREEN", "CLEAR"]) == "GREEN"
    assert strictest_tlp(["AMBER", "GREEN"]) == "AMBER"
    assert strictest_tlp(["AMBER", "AMBER+STRICT", "GREEN"]) == "AMBER+STRICT"
    assert strictest_tlp(["AMBER+STRICT", "RED"]) == "RED"
    assert strictest_tlp([]) == "CLEAR"


def test_unknown_labels_fail_closed_and_spellings_are_forgiven():
    assert normalize_tlp("tlp:amber") == "AMBER"
    assert normalize_tlp("WHITE") == "CLEAR"  # TLP 1.0
    assert normalize_tlp("SECRET") == "RED"
    assert strictest_tlp(["GREEN", "bogus"]) == "RED"


@pytest.mark.parametrize(
    ("tlp", "colour"),
    [
        ("RED", "#FF2B2B"),
        ("AMBER", "#FFC000"),
        ("AMBER+STRICT", "#FFC000"),
        ("GREEN", "#33FF00"),
        ("CLEAR", "#FFFFFF"),
    ],
)
def test_first_colours(tlp: str, colour: str):
    assert tlp_colour(tlp) == colour
    assert tlp_label(tlp) == f"TLP:{tlp}"


@given(st.lists(st.sampled_from(TLP_ORDER), min_size=1))
def test_strictest_is_at_least_every_label(labels: list[str]):
    strictest = strictest_tlp(labels)
    assert strictest in labels
    assert all(TLP_ORDER.index(strictest) >= TLP_ORDER.index(label) for label in labels)
