"""FastAPI glue shared by the HTTP functions: app factory, error handlers, dependencies."""
