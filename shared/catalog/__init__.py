"""Catalog import from the published dumps: readers per file format, the pure mapping to catalog
records with its quality gates, and the import run that batches, stages and merges them."""
