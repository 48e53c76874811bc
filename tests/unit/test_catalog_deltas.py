"""The delta index: which names are delta files, the order in which they apply, what is pending."""

from __future__ import annotations

import pytest

from shared.domain.catalog_deltas import delta_file, parse_index, pending
from shared.dump_import.delta_source import DeltaSourceError, base_url

REAL_INDEX = """openfoodfacts_products_1788847691_1788934590.json.gz
openfoodfacts_products_1788761472_1788847691.json.gz
openfoodfacts_products_1788675653_1788761472.json.gz
"""


def test_the_index_applies_oldest_first_whatever_its_order() -> None:
    index = parse_index(REAL_INDEX)
    assert [f.first_change for f in index.files] == [1788675653, 1788761472, 1788847691]
    assert index.skipped == 0
    window = index.files[0].window
    assert window[0].isoformat() == "2026-09-06T06:20:53+00:00"
    assert window[1] > window[0]


def test_only_delta_names_are_taken() -> None:
    hostile = (
        "../../etc/passwd\n"
        "openfoodfacts_products_1_2.json.gz/../../x\n"
        "openfoodfacts_products_20_10.json.gz\n"  # ends before it starts
        "openfoodfacts_products_1788675653_1788761472.json\n"
        "openfoodfacts_products_1788675653_1788761472.json.gz\n"
        "openfoodfacts_products_1788675653_1788761472.json.gz\n"  # listed twice: applied once
    )
    index = parse_index(hostile)
    assert [f.name for f in index.files] == ["openfoodfacts_products_1788675653_1788761472.json.gz"]
    assert index.skipped == 4
    assert delta_file("openfoodfacts_products_1_2.json.gz%00") is None


def test_pending_leaves_out_what_is_applied() -> None:
    index = parse_index(REAL_INDEX)
    applied = {"openfoodfacts_products_1788675653_1788761472.json.gz"}
    assert [f.first_change for f in pending(index, applied)] == [1788761472, 1788847691]
    assert pending(index, {f.name for f in index.files}) == []


@pytest.mark.parametrize(
    "url", ["file:///etc/", "ftp://example.org/", "example.org/delta", "http://"]
)
def test_the_source_must_be_http(url: str) -> None:
    with pytest.raises(DeltaSourceError):
        base_url(url)


def test_a_base_url_gets_its_slash() -> None:
    assert base_url("http://127.0.0.1:1/data/delta") == "http://127.0.0.1:1/data/delta/"
