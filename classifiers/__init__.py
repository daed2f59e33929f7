"""The pure analysis: decode a request, detect what it carries, place where it goes."""
