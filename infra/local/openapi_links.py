"""OpenAPI links between the operations of the merged document: which response's id goes into
which later request. Client generators read them, and schemathesis' stateful phase follows them
to chain real calls (create a product, then its portions, an entry of that portion, reads, PATCH
and DELETE of what was created), so fuzzing reaches the code behind ids. The operations sit in
different functions, so the links are added where the functions' documents are merged.
"""

from __future__ import annotations

from typing import Any

Operation = tuple[str, str]  # (method, path)

_ID = "$response.body#/id"
PRODUCT: Operation = ("post", "/v1/products")
PORTION: Operation = ("post", "/v1/products/{product_id}/portions")
ENTRY: Operation = ("post", "/v1/food-entries")
WEIGHT: Operation = ("post", "/v1/body-weights")
GOALS: tuple[Operation, ...] = (("post", "/v1/goals/calculated"), ("post", "/v1/goals/manual"))


def _by_id(path: str, parameter: str) -> dict[str, dict[str, Any]]:
    """Read, change and delete the created resource by its id."""
    return {
        f"{method.capitalize()}{name}": {"target": (method, path), "parameters": {parameter: _ID}}
        for method, name in (("get", "ById"), ("patch", "ById"), ("delete", "ById"))
    }


# source operation -> link name -> target operation and what it takes from the response.
LINKS: dict[Operation, dict[str, dict[str, Any]]] = {
    PRODUCT: {
        **_by_id("/v1/products/{product_id}", "product_id"),
        "CreatePortion": {"target": PORTION, "parameters": {"product_id": _ID}},
        "ListPortions": {
            "target": ("get", "/v1/products/{product_id}/portions"),
            "parameters": {"product_id": _ID},
        },
    },
    PORTION: {
        **_by_id("/v1/portions/{portion_id}", "portion_id"),
        "CreateEntry": {
            "target": ENTRY,
            "body": {"product_id": "$response.body#/product_id", "portion_id": _ID},
        },
    },
    ENTRY: _by_id("/v1/food-entries/{entry_id}", "entry_id"),
    WEIGHT: _by_id("/v1/body-weights/{weight_id}", "weight_id"),
    **{goal: _by_id("/v1/goals/{goal_id}", "goal_id") for goal in GOALS},
}
# A create answers 201, and 200 when it replays a known client id: both carry the row.
CREATED = ("201", "200")


def add_links(document: dict[str, Any]) -> None:
    """Write `LINKS` into the responses of `document` (operationIds as FastAPI named them)."""
    paths = document["paths"]
    for (method, path), links in LINKS.items():
        responses = paths[path][method]["responses"]
        rendered = {
            name: {
                "operationId": paths[link["target"][1]][link["target"][0]]["operationId"],
                **({"parameters": link["parameters"]} if "parameters" in link else {}),
                **({"requestBody": link["body"]} if "body" in link else {}),
            }
            for name, link in links.items()
        }
        for status in CREATED:
            if status in responses:
                responses[status]["links"] = rendered
