"""Settings: read once from the environment, validated, secrets hidden."""

from __future__ import annotations

from pathlib import Path

import pytest
from fake_telegram import TOKEN

from newsbot.bot.settings import Secret, Settings, SettingsError
from newsbot.cli.main import main

SECRET_PART = TOKEN.split(":")[1]


class TestSettings:
    def test_reads_the_contract_variables(self, tmp_path: Path):
        corpus = tmp_path / "articles"
        corpus.mkdir()
        settings = Settings.from_env({
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_BASE_URL": "http://127.0.0.1:8081/bot",
            "NEWSBOT_ADMINS": "12, 34,,56",
            "NEWSBOT_INDEX_DIR": str(tmp_path / "index"),
            "NEWSBOT_CORPUS": f"{corpus}:{tmp_path / 'more.jsonl'}",
        })
        assert settings.token.reveal() == TOKEN
        assert settings.base_url == "http://127.0.0.1:8081/bot"
        assert settings.base_file_url == "http://127.0.0.1:8081/file/bot"
        assert settings.admins == frozenset({12, 34, 56})
        assert settings.index_dir == tmp_path / "index"
        assert settings.corpus_paths == (corpus, tmp_path / "more.jsonl")
        assert settings.upload_dir == corpus  # uploads go where /reindex reads
        assert settings.webhook_url is None and settings.webhook_secret is None

    def test_follow_limit_and_log_days_from_the_environment(self):
        assert (Settings.from_env({"TELEGRAM_BOT_TOKEN": TOKEN}).follow_limit, Settings.from_env({"TELEGRAM_BOT_TOKEN": TOKEN}).log_days) == (10, 30)
        settings = Settings.from_env({"TELEGRAM_BOT_TOKEN": TOKEN, "NEWSBOT_FOLLOW_LIMIT": "3", "NEWSBOT_LOG_DAYS": "7.5"})
        assert (settings.follow_limit, settings.log_days) == (3, 7.5)

    def test_defaults_use_the_shipped_corpus_and_keep_uploads_off(self):
        settings = Settings.from_env({"TELEGRAM_BOT_TOKEN": TOKEN})
        assert settings.base_url == "https://api.telegram.org/bot"
        assert settings.base_file_url == "https://api.telegram.org/file/bot"
        assert settings.admins == frozenset()
        assert settings.corpus_paths and settings.upload_dir is None

    def test_flags_override_the_environment(self, tmp_path: Path):
        env = {"TELEGRAM_BOT_TOKEN": TOKEN, "NEWSBOT_INDEX_DIR": "/from/env"}
        settings = Settings.from_env(env, index_dir=tmp_path, corpus_paths=(tmp_path,), port=9000, webhook_url=None)
        assert settings.index_dir == tmp_path and settings.corpus_paths == (tmp_path,) and settings.port == 9000

    def test_the_token_is_hidden_from_repr_and_str(self):
        settings = Settings.from_env({"TELEGRAM_BOT_TOKEN": TOKEN, "NEWSBOT_WEBHOOK_URL": "https://bot.example.com/hook",
                                      "NEWSBOT_WEBHOOK_SECRET": "abc-DEF_123"})
        for shown in (repr(settings), str(settings), f"{settings.token}", repr(settings.webhook_secret)):
            assert SECRET_PART not in shown and "abc-DEF_123" not in shown
        assert "Secret('**********')" in repr(settings)

    def test_a_webhook_without_a_configured_secret_gets_a_random_one(self):
        env = {"TELEGRAM_BOT_TOKEN": TOKEN, "NEWSBOT_WEBHOOK_URL": "https://bot.example.com/hook"}
        first, second = Settings.from_env(env), Settings.from_env(env)
        assert first.webhook_secret is not None and len(first.webhook_secret.reveal()) >= 32
        assert first.webhook_secret != second.webhook_secret

    @pytest.mark.parametrize(
        ("env", "message"),
        [
            ({}, "TELEGRAM_BOT_TOKEN is not set"),
            ({"TELEGRAM_BOT_TOKEN": "not-a-token"}, "TELEGRAM_BOT_TOKEN is malformed"),
            ({"TELEGRAM_BOT_TOKEN": TOKEN + " extra"}, "TELEGRAM_BOT_TOKEN is malformed"),
            ({"TELEGRAM_BOT_TOKEN": TOKEN, "NEWSBOT_ADMINS": "12,bob"}, "NEWSBOT_ADMINS must be comma-separated Telegram user ids, got 'bob'"),
            ({"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_BASE_URL": "ftp://x/bot"}, "TELEGRAM_BASE_URL must be an http(s) URL"),
            ({"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_BASE_URL": "http://x/api"}, "TELEGRAM_BASE_URL should end in /bot"),
            ({"TELEGRAM_BOT_TOKEN": TOKEN, "NEWSBOT_WORKERS": "0"}, "NEWSBOT_WORKERS must be > 0, got 0"),
            ({"TELEGRAM_BOT_TOKEN": TOKEN, "NEWSBOT_COOLDOWN": "soon"}, "NEWSBOT_COOLDOWN must be a float, got 'soon'"),
            ({"TELEGRAM_BOT_TOKEN": TOKEN, "NEWSBOT_MAX_UPLOAD_MB": "50"}, "NEWSBOT_MAX_UPLOAD_MB must be > 0 and at most 20"),
            ({"TELEGRAM_BOT_TOKEN": TOKEN, "NEWSBOT_WEBHOOK_SECRET": "has space"}, "NEWSBOT_WEBHOOK_SECRET must be"),
            ({"TELEGRAM_BOT_TOKEN": TOKEN, "NEWSBOT_LOG_QUESTIONS": "maybe"}, "NEWSBOT_LOG_QUESTIONS must be 1 or 0 (true or false), got 'maybe'"),
            ({"TELEGRAM_BOT_TOKEN": TOKEN, "NEWSBOT_FOLLOW_LIMIT": "0"}, "NEWSBOT_FOLLOW_LIMIT must be >= 1 message an hour, got 0"),
            ({"TELEGRAM_BOT_TOKEN": TOKEN, "NEWSBOT_FOLLOW_LIMIT": "many"}, "NEWSBOT_FOLLOW_LIMIT must be a int, got 'many'"),
            ({"TELEGRAM_BOT_TOKEN": TOKEN, "NEWSBOT_LOG_DAYS": "-1"}, "NEWSBOT_LOG_DAYS must be > 0, got -1"),
        ],
    )
    def test_bad_values_are_named(self, env: dict[str, str], message: str):
        with pytest.raises(SettingsError, match="^" + message.replace("(", r"\(").replace(")", r"\)")) as raised:
            Settings.from_env(env)
        assert SECRET_PART not in str(raised.value)

    @pytest.mark.parametrize(("value", "expected"), [("", False), ("0", False), ("off", False), ("1", True), ("TRUE", True)])
    def test_logging_question_text_is_off_unless_asked_for(self, value: str, expected: bool):
        assert Settings.from_env({"TELEGRAM_BOT_TOKEN": TOKEN, "NEWSBOT_LOG_QUESTIONS": value}).log_questions is expected

    @pytest.mark.parametrize(("overrides", "message"), [
        ({"read_timeout": 0}, "read_timeout must be > 0, got 0"),
        ({"rate_limit_per_second": -1}, "rate limits must be >= 0"),
        ({"send_attempts": 0}, "send_attempts must be >= 1"),
    ])
    def test_bad_telegram_limits_are_named(self, overrides: dict[str, float], message: str):
        with pytest.raises(SettingsError, match="^" + message):
            Settings.from_env({"TELEGRAM_BOT_TOKEN": TOKEN}, **overrides)

    def test_secret_compares_by_value(self):
        assert Secret("a") == Secret("a") and Secret("a") != Secret("b")


class TestHostileSettings:
    """Issue 20: malformed URLs ended in tracebacks; the webhook listened on every interface."""

    @pytest.mark.parametrize(
        ("name", "value", "message"),
        [
            (
                "NEWSBOT_FEEDS",
                "https://a.example/rss http://[::1",
                "NEWSBOT_FEEDS must be http(s) URLs separated by "
                "spaces or commas, got 'http://[::1' (malformed: Invalid IPv6 URL)",
            ),
            ("NEWSBOT_FEEDS", "http://a.example:99999/rss", "malformed: Port out of range 0-65535"),
            ("NEWSBOT_FEEDS", "http://" + "a" * 64 + ".example/rss", "the host name is not valid"),
            ("TELEGRAM_BASE_URL", "http://[::1/bot", "TELEGRAM_BASE_URL must be an http(s) URL, got 'http://[::1/bot'"),
            (
                "NEWSBOT_WEBHOOK_URL",
                "https://[::1/hook",
                "--webhook-url must be an http(s) URL, got 'https://[::1/hook'",
            ),
        ],
    )
    def test_a_malformed_url_is_named_in_one_line(self, name: str, value: str, message: str):
        with pytest.raises(SettingsError) as raised:
            Settings.from_env({"TELEGRAM_BOT_TOKEN": TOKEN, name: value})
        assert message in str(raised.value) and "\n" not in str(raised.value)

    def test_a_long_url_is_shortened_in_the_message(self):
        with pytest.raises(SettingsError) as raised:
            Settings.from_env({"TELEGRAM_BOT_TOKEN": TOKEN, "NEWSBOT_FEEDS": "ftp://example.com/" + "x" * 4000})
        assert len(str(raised.value)) < 300

    def test_serve_names_a_malformed_feed_url_in_one_line(self, monkeypatch, capsys):
        monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
        monkeypatch.setenv("NEWSBOT_FEEDS", "http://[::1")
        assert main(["serve"]) == 1
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and err.startswith("newsbot serve: NEWSBOT_FEEDS must be") and "http://[::1" in err

    def test_the_webhook_listens_on_127_0_0_1_unless_told(self, monkeypatch):
        from newsbot.bot.app import settings_from_args, webhook_options
        from newsbot.cli.main import build_parser

        monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
        url = ["--webhook-url", "https://bot.example.com/hook"]
        default = settings_from_args(build_parser().parse_args(["serve", *url]))
        assert default.listen == "127.0.0.1" and webhook_options(default)["listen"] == "127.0.0.1"
        told = settings_from_args(build_parser().parse_args(["serve", *url, "--listen", "0.0.0.0"]))
        assert webhook_options(told)["listen"] == "0.0.0.0"

    def test_the_database_password_is_a_secret_kept_out_of_log_lines(self):
        url = "postgresql+psycopg://newsbot:S3cret@db:5432/newsbot"
        settings = Settings.from_env({"TELEGRAM_BOT_TOKEN": TOKEN, "NEWSBOT_DATABASE_URL": url})
        assert "S3cret" in settings.secrets()
        assert "S3cret" not in repr(settings)


class TestServeCommand:
    @pytest.mark.parametrize(("token", "expected"), [
        (None, "newsbot serve: TELEGRAM_BOT_TOKEN is not set; get a token from @BotFather and export it\n"),
        ("12345:short", "newsbot serve: TELEGRAM_BOT_TOKEN is malformed; expected digits, a colon and 35 characters, "
                        "as @BotFather gives it\n"),
    ])
    def test_a_missing_or_malformed_token_is_a_one_line_error(self, monkeypatch, capsys, token, expected):
        monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
        if token:
            monkeypatch.setenv("TELEGRAM_BOT_TOKEN", token)
        assert main(["serve"]) == 1
        captured = capsys.readouterr()
        assert captured.err == expected
        assert "short" not in captured.err
