"""Device tokens: their format, hashing and the authorizer's verification."""
