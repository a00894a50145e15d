"""Services: the operations the CLI and the app perform, each in its own transaction."""
