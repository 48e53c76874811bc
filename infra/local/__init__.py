"""Local stand-ins for AWS: an embedded PostgreSQL and an API Gateway (REST API) emulator."""
