"""Search: the catalog's ranking tiers (`tiers`), a page of the catalog by a search
(`catalog_page`) and product search over the device's own products and the catalog
(`products`). Above the repositories: it composes their tables into one statement per search."""
