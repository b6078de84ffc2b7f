"""Start-up reads revisions from file names; that reading must agree with Alembic's."""

from __future__ import annotations

from pathlib import Path

from kiosk.store.migrate import script_directory
from kiosk.store.revisions import shipped_revisions


def test_file_names_give_the_same_revisions_in_the_same_order_as_alembic(scripts: Path) -> None:
    graph = script_directory(scripts)
    alembic_order = [script.revision for script in reversed(list(graph.walk_revisions()))]
    assert shipped_revisions(scripts) == alembic_order
    assert graph.get_heads() == [alembic_order[-1]], "one head: the history is a straight line"


def test_each_revision_revises_the_one_before_it(scripts: Path) -> None:
    graph = script_directory(scripts)
    revisions = shipped_revisions(scripts)
    for previous, revision in zip([None, *revisions], revisions, strict=False):
        script = graph.get_revision(revision)
        assert script is not None and script.down_revision == previous
        assert Path(script.path).name.startswith(f"{revision}_")
