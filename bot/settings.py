"""The bot's configuration: read once from the environment into one typed, frozen object.

Casts are explicit and each bad value is named in a one-line `SettingsError`. Secrets (the bot
token, the webhook secret) are `Secret`s: their `repr` and `str` are masked, so printing or
logging the settings never shows them; only `reveal()` does, where the token is handed to PTB.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from newsbot.index.config import ConfigError, EngineConfig
from newsbot.index.fetch import shorten_url, url_problem

# Telegram tokens look like "123456789:AAF…" (digits, a colon, 35 url-safe characters).
_TOKEN = re.compile(r"^\d{1,20}:[A-Za-z0-9_-]{30,60}$")
# setWebhook's secret_token: 1-256 characters, A-Z, a-z, 0-9, _ and -.
_WEBHOOK_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")

DEFAULT_BASE_URL = "https://api.telegram.org/bot"
UPLOAD_SUFFIXES = (".txt", ".md", ".html", ".jsonl")
# getFile on Telegram's cloud Bot API serves files up to 20 MB.
MAX_UPLOAD_BYTES_LIMIT = 20 * 1024 * 1024


class SettingsError(ValueError):
    """A missing or bad setting; the message names it (and never contains a secret)."""


class Secret:
    """A string that does not show itself in `repr`, `str` or f-strings."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and secrets.compare_digest(self._value, other._value)

    def __hash__(self) -> int:
        return hash(self._value)


@dataclass(frozen=True)
class Settings:
    """Everything `newsbot serve` needs, validated."""

    token: Secret
    base_url: str = DEFAULT_BASE_URL
    base_file_url: str = "https://api.telegram.org/file/bot"
    admins: frozenset[int] = frozenset()
    index_dir: Path | None = None
    corpus_paths: tuple[Path, ...] = ()  # from_env fills in the corpus shipped with newsbot
    upload_dir: Path | None = None  # where admins' documents are saved; None: uploads are off
    feedback_db: Path = Path("newsbot-feedback.sqlite3")
    webhook_url: str | None = None
    webhook_secret: Secret | None = None
    listen: str = "127.0.0.1"  # the webhook's address: a reverse proxy on this machine (issue 20)
    port: int = 8443
    workers: int = 4  # threads answering questions; more questions queue
    cooldown_seconds: float = 3.0  # per user, between two questions
    max_question_chars: int = 500
    max_upload_bytes: int = 5 * 1024 * 1024
    progress_interval: float = 2.0  # seconds between two edits of a /reindex status message
    # The engine's configuration (backend, cache, pipeline), read from the same environment.
    engine: EngineConfig = field(default_factory=EngineConfig)
    log_questions: bool = False  # put the question's text in its log line (off: the text is the user's)
    # Talking to Telegram. The flood limits are Telegram's (30 messages a second, 20 a minute in a
    # group); tests and benchmarks against a fake server raise them. See bot/delivery.py for retries.
    read_timeout: float = 10.0  # seconds to wait for Telegram's answer; past it a send is in doubt
    rate_limit_per_second: float = 30.0  # 0: no overall limit
    group_rate_per_minute: float = 20.0  # 0: no per-group limit
    send_attempts: int = 4  # tries of a request that surely did not take effect
    send_backoff: float = 0.5  # seconds before the first resend; doubled each time
    # Feeds (bot/feeds.py): followed URLs, polled every `feed_interval` minutes; fetched articles are
    # kept in `feeds_dir` (default: feeds/ in the upload directory, so inside the corpus).
    feeds: tuple[str, ...] = ()
    feed_interval: float = 15.0
    feeds_dir: Path | None = None
    feeds_allow_private: bool = False  # fetch private, loopback and link-local addresses too (tests)
    feed_timeout: float = 15.0  # seconds per request phase
    feed_max_bytes: int = 5 * 1024 * 1024  # one feed or page
    feed_backoff: float = 60.0  # seconds before a failed feed is tried again; doubled each time
    # Follows (bot/follows.py): messages a chat gets an hour at most (then one digest); how often the
    # notifier looks for a new index generation; how many days the question log keeps.
    follow_limit: int = 10
    follow_check_interval: float = 5.0
    log_days: float = 30.0

    def __post_init__(self) -> None:
        if self.workers <= 0:
            raise SettingsError(f"NEWSBOT_WORKERS must be > 0, got {self.workers}")
        if self.cooldown_seconds < 0:
            raise SettingsError(f"NEWSBOT_COOLDOWN must be >= 0, got {self.cooldown_seconds}")
        if not 0 < self.max_upload_bytes <= MAX_UPLOAD_BYTES_LIMIT:
            raise SettingsError(f"NEWSBOT_MAX_UPLOAD_MB must be > 0 and at most 20, got {self.max_upload_bytes / 2**20:g}")
        if self.max_question_chars <= 0:
            raise SettingsError(f"NEWSBOT_MAX_QUESTION_CHARS must be > 0, got {self.max_question_chars}")
        if self.read_timeout <= 0:
            raise SettingsError(f"read_timeout must be > 0, got {self.read_timeout}")
        if self.rate_limit_per_second < 0 or self.group_rate_per_minute < 0:
            raise SettingsError(f"rate limits must be >= 0, got {self.rate_limit_per_second}/s and {self.group_rate_per_minute}/min")
        if self.send_attempts < 1 or self.send_backoff < 0:
            raise SettingsError(f"send_attempts must be >= 1 and send_backoff >= 0, got {self.send_attempts} and {self.send_backoff}")
        if self.feed_interval <= 0:
            raise SettingsError(f"NEWSBOT_FEED_INTERVAL must be > 0 minutes, got {self.feed_interval:g}")
        if self.feed_timeout <= 0 or self.feed_max_bytes <= 0 or self.feed_backoff < 0:
            raise SettingsError("feed_timeout and feed_max_bytes must be > 0 and feed_backoff >= 0")
        bad = [(url, problem) for url in self.feeds if (problem := url_problem(url))]
        if bad:
            url, problem = bad[0]
            raise SettingsError(
                f"NEWSBOT_FEEDS must be http(s) URLs separated by spaces or commas, got {shorten_url(url)!r} ({problem})"
            )
        if self.follow_limit < 1:
            raise SettingsError(f"NEWSBOT_FOLLOW_LIMIT must be >= 1 message an hour, got {self.follow_limit}")
        if self.log_days <= 0:
            raise SettingsError(f"NEWSBOT_LOG_DAYS must be > 0, got {self.log_days:g}")
        if self.follow_check_interval <= 0:
            raise SettingsError(f"follow_check_interval must be > 0 seconds, got {self.follow_check_interval:g}")
        if self.webhook_url is not None and (problem := url_problem(self.webhook_url)):
            raise SettingsError(
                f"--webhook-url must be an http(s) URL, got {shorten_url(self.webhook_url)!r} ({problem})"
            )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        """Read the settings from `environ` (default: os.environ); `overrides` win (command-line flags)."""
        env = os.environ if environ is None else environ
        token = env.get("TELEGRAM_BOT_TOKEN", "").strip()
        if not token:
            raise SettingsError("TELEGRAM_BOT_TOKEN is not set; get a token from @BotFather and export it")
        if not _TOKEN.match(token):
            raise SettingsError("TELEGRAM_BOT_TOKEN is malformed; expected digits, a colon and 35 characters, as @BotFather gives it")
        base_url = env.get("TELEGRAM_BASE_URL", "").strip() or DEFAULT_BASE_URL
        if problem := url_problem(base_url):
            raise SettingsError(f"TELEGRAM_BASE_URL must be an http(s) URL, got {shorten_url(base_url)!r} ({problem})")
        corpus = tuple(Path(p) for p in env.get("NEWSBOT_CORPUS", "").split(os.pathsep) if p.strip())
        values: dict[str, object] = {
            "token": Secret(token),
            "base_url": base_url,
            "base_file_url": env.get("TELEGRAM_BASE_FILE_URL", "").strip() or file_url_for(base_url),
            "admins": parse_admins(env.get("NEWSBOT_ADMINS", "")),
            "index_dir": _path(env.get("NEWSBOT_INDEX_DIR")),
            "corpus_paths": corpus,
            "upload_dir": _path(env.get("NEWSBOT_UPLOAD_DIR")),
            "feedback_db": _path(env.get("NEWSBOT_FEEDBACK_DB")) or default_feedback_db(),
            "webhook_url": env.get("NEWSBOT_WEBHOOK_URL") or None,
            "webhook_secret": _webhook_secret(env.get("NEWSBOT_WEBHOOK_SECRET")),
            "workers": _number(env, "NEWSBOT_WORKERS", int, min(4, os.cpu_count() or 1)),
            "cooldown_seconds": _number(env, "NEWSBOT_COOLDOWN", float, 3.0),
            "max_question_chars": _number(env, "NEWSBOT_MAX_QUESTION_CHARS", int, 500),
            "max_upload_bytes": int(_number(env, "NEWSBOT_MAX_UPLOAD_MB", float, 5.0) * 1024 * 1024),
            "log_questions": _flag(env, "NEWSBOT_LOG_QUESTIONS"),
            "feeds": tuple(dict.fromkeys(env.get("NEWSBOT_FEEDS", "").replace(",", " ").split())),
            "feed_interval": _number(env, "NEWSBOT_FEED_INTERVAL", float, 15.0),
            "feeds_dir": _path(env.get("NEWSBOT_FEEDS_DIR")),
            "feeds_allow_private": _flag(env, "NEWSBOT_FEEDS_ALLOW_PRIVATE"),
            "follow_limit": _number(env, "NEWSBOT_FOLLOW_LIMIT", int, 10),
            "log_days": _number(env, "NEWSBOT_LOG_DAYS", float, 30.0),
        }
        database_url = overrides.pop("database_url", None)  # the engine's setting (--database-url)
        values.update({key: value for key, value in overrides.items() if value is not None})
        try:
            values["engine"] = EngineConfig.from_env(env, index_dir=values.get("index_dir"), database_url=database_url)
        except ConfigError as error:
            raise SettingsError(str(error)) from None
        settings = cls(**values)  # type: ignore[arg-type]
        if settings.upload_dir is None:
            settings = replace(settings, upload_dir=settings.default_upload_dir())
        if not settings.corpus_paths:
            # The corpus shipped with newsbot; uploads stay off unless NEWSBOT_UPLOAD_DIR says where.
            from newsbot.index.config import shipped_corpus_paths

            settings = replace(settings, corpus_paths=tuple(shipped_corpus_paths()))
        if settings.feeds_dir is None and settings.upload_dir is not None:
            settings = replace(settings, feeds_dir=settings.upload_dir / "feeds")
        if settings.feeds and settings.feeds_dir is None:
            raise SettingsError("NEWSBOT_FEEDS needs a directory for the fetched articles: set NEWSBOT_FEEDS_DIR, "
                                "or NEWSBOT_CORPUS to a directory")
        if settings.webhook_url and settings.webhook_secret is None:
            # Telegram sends the secret back in a header on every request; without one configured,
            # a fresh random secret per start still keeps strangers from posting fake updates.
            settings = replace(settings, webhook_secret=Secret(secrets.token_urlsafe(32)))
        return settings

    def default_upload_dir(self) -> Path | None:
        """The first corpus directory: uploads land where `/reindex` reads."""
        return next((p for p in self.corpus_paths if p.is_dir()), None)

    @property
    def engine_corpus_paths(self) -> list[Path] | None:
        """The paths `/reindex` reads: the corpus, plus the upload directory when it lies outside it."""
        if not self.corpus_paths:
            return [self.upload_dir] if self.upload_dir else None
        paths = list(self.corpus_paths)
        if self.upload_dir is not None and not any(_inside(self.upload_dir, p) for p in paths):
            paths.append(self.upload_dir)
        if self.feeds_dir is not None and not any(_inside(self.feeds_dir, p) for p in paths):
            paths.append(self.feeds_dir)
        return paths

    def secrets(self) -> list[str]:
        """The secret strings, for log redaction: the token, the webhook secret, the database password."""
        found = [s.reveal() for s in (self.token, self.webhook_secret) if s is not None]
        if self.engine.database_url:
            from newsbot.index.postgres.database import url_secrets

            found += url_secrets(self.engine.database_url)
        return found


def parse_admins(value: str) -> frozenset[int]:
    """'123, 456' -> {123, 456}; a non-number is an error that names it."""
    admins = set()
    for part in value.replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        try:
            admins.add(int(part))
        except ValueError:
            raise SettingsError(f"NEWSBOT_ADMINS must be comma-separated Telegram user ids, got {part!r}") from None
    return frozenset(admins)


def file_url_for(base_url: str) -> str:
    """Bot API file downloads live beside the methods: '…/bot' -> '…/file/bot'."""
    if base_url.rstrip("/").endswith("/bot"):
        return base_url.rstrip("/")[: -len("/bot")] + "/file/bot"
    raise SettingsError(f"TELEGRAM_BASE_URL should end in /bot (for example http://127.0.0.1:8081/bot), got {base_url!r}; "
                        "or set TELEGRAM_BASE_FILE_URL too")


def default_feedback_db() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("newsbot")) / "feedback.sqlite3"


def _path(value: str | None) -> Path | None:
    return Path(value).expanduser() if value and value.strip() else None


def _webhook_secret(value: str | None) -> Secret | None:
    if not value:
        return None
    if not _WEBHOOK_SECRET.match(value):
        raise SettingsError("NEWSBOT_WEBHOOK_SECRET must be 1-256 characters of A-Z, a-z, 0-9, _ and -")
    return Secret(value)


def _number(env: Mapping[str, str], name: str, cast: type, default: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return cast(default)  # type: ignore[no-any-return]
    try:
        return cast(raw)  # type: ignore[no-any-return]
    except ValueError:
        raise SettingsError(f"{name} must be a {cast.__name__}, got {raw!r}") from None


def _flag(env: Mapping[str, str], name: str) -> bool:
    raw = env.get(name, "").strip().lower()
    if raw in ("", "0", "false", "no", "off"):
        return False
    if raw in ("1", "true", "yes", "on"):
        return True
    raise SettingsError(f"{name} must be 1 or 0 (true or false), got {raw!r}")


def _inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
    except ValueError:
        return False
    return True
