"""The Lambda container's runtime: settings, logging and metrics."""
