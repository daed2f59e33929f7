"""What every command shares: one-line errors, the database, options, output and files.

Library errors become one clear line and exit code 2 here; exit 1 means the work was done but some
entries were skipped (counted and printed).
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

import click

from phonehome.classifiers.destinations.geoip import ENV_ASN, ENV_GEOIP
from phonehome.classifiers.destinations.regions import parse_region
from phonehome.classifiers.model import Category, Kind
from phonehome.output import terminal_safe

# The database, the geo data, the known values and rich are imported where they are used, so that a
# command's --help and the commands that need none of them start quickly (docs/performance.md#start-up).
if TYPE_CHECKING:
    from rich.console import Console

    from phonehome.classifiers.destinations.place import Destinations
    from phonehome.classifiers.detect.known import KnownValues
    from phonehome.db.store import Store

FINDING_CONTRACT = (
    "flow_id", "session", "time", "device", "method", "url", "host", "category", "kind", "value",
    "where", "path", "encodings", "confidence", "source", "hashed",
)  # fmt: skip
PLACE_COLUMNS = ("country", "region", "entity", "entity_country", "entity_region", "app", "vendor", "party")
FINDING_COLUMNS = FINDING_CONTRACT + PLACE_COLUMNS
FINDING_TABLE = ("flow_id", "time", "host", "kind", "value", "where", "path", "encodings", "source")
FLOW_COLUMNS = (
    "flow_id", "session", "time", "device", "method", "url", "host", "server_ip", "status", "tls",
    "request_bytes", "response_bytes", "findings",
)  # fmt: skip
FLOW_COLUMNS_EXTRA = ("error", "notes", "originals", *PLACE_COLUMNS, "app_evidence")
FLOW_TABLE = ("flow_id", "time", "method", "url", "status", "tls", "findings", "notes")
DESTINATION_COLUMNS = (
    "host", "domain", "ip", "country", "asn", "as_org", "anycast", "entity", "entity_country",
    "categories", "region", "flows", "findings", "kinds", "entity_region", "service",
)  # fmt: skip
DESTINATION_TABLE = (
    "host",
    "ip",
    "country",
    "as_org",
    "entity",
    "entity_country",
    "flows",
    "findings",
    "kinds",
)
REGION_TABLE = ("entity", "entity_country", "entity_region", "country", "region")

DEFAULT_DB = "phonehome.db"


def console(err: bool = False) -> Console:
    from rich.console import Console

    stream = sys.stderr if err else sys.stdout
    # Piped tables would be squeezed to 80 columns; give them room instead.
    width = None if stream.isatty() else 200
    return Console(stderr=err, highlight=False, soft_wrap=False, width=width)


def fail(message: str) -> None:
    """One line on stderr, exit code 2."""
    click.echo(f"phonehome: error: {terminal_safe(message, None)}", err=True)
    sys.exit(2)


# user:password@ in a URL SQLAlchemy cannot parse.
_URL_PASSWORD = re.compile(r"(://[^/@:]*:)([^/]*)@")


def shown_db(db: str) -> str:
    """--db as the CLI may print it: a URL with its password masked (`***`), a plain path as it is."""
    if "://" not in db:
        return db
    from sqlalchemy.engine import make_url

    try:
        return make_url(db).render_as_string(hide_password=True)
    except Exception:  # not a URL SQLAlchemy understands; it is printed in an error all the same
        return _URL_PASSWORD.sub(r"\1***@", db)


def without_password(text: str, db: str) -> str:
    """`text` (an error message, say) with the --db URL in it shown as `shown_db` shows it, and its
    password masked wherever else it appears, as sent or decoded (passwords under 4 characters are
    masked only inside the URL)."""
    if "://" not in db:
        return text
    from sqlalchemy.engine import make_url

    text = text.replace(db, shown_db(db))
    secrets = {m.group(2) for m in _URL_PASSWORD.finditer(db)}
    secrets |= {unquote(secret) for secret in secrets}
    try:
        secrets.add(make_url(db).password or "")
    except Exception:  # no password SQLAlchemy can read: the pattern found what there is
        pass
    for secret in sorted(secrets, key=len, reverse=True):
        if len(secret) >= 4:
            text = text.replace(secret, "***")
    return text


def _quoted(name: str) -> str:
    """A label or device name as an error line shows it: quoted, escaped, cut short."""
    return repr(name if len(name) <= 60 else name[:59] + "…")


def _listed(what: str, names: list[str]) -> str:
    if not names:
        return f"there are no {what}: see phonehome sessions"
    more = f" (+{len(names) - 3} more)" if len(names) > 3 else ""
    return f"{what}: {', '.join(_quoted(n) for n in names[:3])}{more}: see phonehome sessions"


def check_scope(store: Store, db: str, session: str | None = None, device: str | None = None) -> None:
    """An unknown --session or --device is the same one line and exit 2 in every command."""
    from phonehome.db import queries

    if session is not None and not queries.has_session(store, session):
        newest = queries.session_labels(store)[::-1]
        fail(f"no session {_quoted(session)} in {shown_db(db)}; {_listed('sessions', newest)}")
    if device is not None and not queries.has_device(store, device, session):
        where = f"session {_quoted(session)}" if session is not None else shown_db(db)
        fail(f"no device {_quoted(device)} in {where}; {_listed('devices', queries.devices(store, session))}")


def migrating(db: str) -> Callable[[int, int], None]:
    """Said before an older database is moved forward: on a big one that takes a while."""

    def say(found: int, version: int) -> None:
        click.echo(
            f"phonehome: updating {terminal_safe(shown_db(db), None)} from schema {found} to {version} "
            "(a large database can take a minute)...",
            err=True,
        )

    return say


@contextmanager
def open_store(
    db: str, create: bool, *, session: str | None = None, device: str | None = None
) -> Iterator[Store]:
    """The store of --db; a --session or --device it does not hold is an error (`check_scope`)."""
    from phonehome.db.store import Store, StoreError

    try:
        store = Store(db, create=create, on_migrate=migrating(db))
    except StoreError as exc:
        fail(without_password(str(exc), db))
        raise  # unreachable; keeps type checkers content
    try:
        check_scope(store, db, session, device)
        yield store
    except StoreError as exc:
        fail(without_password(str(exc), db))
    finally:
        store.dispose()


known_option = click.option(
    "--known",
    "known_file",
    type=click.Path(dir_okay=False),
    help="TOML file of your device's own values (IMEI, email, ...) to find in any encoding or digest.",
)


def known_values(path: str | None) -> KnownValues | None:
    if not path:
        return None
    from phonehome.classifiers.detect.known import KnownValues, KnownValuesError

    try:
        return KnownValues.from_toml(path)
    except KnownValuesError as exc:
        fail(str(exc))
        raise  # unreachable


def geo_options(func: Callable[..., Any]) -> Callable[..., Any]:
    func = click.option(
        "--asn-db", envvar=ENV_ASN, type=click.Path(dir_okay=False), show_envvar=True,
        help="Your own MaxMind GeoLite2/GeoIP2 ASN (or ISP) mmdb, used before the shipped data.",
    )(func)  # fmt: skip
    return click.option(
        "--geoip-db", envvar=ENV_GEOIP, type=click.Path(dir_okay=False), show_envvar=True,
        help="Your own MaxMind GeoLite2/GeoIP2 City or Country mmdb, used before the shipped data.",
    )(func)  # fmt: skip


def destinations_of(geoip_db: str | None, asn_db: str | None) -> Destinations:
    from phonehome.classifiers.destinations.geoip import GeoDataError, GeoIP
    from phonehome.classifiers.destinations.place import Destinations

    try:
        return Destinations(GeoIP(geoip_db, asn_db))
    except GeoDataError as exc:
        fail(str(exc))
        raise  # unreachable


resolve_option = click.option(
    "--resolve", is_flag=True,
    help="Look up missing server addresses through this computer's resolver (off by default: today's answer may differ).",
)  # fmt: skip


workers_option = click.option(
    "--workers", type=click.IntRange(0, 256), default=None, metavar="N",
    help="Worker processes that classify (default: one per core but one; 0: in this process).",
)  # fmt: skip


output_option = click.option(
    "-o", "--output", "output", type=click.Path(dir_okay=False),
    help="Write to this file (0600) instead of stdout.",
)  # fmt: skip


capture_workers_option = click.option(
    "--workers", type=click.IntRange(0, 256), default=None, metavar="N",
    help="Classifier processes, beside a writer process that stores; 0 keeps it all in the proxy's "
    "process (default: cores - 2, at least 1).",
)  # fmt: skip


def default_workers() -> int:
    """Replay: a classifier process per core but one, which the replay's own process takes (reading
    the file and storing are about a core's work); at least one (docs/performance.md#replay)."""
    from phonehome.db.workers import cores

    return max(1, cores() - 1)


db_option = click.option(
    "--db", default=DEFAULT_DB, show_default=True, help="SQLite file path or any SQLAlchemy URL."
)


session_option = click.option("--session", help="Only this session label (phonehome sessions lists them).")
device_option = click.option(
    "--device",
    help="Only this device: the name capture --device gave it, else its address (a capture) or the session "
    "label (a replay).",
)


def region_option_value(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return parse_region(value).value
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc


def filters_no_format(func: Callable[..., Any]) -> Callable[..., Any]:
    """The shared filters, for commands with their own --format."""
    func = click.option(
        "--category", type=click.Choice([c.value for c in Category]), help="Only this category."
    )(func)
    func = click.option("--kind", type=click.Choice([k.value for k in Kind]), help="Only this kind of data.")(
        func
    )
    func = click.option(
        "--region", callback=region_option_value, metavar="REGION",
        help="Only flows whose server OR receiving company is in this region: eu, uk, us, cn, hk, sg, ru, in, other.",
    )(func)  # fmt: skip
    func = click.option("--host", help="Only this host and its subdomains.")(func)
    return db_option(session_option(device_option(func)))


def filters(func: Callable[..., Any]) -> Callable[..., Any]:
    func = click.option(
        "--redact", is_flag=True, help="Mask personal values (as reports do); the default keeps full values."
    )(func)
    func = click.option(
        "--format", "fmt", type=click.Choice(["table", "jsonl", "csv"]), default="table", show_default=True
    )(func)
    func = click.option(
        "--app", help="Only flows attributed to this app (package or name, as in the app column)."
    )(func)
    return filters_no_format(func)


def emit(rows: Iterator[dict[str, Any]], fmt: str, columns: tuple[str, ...], table: tuple[str, ...]) -> None:
    from phonehome.output import write_csv, write_jsonl, write_table

    if fmt == "jsonl":
        write_jsonl(rows, sys.stdout)
    elif fmt == "csv":
        write_csv(rows, columns, sys.stdout)
    else:
        write_table(rows, table, console())


@contextmanager
def private_file(path: str) -> Iterator[Any]:
    """A file only its owner can read: reports and exports are personal data, redacted or not."""

    try:
        fd = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
        os.chmod(path, 0o600)
    except OSError as exc:
        fail(f"cannot write {path}: {exc.strerror or exc}")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        yield fh


def esc(text: str) -> str:
    from rich.markup import escape

    return escape(terminal_safe(text, None))
