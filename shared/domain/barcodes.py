"""Barcodes: one normal form for every code we store or look up, so that a product imported from
Open Food Facts or USDA, a product a user created, and a code a phone scanned meet in one index.

The normal form follows Open Food Facts' `normalize_code` (the form its `code` field has):
digits only; leading zeros stripped, then padded to 13 digits (so a 12-digit UPC-A, as Android
reports it, and the same code with a leading 0, as iOS reports it, both become the 13-digit EAN
form); a 13-digit code that starts with `00000` is an EAN-8 and becomes those 8 digits; a 14-digit
GTIN keeps its 14 digits once its leading zero is gone (with one, it is 13 digits). Longer codes
(store-internal, seen in the dumps) are kept as digits. The GS1 check digit decides whether an
8-digit code can also be a UPC-E, which a lookup expands to its UPC-A.
"""

from __future__ import annotations

import re

_SEPARATORS = re.compile(r"[\s-]+")
_DIGITS = re.compile(r"[0-9]+")
EAN13_LENGTH = 13
MAX_LENGTH = 64  # the column's width; real GTINs have at most 14 digits


class InvalidBarcodeError(ValueError):
    """The text is not a barcode: after removing spaces and dashes, not only digits."""


def gs1_check_digit(payload: str) -> int:
    """The GS1 check digit for `payload` (all digits but the last): weights 3 and 1 from the
    right, and the digit that brings the sum to a multiple of 10."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(payload)))
    return (10 - total % 10) % 10


def has_valid_check_digit(code: str) -> bool:
    """Whether the last digit of `code` is the GS1 check digit of the others."""
    return len(code) >= 2 and code.isdigit() and gs1_check_digit(code[:-1]) == int(code[-1])


def normalize_barcode(text: str) -> str:
    """The normal form of a barcode typed, scanned or imported; InvalidBarcodeError when `text`
    holds anything but digits, spaces and dashes, or no digit other than zeros."""
    digits = _SEPARATORS.sub("", text)
    if not _DIGITS.fullmatch(digits) or len(digits) > MAX_LENGTH:
        raise InvalidBarcodeError("a barcode is digits only (spaces and dashes are ignored)")
    significant = digits.lstrip("0")
    if not significant:
        raise InvalidBarcodeError("a barcode cannot be all zeros")
    code = significant.zfill(EAN13_LENGTH)
    if len(code) == EAN13_LENGTH and code.startswith("00000"):
        return code[5:]
    return code


def normalized_or_none(text: object) -> str | None:
    """`normalize_barcode`, with None for no code or one that is not a barcode (imports keep the
    product and drop a malformed code)."""
    if not isinstance(text, str):
        return None
    try:
        return normalize_barcode(text)
    except InvalidBarcodeError:
        return None


def upc_e_to_upc_a(code: str) -> str | None:
    """The 12-digit UPC-A that an 8-digit UPC-E (number system 0 or 1) stands for, or None when
    `code` cannot be a UPC-E (wrong length, number system or check digit)."""
    if len(code) != 8 or not code.isdigit() or code[0] not in "01":
        return None
    system, d, check = code[0], code[1:7], code[7]
    last = d[5]
    if last in "012":
        body = d[0:2] + last + "0000" + d[2:5]
    elif last == "3":
        body = d[0:3] + "00000" + d[3:5]
    elif last == "4":
        body = d[0:4] + "00000" + d[4]
    else:
        body = d[0:5] + "0000" + last
    upc_a = system + body + check
    return upc_a if has_valid_check_digit(upc_a) else None


def lookup_candidates(text: str) -> list[str]:
    """The normal forms to look a scanned code up by, in order of preference: the code itself,
    then, for an 8-digit code, its UPC-E expansion (the app's scanner reads both symbologies,
    and an 8-digit UPC-E is only found under its UPC-A)."""
    code = normalize_barcode(text)
    candidates = [code]
    if len(code) == 8 and (upc_a := upc_e_to_upc_a(code)) is not None:
        candidates.append(normalize_barcode(upc_a))
    return candidates
