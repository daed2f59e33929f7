"""Cost of storing a flow, beside the cost of classifying it, and where the storing goes.

    python benchmarks/store.py [--flows 3200] [--batch 25] [--db URL]

The proxy benchmark's request (a JSON body with an IMEI, an advertising ID, coordinates and screen
events: 4 findings) is classified, then stored `--batch` flows at a time as the writer stores them,
into a new SQLite file (or the PostgreSQL database `--db` names, which must be empty). Prints one
summary line: CPU microseconds a flow for classifying and for storing, and the wall time a flow
spent in the statements of each table.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from phonehome.classifiers.model import Exchange  # noqa: E402
from phonehome.classifiers.registry import analyze  # noqa: E402
from phonehome.db import bulk  # noqa: E402
from phonehome.db.store import Store  # noqa: E402
from sqlalchemy.engine import Connection  # noqa: E402

from benchmarks.proxy import BODY  # noqa: E402


def _exchange(i: int, start: datetime) -> Exchange:
    return Exchange(
        start + timedelta(milliseconds=i), "POST", f"http://127.0.0.1:8080/collect?n={i}",
        request_headers=(("Content-Type", "application/json"), ("Host", "127.0.0.1:8080")),
        request_body=BODY, status=204, server_ip="127.0.0.1", client_address="127.0.0.1:5555",
        fingerprint=f"bench-{i}",
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--flows", type=int, default=3200)
    parser.add_argument("--batch", type=int, default=25)
    parser.add_argument(
        "--db", default="", help="an empty PostgreSQL database's URL (default: a new SQLite file)"
    )
    args = parser.parse_args()
    start = datetime.now(UTC)
    exchanges = [_exchange(i, start) for i in range(args.flows)]
    analyze(exchanges[0])  # data loaded before timing
    t = time.process_time()
    analyses = [analyze(e) for e in exchanges]
    classify = (time.process_time() - t) / args.flows
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(args.db or str(Path(tmp) / "store.db"))
        try:
            session = store.open_session("bench", "capture")
            spent: Counter[str] = Counter()
            real, real_sql = Connection.execute, Connection.exec_driver_sql

            def timed(self: Connection, statement: Any, *a: Any, **k: Any) -> Any:
                t0 = time.perf_counter()
                try:
                    return real(self, statement, *a, **k)
                finally:
                    table = getattr(getattr(statement, "table", None), "name", None)
                    spent[table or type(statement).__name__] += time.perf_counter() - t0

            def timed_sql(self: Connection, statement: str, *a: Any, **k: Any) -> Any:
                t0 = time.perf_counter()
                try:
                    return real_sql(self, statement, *a, **k)
                finally:  # db/bulk.py's INSERT INTO <table> ..., or BEGIN and the like
                    words = statement.split()
                    spent[words[2].strip('"') if words[:2] == ["INSERT", "INTO"] else words[0]] += (
                        time.perf_counter() - t0
                    )

            real_copy = bulk._copy

            def timed_copy(conn: Connection, prepared: Any, values: Any) -> None:
                t0 = time.perf_counter()
                try:
                    real_copy(conn, prepared, values)
                finally:  # COPY <table> (...) FROM STDIN, on PostgreSQL
                    spent[prepared.sql.split()[1].strip('"')] += time.perf_counter() - t0

            Connection.execute = timed  # type: ignore[method-assign]
            Connection.exec_driver_sql = timed_sql  # type: ignore[method-assign]
            bulk._copy = timed_copy
            try:
                t, wall = time.process_time(), time.perf_counter()
                for i in range(0, args.flows, args.batch):
                    store.write(session, "bench", analyses[i : i + args.batch])
                stored, wall = (
                    (time.process_time() - t) / args.flows,
                    (time.perf_counter() - wall) / args.flows,
                )
            finally:
                Connection.execute, Connection.exec_driver_sql = real, real_sql  # type: ignore[method-assign]
                bulk._copy = real_copy
        finally:
            store.dispose()
    per_table = ", ".join(f"{name} {seconds / args.flows * 1e6:.0f}" for name, seconds in spent.most_common())
    print(
        f"store: {args.flows} flows of {len(analyses[0].findings)} findings in batches of {args.batch}: "
        f"classify {classify * 1e6:.0f} us/flow, store {stored * 1e6:.0f} us/flow of CPU "
        f"({wall * 1e6:.0f} wall); statements, wall us/flow: {per_table}"
    )


if __name__ == "__main__":
    main()
