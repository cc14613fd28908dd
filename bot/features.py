"""The features of this bot, in the order their commands are listed in `/rhizome help`.

This tuple is the only place that names them: the command registry, the composition root
(`bot.app`), the migrations env and the privacy commands (forget-me, my-data) read it. Adding a
feature is a package with a `Feature` (see `bot.feature`) and one line here.
"""

from __future__ import annotations

from bot.commands.admin import FEATURE as ADMIN
from bot.commands.feature import FEATURE as CORE
from bot.digests.feature import FEATURE as DIGESTS
from bot.feature import Feature
from bot.interests.feature import FEATURE as INTERESTS
from bot.intros.feature import FEATURE as INTROS

FEATURES: tuple[Feature, ...] = (CORE, INTERESTS, INTROS, DIGESTS, ADMIN)
