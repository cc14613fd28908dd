"""A platform is a unit: a toy one registered in `adapters.registry` is configured, enabled,
checked and given moderators without any core file naming it."""

from __future__ import annotations

from collections.abc import Collection

import pytest
from pydantic import BaseModel, ConfigDict

import adapters.registry
from bot.config import Config, ConfigError, Secrets, enabled_adapters, parse_config
from bot.platforms import AdapterSpec, adapter_spec, adapter_specs, main_tokens, secret_names
from bot.runtime import token_problems


class ToyConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    enabled: bool = True
    moderators: list[str] = []


def _settings(config: Config) -> ToyConfig:
    found = config.section(TOY)
    assert isinstance(found, ToyConfig)
    return found


def _enabled(config: Config, secrets: Secrets) -> bool:
    return _settings(config).enabled and secrets.get("TOY_TOKEN") is not None


def _moderators(config: Config) -> Collection[str]:
    return _settings(config).moderators


def _problems(secrets: Secrets) -> list[str]:
    return [] if (secrets.get("TOY_TOKEN") or "").startswith("toy-") else ["TOY_TOKEN is odd"]


TOY = AdapterSpec(
    name="toy",
    section="toy",
    settings=ToyConfig,
    enabled=_enabled,
    secrets=("TOY_TOKEN",),
    token_problems=_problems,
    moderators=_moderators,
)


@pytest.fixture
def with_toy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(adapters.registry, "ADAPTERS", (*adapters.registry.ADAPTERS, TOY))


def test_the_registry_names_every_builtin_platform() -> None:
    assert [s.name for s in adapter_specs()] == ["slack", "discord", "console"]
    assert main_tokens() == "SLACK_BOT_TOKEN or DISCORD_TOKEN"
    assert set(secret_names()) == {
        "SLACK_BOT_TOKEN",
        "SLACK_SIGNING_SECRET",
        "SLACK_APP_TOKEN",
        "DISCORD_TOKEN",
    }


def test_an_unregistered_section_is_an_unknown_key() -> None:
    with pytest.raises(ConfigError, match=r"^toy: unknown key$"):
        parse_config({"toy": {}})


@pytest.mark.usefixtures("with_toy")
def test_a_registered_platform_gets_its_section_secrets_and_moderators() -> None:
    config = parse_config({"toy": {"moderators": ["T1"]}})
    assert _settings(config).moderators == ["T1"]
    assert _settings(parse_config({})).moderators == []  # defaults when the section is absent
    with pytest.raises(ConfigError, match=r"^toy\.colour: unknown key$"):
        parse_config({"toy": {"colour": "red"}})

    secrets = Secrets.from_env({"TOY_TOKEN": "toy-1", "UNRELATED": "x"})
    assert secrets.values == {"TOY_TOKEN": "toy-1"}
    assert enabled_adapters(config, secrets) == ["toy"]
    assert enabled_adapters(config, Secrets()) == ["console"]
    assert token_problems(Secrets.of(toy_token="x"), ["toy"]) == ["TOY_TOKEN is odd"]
    spec = adapter_spec("toy")
    assert spec is not None and set(spec.moderators(config)) == {"T1"}
    assert "TOY_TOKEN" in main_tokens()
