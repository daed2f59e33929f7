"""db/migrations/env.py: Alembic runs on the connection Store hands over, the whole chain up and down."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.script import ScriptDirectory
from phonehome.db.models import SCHEMA_VERSION
from phonehome.db.store import MIGRATIONS, REVISIONS, Store, alembic_config
from sqlalchemy import inspect, text


def test_revisions_form_one_chain_matching_the_schema_versions() -> None:
    script = ScriptDirectory(str(MIGRATIONS))
    heads = script.get_heads()
    assert heads == [REVISIONS[SCHEMA_VERSION]]
    chain = [rev.revision for rev in script.walk_revisions()]
    assert sorted(chain) == sorted(REVISIONS.values())


def test_down_and_up_again(tmp_path: Path) -> None:
    store = Store(str(tmp_path / "m.db"))
    try:
        with store.engine.begin() as conn:
            command.downgrade(alembic_config(conn), REVISIONS[1])
        cols = {c["name"] for c in inspect(store.engine).get_columns("flows")}
        assert "app" not in cols
        with store.engine.begin() as conn:
            command.upgrade(alembic_config(conn), "head")
            assert (
                conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
                == REVISIONS[SCHEMA_VERSION]
            )
        assert "app" in {c["name"] for c in inspect(store.engine).get_columns("flows")}
    finally:
        store.dispose()
