"""HTTP routes of the products function: products, portions, search, name check, catalog.

The routes are `async def` and call the database synchronously, on purpose:
`shared/web/app_factory.py` says why (measured).
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from shared.db.units_of_work import reading, writing
from shared.schemas.catalog import CatalogProductDetail, CatalogProductOut
from shared.schemas.fields import Name
from shared.schemas.products import (
    NameAvailability,
    PortionCreate,
    PortionOut,
    PortionPatch,
    ProductCreate,
    ProductOut,
    ProductPatch,
    SearchItem,
)
from shared.services import catalog, portions, product_search, products
from shared.services.catalog import MAX_SEARCH_OFFSET
from shared.web.dependencies import Caller
from shared.web.params import Offset, QueryInt, offset_query
from shared.web.responses import created_or_found

products_router = APIRouter(prefix="/v1", tags=["products"])
catalog_router = APIRouter(prefix="/v1/catalog", tags=["catalog"])

Limit = Annotated[QueryInt | None, Query(ge=1, le=1000)]


@products_router.get("/products", response_model=list[ProductOut])
async def list_products(caller: Caller, limit: Limit = None, offset: Offset = 0):
    with reading(caller) as session:
        return products.list_live(session, caller.device_id, limit, offset)


@products_router.post("/products", response_model=ProductOut, status_code=201)
async def create_product(body: ProductCreate, caller: Caller, response: Response):
    """201 when created (or when a live product already has the barcode); 200 on a replay."""
    with writing(caller) as session:
        outcome = products.create(session, caller.device_id, body)
    return created_or_found(outcome, response)


@products_router.get("/products/check-name", response_model=NameAvailability)
async def check_name(caller: Caller, name: Annotated[Name, Query()]):
    """At most 200 characters as sent, compared trimmed; empty or whitespace-only is 422."""
    with reading(caller) as session:
        return NameAvailability(available=products.name_available(session, caller.device_id, name))


@products_router.get("/products/search", response_model=list[SearchItem])
async def search_products(
    caller: Caller,
    q: Annotated[str, Query(min_length=1, max_length=200)],
    limit: Annotated[QueryInt, Query(ge=1, le=60)] = 35,
):
    """The device's own products whose name contains `q` first (names starting with it, then the
    rest, each alphabetical), then catalog products by relevance: exact name; generic foods whose
    name starts with `q`; every word of `q` a word of the name or brand, in any order, the last one
    possibly unfinished;
    `q` inside the name or brand (3 characters or more); then, when few match, the closest
    spellings. Inside each: most scanned first, then the shorter name. Case- and
    accent-insensitive; `%`, `_` and `\\` are literal."""
    with reading(caller) as session:
        return product_search.search_products(session, caller.device_id, q, limit)


@products_router.get("/products/{product_id}", response_model=ProductOut)
async def get_product(product_id: uuid.UUID, caller: Caller):
    with reading(caller) as session:
        return products.get(session, caller.device_id, product_id)


@products_router.patch("/products/{product_id}", response_model=ProductOut)
async def patch_product(product_id: uuid.UUID, body: ProductPatch, caller: Caller):
    with writing(caller) as session:
        return products.patch(session, caller.device_id, product_id, body)


@products_router.delete("/products/{product_id}", status_code=204)
async def delete_product(product_id: uuid.UUID, caller: Caller) -> Response:
    with writing(caller) as session:
        products.delete(session, caller.device_id, product_id)
    return Response(status_code=204)


@products_router.get("/products/{product_id}/portions", response_model=list[PortionOut])
async def list_portions(product_id: uuid.UUID, caller: Caller):
    with reading(caller) as session:
        return portions.list_for_product(session, caller.device_id, product_id)


@products_router.post("/products/{product_id}/portions", response_model=PortionOut, status_code=201)
async def create_portion(
    product_id: uuid.UUID, body: PortionCreate, caller: Caller, response: Response
):
    with writing(caller) as session:
        outcome = portions.create(session, caller.device_id, product_id, body)
    return created_or_found(outcome, response)


@products_router.get("/portions/{portion_id}", response_model=PortionOut)
async def get_portion(portion_id: uuid.UUID, caller: Caller):
    with reading(caller) as session:
        return portions.get(session, caller.device_id, portion_id)


@products_router.patch("/portions/{portion_id}", response_model=PortionOut)
async def patch_portion(portion_id: uuid.UUID, body: PortionPatch, caller: Caller):
    with writing(caller) as session:
        return portions.patch(session, caller.device_id, portion_id, body)


@products_router.delete("/portions/{portion_id}", status_code=204)
async def delete_portion(portion_id: uuid.UUID, caller: Caller) -> Response:
    with writing(caller) as session:
        portions.delete(session, caller.device_id, portion_id)
    return Response(status_code=204)


@catalog_router.get("/products", response_model=list[CatalogProductOut])
async def list_catalog(
    caller: Caller,
    search: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[QueryInt, Query(ge=1, le=200)] = 50,
    offset: Annotated[
        QueryInt,
        offset_query(
            f"; with `search` at most {MAX_SEARCH_OFFSET} (each relevance tier gathers"
            " `limit + offset` rows), beyond which it is a 422"
        ),
    ] = 0,
):
    """The catalog by name, or with `search` in the order of `/v1/products/search`'s catalog
    part. The catalog has no owner; the device dependency still refuses unauthenticated calls."""
    with reading(caller) as session:
        return catalog.list_products(session, (search or "").strip() or None, limit, offset)


# A product of the Open Food Facts sample (`tests/data/catalog-samples`), which `make fuzz` imports:
# generated requests reach a found product, not only 404s.
BARCODE_EXAMPLE = "0009800895007"


@catalog_router.get("/products/barcode/{barcode}", response_model=CatalogProductDetail)
async def catalog_by_barcode(
    barcode: Annotated[str, Path(examples=[BARCODE_EXAMPLE])], caller: Caller
):
    with reading(caller) as session:
        return catalog.by_barcode(session, barcode)


@catalog_router.get("/products/{product_id}", response_model=CatalogProductDetail)
async def get_catalog_product(product_id: uuid.UUID, caller: Caller):
    with reading(caller) as session:
        return catalog.get(session, product_id)
