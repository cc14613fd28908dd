"""Every feature is declared once, in `FEATURES`, and keeps its part of privacy."""

from __future__ import annotations

import importlib

import pytest
from sqlalchemy import Table

from bot.commands import build_registry
from bot.feature import Feature, implements, table_modules
from bot.features import FEATURES
from storage.models import Base

# The core's tables are forgotten and exported by the privacy commands themselves.
CORE_TABLES = {m for f in FEATURES if f.name == "core" for m in f.table_modules}


def _holds_member_data(table: Table) -> bool:
    for column in table.columns:
        if column.name.endswith(("member_external_id", "actor_external_id")):
            return True
        if any(fk.column.table.name == "members" for fk in column.foreign_keys):
            return True
    return False


def _tables_of(module_name: str) -> list[Table]:
    module = importlib.import_module(module_name)
    found = []
    for value in vars(module).values():
        table = getattr(value, "__table__", value)
        if isinstance(table, Table) and table.metadata is Base.metadata:
            found.append(table)
    return found


def test_features_are_features_with_unique_names() -> None:
    assert all(isinstance(f, Feature) for f in FEATURES)
    names = [f.name for f in FEATURES]
    assert len(set(names)) == len(names) and all(names)


@pytest.mark.parametrize("feature", [f for f in FEATURES if f.owns_member_data], ids=str)
def test_a_feature_that_owns_member_data_forgets_and_exports_it(feature: Feature) -> None:
    assert implements(feature, "forget"), f"{feature.name} keeps member data but cannot forget it"
    assert implements(feature, "export"), f"{feature.name} keeps member data but cannot export it"


def test_every_table_with_member_data_belongs_to_a_feature_that_owns_member_data() -> None:
    owner = {m: f for f in FEATURES for m in f.table_modules}
    for module in table_modules(FEATURES):
        for table in _tables_of(module):
            if module in CORE_TABLES or not _holds_member_data(table):
                continue
            assert owner[module].owns_member_data, (
                f"{table.name} (in {module}) holds member data, but feature "
                f"{owner[module].name} does not say so, so forget-me would skip it"
            )


def test_every_table_belongs_to_a_feature() -> None:
    for module in table_modules(FEATURES):
        importlib.import_module(module)
    declared = {t.name for m in table_modules(FEATURES) for t in _tables_of(m)}
    assert {t.name for t in Base.metadata.sorted_tables} <= declared


def test_the_registry_holds_every_features_commands_in_their_order() -> None:
    registry = build_registry()
    assert registry.in_group("rhizome")[0].path == ("help",)
    assert {s.full_name for s in registry.in_group("rhizome")} >= {
        "/rhizome who-knows",
        "/rhizome intros on",
        "/rhizome privacy forget-me",
    }
