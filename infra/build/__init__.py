"""The Docker-free Lambda artifact build: per-function packaging, size budgets, SAM transform."""
