"""Schema migrations (Alembic), applied by `Store` when it opens a database of an older version.

Each revision here moves the schema one `SCHEMA_VERSION` forward; `REVISIONS` in `db.store` maps the
two.  Databases created before migrations existed (version 1) are stamped `0001` first.
"""
