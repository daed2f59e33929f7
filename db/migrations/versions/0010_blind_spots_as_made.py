"""SCHEMA_VERSION 10: `blind_spots` of a migrated database made exactly as a fresh one makes it.

Revision 0005 made `blind_spots` from `tls_failures` (a rename and two new columns), so a database
migrated through it kept traces of the old table that `metadata.create_all` never makes:

- server defaults on `device` ('') and `kind` ('client_tls');
- on PostgreSQL, the old table's names: `tls_failures_session_id_fkey`, `tls_failures_pkey` and the
  sequence `tls_failures_id_seq` (a fresh table has `blind_spots_...`), so a later migration that
  drops the foreign key by name would fail on migrated databases only;
- on SQLite, the two new columns last (create_all puts them among the others), and whatever 0005's
  batch copy read back from the old table: one made by create_all (phonehome 1-4) came out as it was,
  but one written by hand with `time TIMESTAMP`, a nullable `id` or an inline
  `REFERENCES ... ON DELETE CASCADE` (whose ON DELETE the copy does not keep) came out so.

Up, each step only if what is there differs from what create_all makes:

- PostgreSQL, in place: the server defaults are dropped; a column whose type or nullability differs is
  altered; the primary key, the foreign key and the id's sequence are renamed (a foreign key without
  ON DELETE CASCADE is dropped and made again with it; an `id` with no sequence at all gets one, set
  after the highest id, as SERIAL would have made it).  The order of the columns stays as it is
  (PostgreSQL cannot move a column without copying the table, and `flows` of a migrated database has
  its own order too): no statement reads them by position.
- SQLite: the table is rebuilt as create_all makes it, the same DDL text and column order: the old
  table is renamed aside, the new one created, every row copied with its id, the old one dropped and
  its index made again.  Nothing refers to `blind_spots` (no foreign key, view or trigger: checked
  before the copy, not assumed), so dropping the old table deletes nothing else; its own foreign key
  points at `sessions`, whose rows are untouched.

A fresh database (create_all, stamped) is already so: up changes nothing in it.

Down restores 0005's two server defaults, and only them, which is enough: the names, ON DELETE
CASCADE, column types and (SQLite) column order that up made are what a fresh schema-9 database has
anyway, schema 9 relies on none of the old ones, and 0005's down renames the table back to
`tls_failures` whatever its constraints are called.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.schema import CreateTable

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# Written out here so this revision means the same whatever later versions add.
_TABLE = "blind_spots"
_ASIDE = "_blind_spots_before_0010"
_PK, _FK, _SEQUENCE = "blind_spots_pkey", "blind_spots_session_id_fkey", "blind_spots_id_seq"
_INDEX = ("ix_blind_spots_session_id", ("session_id",))
_CHECK = ("ck_blind_spot_kind", "kind IN ('client_tls', 'upstream_tls', 'not_http', 'udp')")
# 0005's server defaults, put back by down (as 0005 wrote them).
_DEFAULTS_5 = (("device", ""), ("kind", "client_tls"))

_made = sa.MetaData()
# Only so the foreign key below compiles; never created here.
sa.Table("sessions", _made, sa.Column("id", sa.Integer(), primary_key=True))
# `blind_spots` as create_all makes it at schema 10 (db/models.py's BLIND_SPOTS), without its index,
# which is made after the old table (holding the index's name) is gone.
_MADE = sa.Table(
    _TABLE,
    _made,
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column("session_id", sa.Integer(), sa.ForeignKey("sessions.id", ondelete="CASCADE"), nullable=False),
    sa.Column("time", sa.DateTime(), nullable=False),
    sa.Column("client_address", sa.String(64), nullable=True),
    sa.Column("device", sa.String(200), nullable=False),
    sa.Column("host", sa.String(255), nullable=False),
    sa.Column("server_ip", sa.String(45), nullable=True),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("error", sa.Text(), nullable=False),
    sa.CheckConstraint(_CHECK[1], name=_CHECK[0]),
)


def _cascades(fk: Any) -> bool:
    return bool(
        fk["constrained_columns"] == ["session_id"]
        and fk["referred_table"] == "sessions"
        and fk["referred_columns"] == ["id"]
        and str((fk.get("options") or {}).get("ondelete") or "").upper() == "CASCADE"
    )


def _as_made(bind: sa.Connection) -> bool:
    """Whether SQLite's table is what create_all makes: its columns in order (type, nullability, no
    default), primary key, one foreign key with ON DELETE CASCADE, the check and the index (SQLite
    keeps no other constraint names)."""
    insp, dialect = sa.inspect(bind), bind.dialect
    columns = [(c["name"], c["type"].compile(dialect=dialect), c["nullable"], c.get("default"))
               for c in insp.get_columns(_TABLE)]  # fmt: skip
    fks = insp.get_foreign_keys(_TABLE)
    return (
        columns == [(c.name, c.type.compile(dialect=dialect), c.nullable, None) for c in _MADE.c]
        and insp.get_pk_constraint(_TABLE)["constrained_columns"] == ["id"]
        and len(fks) == 1
        and _cascades(fks[0])
        and [(c["name"], c["sqltext"]) for c in insp.get_check_constraints(_TABLE)] == [_CHECK]
        and [(ix["name"], tuple(ix["column_names"]), bool(ix["unique"])) for ix in insp.get_indexes(_TABLE)]
        == [(*_INDEX, False)]
    )


def _nothing_refers_to_the_table(bind: sa.Connection) -> None:
    insp = sa.inspect(bind)
    referring = [
        t for t in insp.get_table_names() for fk in insp.get_foreign_keys(t) if fk["referred_table"] == _TABLE
    ]
    referring += bind.execute(
        sa.text("SELECT name FROM sqlite_master WHERE type IN ('view', 'trigger') AND sql LIKE :t"),
        {"t": f"%{_TABLE}%"},
    ).scalars().all()  # fmt: skip
    if referring:
        raise RuntimeError(f"{_TABLE} is referred to by {sorted(referring)}: it cannot be rebuilt safely")


def _rebuild_sqlite(bind: sa.Connection) -> None:
    if _as_made(bind):
        return
    _nothing_refers_to_the_table(bind)
    columns = ", ".join(c.name for c in _MADE.c)
    op.rename_table(_TABLE, _ASIDE)
    op.execute(CreateTable(_MADE))
    op.execute(f"INSERT INTO {_TABLE} ({columns}) SELECT {columns} FROM {_ASIDE}")
    op.drop_table(_ASIDE)  # and with it the index, whose name is made again now
    op.create_index(_INDEX[0], _TABLE, list(_INDEX[1]))


def _alter_postgresql(bind: sa.Connection) -> None:
    insp, dialect = sa.inspect(bind), bind.dialect
    quote = dialect.identifier_preparer.quote
    have = {c["name"]: c for c in insp.get_columns(_TABLE)}
    for column in _MADE.c:
        now = have[column.name]
        if column.name != "id" and now.get("default") is not None:
            op.alter_column(_TABLE, column.name, server_default=None)
        made = column.type.compile(dialect=dialect)
        if now["type"].compile(dialect=dialect) != made:
            op.alter_column(_TABLE, column.name, type_=column.type, postgresql_using=f"{column.name}::{made}")
        if now["nullable"] != column.nullable:
            op.alter_column(_TABLE, column.name, nullable=column.nullable)

    pk = insp.get_pk_constraint(_TABLE)["name"]
    if pk and pk != _PK:  # renames its index too
        op.execute(f"ALTER TABLE {_TABLE} RENAME CONSTRAINT {quote(pk)} TO {_PK}")

    fks = insp.get_foreign_keys(_TABLE)  # PostgreSQL names every constraint
    if len(fks) == 1 and _cascades(fks[0]):
        if fks[0]["name"] != _FK:
            op.execute(f"ALTER TABLE {_TABLE} RENAME CONSTRAINT {quote(str(fks[0]['name']))} TO {_FK}")
    else:
        for fk in fks:
            op.drop_constraint(str(fk["name"]), _TABLE, type_="foreignkey")
        op.create_foreign_key(_FK, _TABLE, "sessions", ["session_id"], ["id"], ondelete="CASCADE")

    # The sequence SERIAL made for `id` (schema-qualified and quoted as needed), if any.
    sequence = bind.execute(sa.text(f"SELECT pg_get_serial_sequence('{_TABLE}', 'id')")).scalar()
    if sequence is not None:
        name = bind.execute(sa.text("SELECT relname FROM pg_class WHERE oid = CAST(:s AS regclass)"),
                            {"s": sequence}).scalar()  # fmt: skip
        if name != _SEQUENCE:
            op.execute(f"ALTER SEQUENCE {sequence} RENAME TO {_SEQUENCE}")
    elif have["id"].get("default") is None:
        # What SERIAL makes: an integer sequence owned by the column, its next value after every id.
        op.execute(f"CREATE SEQUENCE {_SEQUENCE} AS integer OWNED BY {_TABLE}.id")
        op.execute(f"SELECT setval('{_SEQUENCE}', coalesce(max(id), 0) + 1, false) FROM {_TABLE}")
        op.execute(f"ALTER TABLE {_TABLE} ALTER COLUMN id SET DEFAULT nextval('{_SEQUENCE}'::regclass)")


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        _rebuild_sqlite(bind)
    else:
        _alter_postgresql(bind)


def downgrade() -> None:
    have = {c["name"]: c for c in sa.inspect(op.get_bind()).get_columns(_TABLE)}
    missing = [(name, default) for name, default in _DEFAULTS_5 if have[name].get("default") is None]
    if not missing:
        return
    if op.get_bind().dialect.name == "sqlite":  # a batch copy of the table, as up's
        _nothing_refers_to_the_table(op.get_bind())
    with op.batch_alter_table(_TABLE, recreate="auto") as batch:
        for name, default in missing:
            batch.alter_column(name, server_default=default)
