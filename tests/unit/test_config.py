"""Configuration: defaults, validation messages, secrets only from the environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import (
    Config,
    ConfigError,
    Secrets,
    enabled_adapters,
    load_config,
)

REPO = Path(__file__).resolve().parents[2]


def write(tmp_path: Path, text: str | bytes) -> Path:
    p = tmp_path / "rhizome.toml"
    p.write_bytes(text.encode() if isinstance(text, str) else text)
    return p


def test_defaults_work_without_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    config = load_config(None)
    assert config.storage.url == "sqlite+aiosqlite:///rhizome.db"
    assert config.privacy.default_tracking is True


def test_the_example_config_is_valid_and_complete() -> None:
    config = load_config(REPO / "config.example.toml")
    assert isinstance(config, Config)
    text = (REPO / "config.example.toml").read_text()
    for section, model in Config.model_fields.items():
        assert f"[{section}]" in text, f"config.example.toml lacks [{section}]"
        for key in model.annotation.model_fields:  # type: ignore[union-attr]
            assert f"{key} =" in text or f"# {key} =" in text, f"{section}.{key} undocumented"


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("colour = 'red'", "colour: unknown key"),
        ("[storage]\nurl = 5", "storage.url: Input should be a valid string"),
        ("[storage]\nurl = 'mysql://x'", "storage.url: must start with"),
        ("[slack]\nport = 'eighty'", "slack.port"),
        ("[slack]\nport = 70000", "slack.port"),
        ("[tracking]\nignored_channels = 'random'", "tracking.ignored_channels"),
        ("[storage\nurl=", "not valid TOML"),
    ],
)
def test_bad_config_names_the_key(tmp_path: Path, toml: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(".", r"\.")):
        load_config(write(tmp_path, toml))


def test_non_utf8_and_missing_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_config(write(tmp_path, b"\xff\xfe[x]"))
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "nope.toml")


def test_secrets_come_from_the_environment_and_never_print() -> None:
    secrets = Secrets.from_env({"SLACK_BOT_TOKEN": "xoxb-secret", "SLACK_SIGNING_SECRET": "shh"})
    assert "xoxb-secret" not in repr(secrets) and "shh" not in repr(secrets)
    assert enabled_adapters(Config(), secrets) == ["slack"]
    assert enabled_adapters(Config(), Secrets()) == ["console"]
    assert enabled_adapters(Config(), Secrets.of(discord_token="d")) == ["discord"]


def test_an_enabled_adapter_without_its_secret_fails_clearly() -> None:
    with pytest.raises(ConfigError, match="SLACK_SIGNING_SECRET"):
        enabled_adapters(Config(), Secrets.of(slack_bot_token="xoxb"))
