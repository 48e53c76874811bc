"""Search ranking on real data: the shipped basics, the Open Food Facts sample and the FDC
Foundation sample (`tests/data/catalog-samples`), imported as production imports them. For each
query, the product a person typing it means is among the first three results."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from infra.catalog.seed import DEFAULT_FILE, load_file
from shared.db.engine import driver_connection
from shared.dump_import.importer import run_import
from shared.dump_import.readers import open_records
from shared.search import tiers
from tests.support.api import Device
from tests.support.catalog_data import FDC_FOUNDATION, OFF_JSONL

SAMPLES = (OFF_JSONL, FDC_FOUNDATION)

# query -> the display name expected in the top 3, and why
EXPECTED = {
    "nutella": "Nutella",  # the most scanned of several exact names
    "ferrero nutella": "Nutella",  # brand + name
    "nutella ferrero": "Nutella",  # in either order
    "nutela": "Nutella",  # a typo
    "pate a tartiner": "Pate a tartiner",  # exact, without accents
    "pâte à tartiner noisettes": "Véritable pâte à tartiner noisettes chocolat noir",
    "truite fumee": "Truite fumée",  # accents typed or not
    "yaourt brebis": "Yaourt nature brebis",  # words apart in the name
    "hummus": "Hummus",  # the generic food before branded ones
    "kale": "Kale",
    "egg": "Egg",
    "apple": "Apple",  # not "Apple juice" or anything with apple in it
    "banana": "Banana",
    "milk": "Milk 2%",  # a generic milk, not milk chocolate
    "almonds": "Almonds",
    "croissant": "Croissant",
    "tic tac": "Tic tac orange",
    "ferrero rocher": "Ferrero Rocher",
    "lindt 90": "Lindt Excellence Dark 90% Cocoa",
    "brocoli": "Broccoli",  # a typo
    "pizza margherita": "Pizza Margherita",
    "prunes": "Pitted Prunes",  # a word inside a branded name
    "sourdough": "Sliced Cracked Wheat Sourdough Bread",
    "peanut butter": "Peanut butter",
    "greek yogurt": "Greek yogurt (nonfat)",
    "grape tomatoes": "Tomatoes, grape, raw",  # word order of the USDA name
    "frankfurter beef": "Frankfurter, beef, unheated",
    "dark chocolate": "Dark chocolate 70-85%",
    "crumpet": "Crumpets",  # a word prefix
    "tartiner": "Pate a tartiner",  # a word inside the name, the shorter name first
    "greek yog": "Greek yogurt (nonfat)",  # the last word still being typed
    "nutel": "Nutella",
}


@pytest.fixture
def real_catalog(engine: Engine, database_url: str, clean_db: None) -> None:
    with engine.begin() as conn:
        load_file(conn, DEFAULT_FILE)
    with driver_connection(database_url) as conn:
        for sample in SAMPLES:
            run_import(conn, open_records(sample))


@pytest.mark.usefixtures("real_catalog")
def test_the_food_meant_is_in_the_top_three(device: Device) -> None:
    assert len(EXPECTED) >= 20
    misses = {}
    for query, expected in EXPECTED.items():
        response = device.get("/v1/products/search", params={"q": query, "limit": 10})
        assert response.status_code == 200, response.text
        names = [item["display_name"] for item in response.json()]
        if expected not in names[:3]:
            misses[query] = names[:5]
    assert misses == {}


@pytest.mark.usefixtures("real_catalog")
def test_the_catalog_listing_ranks_the_same_way(device: Device) -> None:
    for query in ("nutella ferrero", "truite fumee", "milk"):
        listing = device.get("/v1/catalog/products", params={"search": query, "limit": 10})
        search = device.get("/v1/products/search", params={"q": query, "limit": 10})
        assert [i["id"] for i in listing.json()] == [i["id"] for i in search.json()]


@pytest.mark.usefixtures("real_catalog")
def test_walking_the_rank_index_or_reading_every_match_gives_one_answer(
    device: Device, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The word tier walks the rank index for common words and reads every match for rare ones
    (`shared.search.tiers`); on a catalog small enough for both to see every match, they agree."""

    def results() -> dict[str, list[str]]:
        return {
            query: [
                item["id"] for item in device.get("/v1/products/search", params={"q": query}).json()
            ]
            for query in EXPECTED
        }

    monkeypatch.setattr(tiers, "WALK_SLACK", 10**6)  # a walk covers the whole small catalog
    monkeypatch.setattr(tiers, "WALK_COST_RATIO", 10**9)  # always walk first
    walked = results()
    monkeypatch.setattr(tiers, "WALK_COST_RATIO", 10**-9)  # never walk
    read = results()
    assert walked == read
    assert sum(len(ids) for ids in walked.values()) > 100


@pytest.mark.usefixtures("real_catalog")
@pytest.mark.parametrize("query", ["zqx7 ban", "zqx7 banana", "banana zqx7", "qqqq brocoli"])
def test_a_word_that_matches_nothing_is_never_dropped(device: Device, query: str) -> None:
    """Every word of a query must match (as a word, as the last word's prefix, or through a
    correction): a word nothing is close to makes the catalog part empty, in every tier. The
    app's acceptance scenario for multi-word queries: only the device's own "zqx7 banana"."""
    mine = device.product("zqx7 banana")
    found = device.get("/v1/products/search", params={"q": query}).json()
    expected = [mine["id"]] if query.startswith("zqx7 ban") else []
    assert [item["id"] for item in found] == expected
    listing = device.get("/v1/catalog/products", params={"search": query})
    assert listing.status_code == 200 and listing.json() == []
    # The real word alone does match the catalog: the unmatched word is what empties it.
    [real] = [word for word in query.split() if word not in ("zqx7", "qqqq")]
    assert device.get("/v1/catalog/products", params={"search": real}).json()


def walk_rows(engine: Engine, query: str) -> int:
    """How far the word tier would walk the rank index for `query` (0: it reads every match)."""
    compiled = tiers.HITS.element.compile(dialect=engine.dialect)
    sql = str(compiled)
    head = sql[: sql.index("), exact AS (")]  # the tier's statistics, ending with `walk`
    params = compiled.construct_params(tiers.parameters(query, 35))
    with engine.connect() as conn:
        statement = f"{head}) SELECT rows FROM walk"  # noqa: S608 - the engine's own SQL
        return int(conn.exec_driver_sql(statement, params).scalar_one())


@pytest.mark.usefixtures("real_catalog")
def test_the_walk_follows_the_words_statistics(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The word tier walks when the words are common enough for a walk to meet its candidates
    sooner than reading every match, and then as far as their counts predict; a word no product
    holds reads (finds nothing at once); one or two letters, which have no counts, walk."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("ANALYZE catalog_products")  # the catalog's size, reltuples
    assert walk_rows(engine, "zqx7") == 0
    assert walk_rows(engine, "c") > 0 and walk_rows(engine, "ch") > 0
    assert walk_rows(engine, "nutella") == 0  # a few products: reading them is cheaper
    assert walk_rows(engine, "chocolate") > 0  # in about a fifth of the sample's products
    assert walk_rows(engine, "chocolat noir") == 0  # rarer together: reading is cheaper
    monkeypatch.setattr(tiers, "WALK_COST_RATIO", 10**6)  # reading made dear: both walk
    common, rarer = walk_rows(engine, "chocolate"), walk_rows(engine, "milk chocolate")
    assert 0 < common < rarer  # and the rarer pair walks farther
