"""Catalog import from the published dumps: readers per file format, the projection for the AWS
import, and the import run that batches, stages and merges them (the pure mapping to catalog
records with its quality gates is `shared.domain.catalog_mapping`: the repositories that stage
and merge records import its types, so it sits below them)."""
