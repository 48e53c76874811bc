"""Pydantic request and response models of the HTTP API (field names as in contract.md)."""
