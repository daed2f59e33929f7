"""Storage: the schema, the batched writer, the read queries and the migrations (SQLAlchemy 2)."""
