"""The start-up check reads the shipped revisions without Alembic: it must agree with Alembic."""

from __future__ import annotations

from pathlib import Path

from storage.migrate import script_directory, shipped

TOY = Path(__file__).resolve().parents[1] / "toy_feature" / "migrations"


def test_shipped_revisions_and_heads_are_alembics() -> None:
    for folders in (None, (TOY,)):
        revisions, heads = shipped(folders)
        scripts = script_directory(folders)
        assert revisions == {s.revision for s in scripts.walk_revisions()}
        assert heads == set(scripts.get_heads())
        assert heads and revisions


def test_a_file_it_cannot_read_sends_the_check_back_to_alembic(tmp_path: Path) -> None:
    (tmp_path / "0099_odd.py").write_text("revision = make_revision()\ndown_revision = None\n")
    assert shipped((tmp_path,)) == (frozenset(), frozenset())
