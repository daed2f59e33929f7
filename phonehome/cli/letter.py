"""`phonehome letter`: a data-subject access request to a company that received data in this capture."""

from __future__ import annotations

import sys
from datetime import date

import click

from phonehome.cli.common import (
    db_option,
    device_option,
    fail,
    open_store,
    output_option,
    private_file,
    session_option,
)
from phonehome.output import terminal_safe


def _date(ctx: click.Context, param: click.Parameter, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(f"{value!r} is not a date like 2026-01-31") from exc


@click.command("letter")
@click.option("--company", required=True, metavar="NAME",
              help="The company: its name, legal name or id in the entity map (phonehome lookup HOST names it).")  # fmt: skip
@db_option
@session_option
@device_option
@click.option("--law", type=click.Choice(["gdpr", "ccpa"]), default="gdpr", show_default=True,
              help="gdpr: right of access (Article 15); ccpa: right to know (Cal. Civ. Code 1798.110, 1798.115).")  # fmt: skip
@click.option(
    "--format", "fmt", type=click.Choice(["markdown", "text"]), default="markdown", show_default=True
)
@click.option("--include", multiple=True, metavar="KIND_OR_VALUE",
              help="Show this kind (advertising_id) or this exact value in full; repeatable. Passwords never.")  # fmt: skip
@click.option("--with-subsidiaries", is_flag=True,
              help="Cover the data the company's subsidiaries received too (the letter names them).")  # fmt: skip
@click.option(
    "--date", "today", callback=_date, metavar="YYYY-MM-DD", help="The letter's date (default: today)."
)
@output_option
def letter_cmd(company: str, db: str, session: str | None, device: str | None, law: str, fmt: str,
               include: tuple[str, ...], with_subsidiaries: bool, today: date | None, output: str | None) -> None:  # fmt: skip
    """Write a data-subject access request to a company that received your data in this capture.

    Example: phonehome letter --company Google --include advertising_id -o google.md

    GDPR Article 15 by default, or the CCPA's right to know (--law ccpa), addressed to the company's privacy
    contact where phonehome knows it, listing each kind of data its servers received: how often, when,
    from which hosts and how it was sent. Values are masked except those named with --include.
    """
    from importlib.metadata import PackageNotFoundError, version

    from phonehome.classifiers.destinations.entities import entity_map
    from phonehome.letter import Shown, UnknownCompany, find_company, gather, render

    emap = entity_map()
    try:
        entity, domain = find_company(emap, company)
    except UnknownCompany as exc:
        near = f"; closest: {', '.join(exc.closest)}" if exc.closest else ""
        fail(f"no company {company!r} in the entity map{near} (phonehome lookup HOST names a host's company)")
        raise  # unreachable
    if domain:
        click.echo(
            f"phonehome: {terminal_safe(company)!r} taken as {entity.name} (owner of {domain}).", err=True
        )
    with open_store(db, create=False, session=session, device=device) as store:
        received = gather(
            store, emap, entity, with_subsidiaries=with_subsidiaries, session=session, device=device
        )
    if not received.kinds:
        what = f"{received.flows:,} requests, no personal data found" if received.flows else "no requests"
        subs = (
            f"; its subsidiaries did ({', '.join(sorted(received.left_out))}): try --with-subsidiaries"
            if received.left_out
            else ""
        )
        click.echo(f"phonehome: {entity.name} received nothing in this capture ({what}){subs}; no letter written.",
                   err=True)  # fmt: skip
        sys.exit(1)
    shown = Shown.of(include)
    for missing in shown.unmatched(received):
        click.echo(f"phonehome: note: --include {terminal_safe(missing)!r} matched nothing {entity.name} received.",
                   err=True)  # fmt: skip
    if received.left_out:
        click.echo(f"phonehome: note: {', '.join(sorted(received.left_out))} ({entity.name}'s subsidiaries) also "
                   "received data; --with-subsidiaries covers them.", err=True)  # fmt: skip
    try:
        tool = version("phonehome")
    except PackageNotFoundError:  # pragma: no cover - run from a tree that was never installed
        tool = ""
    text = render(received, law=law, fmt=fmt, shown=shown, today=today, version=tool)
    if output:
        with private_file(output) as fh:
            fh.write(text)
        named = len(shown.kinds) + len(shown.values)
        full = f"; {named} --include {'entry' if named == 1 else 'entries'} in full" if named else ""
        click.echo(
            f"Wrote {output}: a {law.upper()} request to {entity.name} (values masked{full}).", err=True
        )
    else:
        sys.stdout.write(text)
