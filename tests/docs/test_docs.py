"""Docs a test keeps honest: commands, options, detectors, the README's commands and CI."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
from phonehome.classifiers.registry import DETECTORS

from phonehome.cli.main import COMMANDS, REGISTRY

ROOT = Path(__file__).resolve().parents[2]
CLI_MD = (ROOT / "docs" / "cli.md").read_text()
DETECTORS_MD = (ROOT / "docs" / "detectors.md").read_text()
README = (ROOT / "README.md").read_text()


@pytest.mark.parametrize("name", sorted(entry.name for entry in REGISTRY))
def test_every_command_and_option_is_documented(name: str) -> None:
    assert f"`phonehome {name}" in CLI_MD, f"docs/cli.md has no section for {name}"
    command = next(c for c in COMMANDS if c.name == name)
    for param in command.params:
        if isinstance(param, click.Option):
            for opt in param.opts:
                if opt.startswith("--"):
                    assert f"`{opt}" in CLI_MD, f"{name} {opt} is not in docs/cli.md"


@pytest.mark.parametrize("detector", [spec.name for spec in DETECTORS])
def test_every_detector_is_documented(detector: str) -> None:
    assert re.search(rf"^\| `{re.escape(detector)}` \|", DETECTORS_MD, re.M), detector


def _code_blocks(text: str) -> list[str]:
    return re.findall(r"```sh\n(.*?)```", text, re.S)


def test_readme_commands_and_ci_agree() -> None:
    blocks = _code_blocks(README)
    first, tests = blocks[0].strip(), blocks[1].strip()
    assert first.endswith("&& phonehome demo")
    ci = (ROOT / ".ci" / "run").read_text().strip().splitlines()[-1]
    assert ci == tests, "README's test command and .ci/run differ"


def test_readme_and_docs_links_resolve() -> None:
    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for target in re.findall(r"\]\(([^)#:]+)\)", doc.read_text()):
            assert (doc.parent / target).exists(), f"{doc.name} links to missing {target}"


def test_destination_docs_state_true_sizes() -> None:
    from phonehome.classifiers.destinations.entities import entity_map
    from phonehome.classifiers.destinations.geoip import EMBEDDED_ASN, EMBEDDED_COUNTRY

    text = (ROOT / "docs" / "destinations.md").read_text()
    emap = entity_map()
    m = re.search(r"\*\*CC0 1.0\*\*: ([\d,]+) companies and ([\d,]+) host suffixes", text)
    assert m, "docs/destinations.md no longer states the entity map's size"
    assert int(m.group(1).replace(",", "")) <= len(emap.entities)
    assert int(m.group(2).replace(",", "")) <= len(emap.domains)
    mb = (EMBEDDED_COUNTRY.stat().st_size + EMBEDDED_ASN.stat().st_size) / 2**20
    assert f"{mb:.1f} MB together" in text


def test_architecture_names_every_package_and_module() -> None:
    from tests.test_layers import modules

    text = (ROOT / "docs" / "architecture.md").read_text()
    for module, path in modules():
        rel = path.relative_to(ROOT)
        if path.name == "__init__.py" or not (path.parent / "__init__.py").exists():
            # A package, or a folder of files loaded by path (migration versions): named as a folder.
            assert f"`{rel.parent.as_posix()}/" in text, f"docs/architecture.md does not name {module}"
        else:
            assert f"`{path.name}`" in text or f"`{rel.as_posix()}`" in text, (
                f"docs/architecture.md does not name {rel}"
            )
    assert "<-" in text and "tests/test_layers.py" in text  # the layer order and what keeps it


def _slug(heading: str) -> str:
    """A heading's anchor as GitHub makes it: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_the_goals_table_names_real_benchmarks_options_and_sections() -> None:
    """docs/performance.md's table of issue 13's goals: each command is a benchmark script that takes
    the options shown, and each link leads to a section of the page."""
    text = (ROOT / "docs" / "performance.md").read_text()
    table = text.split("## Where each goal of issue 13 stands", 1)[1].split("\n## ", 1)[0]
    rows = [line.split(" | ") for line in table.splitlines() if line.startswith("| ") and "`" in line]
    assert len(rows) >= 9
    scripts = 0
    last: list[str] = []
    for row in rows:
        cell = row[2]  # the command: a script, then options of its own in the same cell
        named = re.findall(r"python (benchmarks/\w+\.py)", cell)
        if cell.startswith("the same"):  # the row above's script, perhaps with another
            named = [*last, *named]
        if not named:
            assert cell.startswith("`pytest tests/"), cell
            continue
        last = named
        scripts += 1
        source = "".join((ROOT / script).read_text() for script in named)
        for option in re.findall(r"--[a-z][a-z-]*", cell):
            assert f'"{option}"' in source, f"{', '.join(named)} takes no {option}"
    assert scripts >= 8
    anchors = {_slug(h) for h in re.findall(r"^#+ (.+)$", text, flags=re.M)}
    links = re.findall(r"\]\(#([^)]+)\)", table)
    assert links
    for link in links:
        assert link in anchors, f"no section of docs/performance.md has the anchor #{link}"
