"""Database access, one module per aggregate; every query is scoped to a device."""
