"""The command registry of the whole bot: every feature registers its commands here once."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.commands.registry import Registry

if TYPE_CHECKING:
    from bot.feature import Feature


def build_registry(features: Sequence[Feature] | None = None) -> Registry:
    """Every feature's commands (`bot.features.FEATURES` unless `features` says otherwise), in
    the features' order, which is the order `/rhizome help` lists them in."""
    if features is None:
        from bot.features import FEATURES

        features = FEATURES
    registry = Registry()
    for feature in features:
        feature.register_commands(registry)
    return registry
