"""Search never fails on text: a code point, alone or after a word, as `q` of product search and
as `search` of the catalog listing, answers 200 (or a 422 for text the API refuses), never a 5xx.

The database folds accents into characters that `to_tsquery` reads as its own syntax (U+02D0, a
modifier letter, becomes ":"; U+0149 becomes "'n"), so the tiers build their tsqueries from
lexemes only and take only vocabulary words of letters and digits for the typo tier
(`shared/search/tiers.py`). Which code points fold that way is asked of the
database for the whole Basic Multilingual Plane, and each of them is sent through both routes;
a sample of the rest of the plane and of the planes beyond goes through them as well."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from shared.search.tiers import query_words
from tests.support.api import Device
from tests.support.catalog import SMALL_CATALOG, load_catalog, portion, product

ROUTES = (("/v1/products/search", "q"), ("/v1/catalog/products", "search"))
SURROGATES = range(0xD800, 0xE000)  # not encodable as UTF-8: no client can send them
BMP = [cp for cp in range(1, 0x10000) if cp not in SURROGATES]  # NUL is refused (422) apart
# The letters the probe found first: folded into ":", "'" and "'n".
COLON, APOSTROPHE, N_APOSTROPHE = "\u02d0", "\u02bc", "\u0149"
SAMPLE_STRIDE = 251  # a prime: the sample falls on every kind of block
BEYOND_STRIDE = 4099


@pytest.fixture
def catalog(engine: Engine, tmp_path: Path, client) -> None:
    load_catalog(engine, tmp_path / "catalog.jsonl")


@cache
def letters_folded_into_syntax(engine: Engine) -> tuple[str, ...]:
    """Code points the query splits into words whose database folding is not letters and
    digits: the ones that reach a tsquery as something else."""
    with engine.connect() as connection:
        folded_odd = connection.execute(
            text(
                "SELECT cp FROM unnest(CAST(:points AS int[])) AS cp "
                "WHERE catalog_fold(chr(cp)) !~ '^[[:alnum:]]*$'"
            ),
            {"points": BMP},
        ).scalars()
        return tuple(chr(cp) for cp in folded_odd if query_words(chr(cp)))


def searched(device: Device, q: str) -> list[int]:
    return [device.get(path, params={name: q}).status_code for path, name in ROUTES]


@pytest.mark.usefixtures("catalog")
def test_the_reported_characters_are_searched(device: Device) -> None:
    for q in (COLON, APOSTROPHE, N_APOSTROPHE, f"apple {COLON}", f"{COLON} apple",
              f"apple{COLON}", f"{N_APOSTROPHE * 3} apple", APOSTROPHE * 3):  # fmt: skip
        assert searched(device, q) == [200, 200], q


def test_vocabulary_words_with_punctuation_do_not_reach_the_typo_tier(
    device: Device, engine: Engine, tmp_path: Path
) -> None:
    """The parser keeps hosts and paths whole ("x.com/a:zz"), so the vocabulary holds them, and
    "zz" is closest to "/a:zz": as tsquery text that is syntax, not a word."""
    odd = product("odd", "x.com/a:zz", [portion("100 g", 100, "g", 1)])
    load_catalog(engine, tmp_path / "catalog.jsonl", [*SMALL_CATALOG, odd])
    with engine.connect() as connection:
        vocabulary = set(
            connection.execute(text("SELECT word FROM catalog_search_words")).scalars()
        )
    assert {"/a:zz", "x.com/a:zz"} <= vocabulary
    for q in ("zz", "a:zz", "com/a:zz", "x.con/a:zz"):
        assert searched(device, q) == [200, 200], q


@pytest.mark.slow
@pytest.mark.usefixtures("catalog")
def test_every_letter_that_folds_into_tsquery_syntax_is_searched(
    device: Device, engine: Engine
) -> None:
    letters = letters_folded_into_syntax(engine)
    assert {COLON, N_APOSTROPHE} <= set(letters) and len(letters) > 100  # the probe finds them
    queries = [q for letter in letters for q in (letter, f"apple {letter}", letter * 3)]
    answers = {q: searched(device, q) for q in queries}
    assert {q: statuses for q, statuses in answers.items() if statuses != [200, 200]} == {}


@pytest.mark.slow
@pytest.mark.usefixtures("catalog")
def test_a_sample_of_every_plane_never_fails(device: Device) -> None:
    sample = [*BMP[::SAMPLE_STRIDE], *range(0x10000, 0x110000, BEYOND_STRIDE)]
    answers = {hex(cp): searched(device, chr(cp)) for cp in sample}
    assert {cp: statuses for cp, statuses in answers.items() if max(statuses) >= 500} == {}
