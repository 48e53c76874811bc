"""Database access, one module per aggregate. Every query of a device's data is scoped to that
device; the catalog's (`catalog`) are global by design, as is `shared.search`, which reads it."""
