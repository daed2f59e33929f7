"""Revision 0001 stands for the first schema: stamping it changes nothing."""

from __future__ import annotations

from alembic import command
from phonehome.db.store import REVISIONS, Store, alembic_config
from sqlalchemy import inspect


def test_stamping_the_first_revision_touches_no_table(db_url: str) -> None:
    store = Store(db_url)
    try:
        before = {
            t: [c["name"] for c in inspect(store.engine).get_columns(t)]
            for t in inspect(store.engine).get_table_names()
        }
        with store.engine.begin() as conn:
            command.stamp(alembic_config(conn), REVISIONS[1])
        after = {
            t: [c["name"] for c in inspect(store.engine).get_columns(t)]
            for t in inspect(store.engine).get_table_names()
        }
        assert before == after
    finally:
        store.dispose()
