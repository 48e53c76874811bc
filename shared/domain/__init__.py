"""Pure rules of the domain (units, nutrition and goal maths, vocabularies, sync cursors, barcodes,
the catalog dumps' mapping and quality gates, errors): no database, no web framework, and no
import of anything of ours outside this package."""
