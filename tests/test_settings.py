"""Config: one typed object from config.yaml + OUDERWIJZER_* environment; errors read as one line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.errors import ConfigError
from bot.settings import load_settings
from tests.conftest import REPO


def test_defaults_load_and_paths_resolve_to_the_config_folder() -> None:
    settings = load_settings(REPO / "config.yaml", environ={})
    assert settings.store.mode == "embedded"
    assert settings.paths.sources_dir == REPO / "knowledge" / "sources"
    assert settings.store.path.is_absolute()


def test_environment_overrides_nested_keys_and_carries_secrets() -> None:
    env = {
        "OUDERWIJZER_STORE__PATH": "/tmp/idx",
        "OUDERWIJZER_RETRIEVAL__K": "7",
        "TELEGRAM_BOT_TOKEN": "123:abc",
        "OUDERWIJZER_STAFF_TOKEN": "s3cret",
    }
    settings = load_settings(REPO / "config.yaml", environ=env)
    assert settings.store.path == Path("/tmp/idx")
    assert settings.retrieval.k == 7
    assert settings.telegram_bot_token is not None
    assert settings.telegram_bot_token.get_secret_value() == "123:abc"
    assert "s3cret" not in repr(settings)


@pytest.mark.parametrize(
    ("yaml_text", "expected"),
    [
        ("store:\n  mode: cloud\n", "'store.mode': Input should be 'embedded' or 'http' (got 'cloud')"),
        ("stroe:\n  path: x\n", "unknown key 'stroe'"),
        ("store:\n  paht: x\n", "unknown key 'store.paht' (allowed here: mode, path"),
        ("retrieval:\n  k: 0\n", "'retrieval.k'"),
        ("staff_token: abc\n", "set it in the environment as OUDERWIJZER_STAFF_TOKEN"),
        ("store: [\n", "not valid YAML at line"),
        ("telegram:\n  mode: webhook\n", "webhook_url must be an https:// URL"),
    ],
)
def test_bad_config_gives_one_readable_line(tmp_path: Path, yaml_text: str, expected: str) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(yaml_text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_settings(path, environ={})
    message = str(info.value)
    assert expected in message
    assert "\n" not in message


def test_bad_environment_value_names_the_variable() -> None:
    with pytest.raises(ConfigError, match=r"OUDERWIJZER_STORE__PORT \(environment\): 'store.port'"):
        load_settings(REPO / "config.yaml", environ={"OUDERWIJZER_STORE__PORT": "abc"})
    with pytest.raises(ConfigError, match="unknown setting 'paht'"):
        load_settings(REPO / "config.yaml", environ={"OUDERWIJZER_STORE__PAHT": "x"})


def test_missing_keys_take_their_defaults(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("retrieval:\n  k: 3\n", encoding="utf-8")
    settings = load_settings(path, environ={})
    assert settings.retrieval.k == 3
    assert settings.chunking.max_chars == 700  # the documented default


def test_cli_reports_config_errors_without_traceback(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("store:\n  mode: cloud\n", encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "bot.cli", "--config", str(path), "sources"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip().splitlines() == [
        "ouderwijzer: bad.yaml: 'store.mode': Input should be 'embedded' or 'http' (got 'cloud')"
    ]


def test_cli_config_file_not_found(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "bot.cli", "--config", str(tmp_path / "nope.yaml"), "sources"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert "config file not found" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_library_debug_lines_stay_out_even_when_the_library_turns_its_logger_up() -> None:
    import io
    import logging

    from bot.logs import setup_logging

    stream = io.StringIO()
    setup_logging("INFO", json_lines=False, stream=stream)
    noisy = logging.getLogger("bm25s")
    noisy.setLevel(logging.DEBUG)  # what bm25s does to itself when it is imported
    noisy.debug("Building index from tokens")
    noisy.warning("a real problem")
    logging.getLogger("bot.service").info("loaded index")
    out = stream.getvalue()
    assert "Building index" not in out
    assert "a real problem" in out and "loaded index" in out
    setup_logging("INFO", json_lines=False)


def test_cli_tools_print_their_output_without_log_lines_unless_verbose() -> None:
    from bot.cli import SERVERS, build_parser

    parser = build_parser()
    assert parser.parse_args(["ask", "vraag"]).verbose is False
    assert parser.parse_args(["ask", "--verbose", "vraag"]).verbose is True
    assert parser.parse_args(["eval", "--verbose"]).verbose is True
    assert set(SERVERS) == {"serve", "telegram"}
