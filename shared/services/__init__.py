"""Business rules between the HTTP routes and the repositories."""
