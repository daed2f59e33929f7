"""phonehome: what does my phone send, to whom, and where?  docs/architecture.md maps the package."""
