"""The core stays platform-neutral: adapters translate, bot/ and storage/ never import a platform."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PLATFORM_MODULES = ("discord", "slack_bolt", "slack_sdk")


@pytest.mark.parametrize("package", ["bot", "storage"])
def test_core_packages_import_no_platform_library(package: str) -> None:
    offenders = []
    for path in sorted((ROOT / package).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            for name in names:
                if name.split(".")[0] in PLATFORM_MODULES:
                    offenders.append(f"{path.relative_to(ROOT)}: {name}")
    assert offenders == []
