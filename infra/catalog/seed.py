"""Load a catalog file into the global food catalog: `make catalog [CATALOG_FILE=…]`.

Format: JSON Lines, one product per line (blank lines and lines starting with `#` are skipped):

    {"source": "countonme-basic", "source_id": "apple-raw", "name": "Apples, raw, with skin",
     "display_name": "Apple", "brand": null, "barcode": null, "category": "Fruits",
     "portions": [{"label": "100 g", "base_amount": 100, "base_unit": "g", "gram_weight": 100,
                   "calories": 52, "protein": 0.26, "carbs": 13.81, "fat": 0.17,
                   "is_default": true}, …]}

`gram_weight` is the weight in grams of the whole portion (`base_amount` `base_unit`); it is how
count units (`pcs`, `serving`) convert to per-100 g figures. Exactly one portion per product may be
the default; with none marked, the first is. Products are keyed by (source, source_id) and portions
by label within their product: re-running a file updates rows in place and never duplicates them;
portions no longer in the file are removed. The whole file loads in one transaction, or not at all.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError, model_validator
from sqlalchemy import Connection, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.pool import NullPool

from shared.db.engine import tool_engine
from shared.models import CatalogPortion, CatalogProduct
from shared.repositories.catalog_staging import rebuild_search_words
from shared.schemas.decimals import NonNegativeAmount, PositiveAmount
from shared.schemas.fields import Unit

DEFAULT_FILE = Path(__file__).with_name("foods.jsonl")


def _text(max_length: int):
    return Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=max_length)
    ]


class PortionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    label: _text(200)
    base_amount: PositiveAmount
    base_unit: Unit
    gram_weight: PositiveAmount | None = None
    calories: NonNegativeAmount
    protein: NonNegativeAmount | None = None
    carbs: NonNegativeAmount | None = None
    fat: NonNegativeAmount | None = None
    is_default: bool = False


class ProductIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    source: _text(32)
    source_id: _text(64)
    name: _text(300)
    display_name: _text(300)
    brand: _text(200) | None = None
    barcode: _text(64) | None = None
    category: _text(200) | None = None
    portions: list[PortionIn]

    @model_validator(mode="after")
    def _one_default(self) -> ProductIn:
        if not self.portions:
            raise ValueError("a product needs at least one portion")
        if len({p.label for p in self.portions}) != len(self.portions):
            raise ValueError("portion labels must be unique within a product")
        defaults = sum(p.is_default for p in self.portions)
        if defaults > 1:
            raise ValueError("at most one portion may be the default")
        if defaults == 0:
            self.portions[0].is_default = True
        return self


class CatalogFileError(ValueError):
    """A line of the catalog file is not valid; the message names the line."""


def parse_lines(lines: Iterable[str], source_name: str = "catalog") -> Iterator[ProductIn]:
    for number, line in enumerate(lines, start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            yield ProductIn.model_validate(json.loads(line))
        except json.JSONDecodeError as exc:
            raise CatalogFileError(f"{source_name}:{number}: not valid JSON ({exc.msg})") from None
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in err['loc']) or 'product'}: {err['msg']}"
                for err in exc.errors()
            )
            raise CatalogFileError(f"{source_name}:{number}: {problems}") from None


def upsert_product(connection: Connection, product: ProductIn) -> None:
    fields = product.model_dump(exclude={"portions"})
    statement = insert(CatalogProduct).values(**fields)
    product_id = connection.execute(
        statement.on_conflict_do_update(
            constraint="uq_catalog_products_source_source_id",
            set_={**{k: statement.excluded[k] for k in fields}, "updated_at": func.now()},
        ).returning(CatalogProduct.id)
    ).scalar_one()
    # Clear the default first so the one-default index never sees two during the switch.
    connection.execute(
        update(CatalogPortion)
        .where(CatalogPortion.catalog_product_id == product_id)
        .values(is_default=False)
    )
    for portion in product.portions:
        values = {**portion.model_dump(), "catalog_product_id": product_id}
        row = insert(CatalogPortion).values(**values)
        connection.execute(
            row.on_conflict_do_update(
                constraint="uq_catalog_portions_catalog_product_id_label",
                set_={k: row.excluded[k] for k in values},
            )
        )
    connection.execute(
        delete(CatalogPortion).where(
            CatalogPortion.catalog_product_id == product_id,
            CatalogPortion.label.not_in([p.label for p in product.portions]),
        )
    )


def load_file(connection: Connection, path: Path) -> int:
    """Validate the whole file first, then upsert it; returns the number of products."""
    with path.open(encoding="utf-8") as handle:
        products = list(parse_lines(handle, path.name))
    for product in products:
        upsert_product(connection, product)
    rebuild_search_words(connection.connection.driver_connection)
    return len(products)


def catalog_is_empty(connection: Connection) -> bool:
    return connection.execute(select(func.count()).select_from(CatalogProduct)).scalar_one() == 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", nargs="?", type=Path, default=DEFAULT_FILE)
    args = parser.parse_args(argv)
    engine = tool_engine(os.environ["DATABASE_URL"], poolclass=NullPool)
    try:
        with engine.begin() as connection:
            count = load_file(connection, args.file)
    except CatalogFileError as exc:
        print(f"Catalog not loaded: {exc}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    print(f"Loaded {count} catalog products from {args.file}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
