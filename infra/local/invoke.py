"""`make invoke FUNCTION=<LogicalId> EVENT=<file>`: what `sam local invoke` does, in-process and
without Docker, against DATABASE_URL or the embedded development database."""

from __future__ import annotations

import argparse
import importlib
import json
import os
from pathlib import Path

from infra.local.database import local_database_url
from infra.local.events import LambdaContext
from infra.local.template import api_config


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("function", help="logical id in template.yaml, e.g. ProductsFunction")
    parser.add_argument("event", type=Path, help="an event file, e.g. events/products-list.json")
    args = parser.parse_args(argv)
    handlers = api_config().handlers
    if args.function not in handlers:
        parser.error(f"unknown function {args.function}; one of {', '.join(sorted(handlers))}")
    _server, url = local_database_url()
    os.environ["DATABASE_URL"] = url
    module_name, attribute = handlers[args.function].rsplit(".", 1)
    handler = getattr(importlib.import_module(module_name), attribute)
    event = json.loads(args.event.read_text(encoding="utf-8"))
    result = handler(event, LambdaContext(function_name=args.function))
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
