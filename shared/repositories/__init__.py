"""Database access, one module per aggregate. Every query of a device's data is scoped to that
device; the catalog's (`catalog`, the catalog half of `product_search`) are global by design."""
