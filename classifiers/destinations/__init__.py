"""Destinations: where a flow goes (server country and network owner from shipped data), who
receives it (the entity map and its jurisdiction), region groups and first or third party."""
