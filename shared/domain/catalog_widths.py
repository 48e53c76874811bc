"""The catalog's text column widths, written once: the tables declare them and the dumps'
mapping cuts text to them, so a record that passed the mapping always fits its row."""

SOURCE_WIDTH = 32
SOURCE_ID_WIDTH = 64
NAME_WIDTH = 300
BRAND_WIDTH = 200
BARCODE_WIDTH = 64
CATEGORY_WIDTH = 200
CONTENT_HASH_WIDTH = 32
PORTION_LABEL_WIDTH = 200
PORTION_UNIT_WIDTH = 16
# The longest Open Food Facts delta file name (`catalog_deltas.DELTA_NAME`) is 55 characters.
DELTA_NAME_WIDTH = 64
