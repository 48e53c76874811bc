"""Barcode normal form (Open Food Facts' rules plus the GS1 check digit) and scan lookups."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.domain.barcodes import (
    InvalidBarcodeError,
    gs1_check_digit,
    has_valid_check_digit,
    lookup_candidates,
    normalize_barcode,
    normalized_or_none,
    upc_e_to_upc_a,
)


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("070602609000", "0070602609000"),  # UPC-A as Android reports it (FDC gtinUpc)
        ("0070602609000", "0070602609000"),  # the same as iOS reports it (OFF code)
        ("3017620422003", "3017620422003"),  # EAN-13 unchanged
        ("0000000004530", "00004530"),  # 13 digits starting 00000: an EAN-8 (OFF CSV sample)
        ("00013029", "00013029"),  # EAN-8 stays 8 digits
        ("13029", "00013029"),  # leading zeros lost by a spreadsheet: padded back
        ("00070602609000", "0070602609000"),  # GTIN-14 with a leading 0 drops it
        ("10038034720202", "10038034720202"),  # a case-level GTIN-14 keeps 14 digits
        ("0000000000000207025004", "0000207025004"),  # OFF junk: zeros stripped, padded to 13
        (" 0706-0260 9000 ", "0070602609000"),  # spaces and dashes typed by a person
    ],
)
def test_normal_form(raw: str, normal: str) -> None:
    assert normalize_barcode(raw) == normal


@pytest.mark.parametrize(
    "raw", ["", "   ", "0000", "12a45", "\uff11\uff12\uff13", "12\x0045", "+3017620422003"]
)
def test_what_is_not_a_barcode(raw: str) -> None:
    with pytest.raises(InvalidBarcodeError):
        normalize_barcode(raw)
    assert normalized_or_none(raw) is None


def test_check_digit() -> None:
    assert gs1_check_digit("400638133393") == 1
    assert has_valid_check_digit("4006381333931")  # GS1's own EAN-13 example
    assert has_valid_check_digit("036800403710")  # FDC sparkling water UPC-A
    assert not has_valid_check_digit("036800403711")


def test_upc_e_expands_to_its_upc_a() -> None:
    assert upc_e_to_upc_a("01234565") == "012345000065"  # the textbook pair
    assert upc_e_to_upc_a("01234564") is None  # wrong check digit
    assert upc_e_to_upc_a("21234565") is None  # number system 2 is not UPC-E
    assert upc_e_to_upc_a("0123456") is None


def test_an_eight_digit_scan_is_also_looked_up_as_upc_e() -> None:
    assert lookup_candidates("01234565") == ["01234565", "0012345000065"]
    assert lookup_candidates("00013029") == ["00013029"]  # not a valid UPC-E
    assert lookup_candidates("070602609000") == ["0070602609000"]


@given(st.from_regex(r"[0-9]{1,14}", fullmatch=True).filter(lambda s: s.strip("0")))
def test_normal_form_is_idempotent_and_digits(raw: str) -> None:
    once = normalize_barcode(raw)
    assert normalize_barcode(once) == once
    assert once.isdigit() and len(once) in (8, 13, 14)
    assert int(once) == int(raw)  # only zeros are ever added or removed
