"""Security: admins are checked on every call, the webhook needs Telegram's secret, and nothing a
user sends is ever run as code (no shell, eval or pickle anywhere in bot/ or index/)."""

from __future__ import annotations

import ast
from dataclasses import replace
from pathlib import Path

import pytest
from bot_harness import ADMIN_ID, USER_ID, RunningBot, free_port, names_in, wait_answer, wait_reply
from fake_engine import FakeEngine
from fake_telegram import FakeTelegram

from newsbot.bot.app import build_application
from newsbot.bot.handlers.access import REFUSAL
from newsbot.bot.services import Services
from newsbot.bot.settings import Settings

REPO = Path(__file__).resolve().parents[2]


class TestAdminsCheckedOnEveryCall:
    async def test_an_admin_removed_from_the_settings_is_refused_from_the_next_call_on(
        self, telegram: FakeTelegram, running_bot: RunningBot, engine: FakeEngine, corpus_dir: Path
    ):
        services: Services = running_bot.application.bot_data.services
        admin = telegram.user(ADMIN_ID, "Ada")
        chat = telegram.private_chat(admin)
        assert (await wait_reply(telegram, telegram.send_text(chat, admin, "/stats"))).plain.startswith("Index")
        page = await wait_reply(telegram, telegram.send_text(chat, admin, "/help"))
        assert "/reindex" in page.plain

        # Settings are frozen; a new settings object without the admin stands for a changed NEWSBOT_ADMINS.
        services.settings = replace(services.settings, admins=frozenset({999}))
        for command in ("/stats", "/reindex", "/sources"):
            assert (await wait_reply(telegram, telegram.send_text(chat, admin, command))).plain == REFUSAL
        upload = telegram.send_document(chat, admin, "bridge.txt", b"Bridge\nThe bridge opened.")
        assert (await wait_reply(telegram, upload)).plain == REFUSAL
        assert "/reindex" not in (await wait_reply(telegram, telegram.send_text(chat, admin, "/help"))).plain
        assert telegram.calls_to("getFile") == [] and engine.generation == 1
        assert names_in(corpus_dir) == ["harbour.txt", "talks.txt"]
        (answer,) = await wait_answer(telegram, telegram.send_text(chat, admin, "Who attended the talks?"))  # still a user
        assert "Trade ministers" in answer.plain

        services.settings = replace(services.settings, admins=frozenset({ADMIN_ID}))
        assert (await wait_reply(telegram, telegram.send_text(chat, admin, "/stats"))).plain.startswith("Index")

    async def test_a_non_admin_pressing_an_admins_sources_button_is_refused(self, telegram: FakeTelegram,
                                                                            running_bot: RunningBot):
        admin, user = telegram.user(ADMIN_ID, "Ada"), telegram.user(USER_ID)
        group = telegram.group_chat()
        telegram.send_text(group, admin, "/sources")
        (page,) = await telegram.wait_for(lambda: telegram.messages_in(group["id"]))
        shown = page.plain
        query = telegram.press_button(user, page, "src:0")
        await telegram.wait_for(lambda: query in telegram.callback_answers)
        assert telegram.callback_answers[query]["text"] == REFUSAL
        assert telegram.callback_answers[query]["show_alert"] is True
        assert page.plain == shown and telegram.calls_to("editMessageText") == []


class TestWebhookSecret:
    async def test_without_a_configured_secret_a_random_one_is_required(self, telegram: FakeTelegram,
                                                                        bot_env: dict[str, str], engine: FakeEngine):
        port = free_port()
        env = {**bot_env, "NEWSBOT_WEBHOOK_URL": f"http://127.0.0.1:{port}/hook"}
        settings = Settings.from_env(env, listen="127.0.0.1", port=port)
        bot = RunningBot(build_application(settings, engine))
        await bot.start_webhook(settings)
        try:
            assert telegram.webhook is not None
            secret = telegram.webhook["secret_token"]
            assert len(secret) >= 32 and secret == settings.webhook_secret.reveal()  # type: ignore[union-attr]
            user = telegram.user(USER_ID)
            chat = telegram.private_chat(user)
            forged = telegram.message(chat, user, "Who attended the talks?")
            for guess in (None, "", secret.upper() if secret.upper() != secret else secret.lower(), secret[:-1], secret + "x"):
                assert await telegram.post_to_webhook({"message": forged}, secret=guess) == 403
            genuine = telegram.message(chat, user, "When did the harbour reopen?")
            assert await telegram.post_to_webhook({"message": genuine}, secret=secret) == 200
            await wait_answer(telegram, genuine)
            assert telegram.replies_to(forged) == [] and engine.questions == ["When did the harbour reopen?"]
        finally:
            await bot.stop()


# What must never run on user input: code from text, a shell, or unpickling.
_FORBIDDEN_CALLS = {"eval", "exec", "compile", "__import__", "execfile", "input"}
_FORBIDDEN_MODULES = {"pickle", "cPickle", "dill", "cloudpickle", "jsonpickle", "marshal", "shelve", "subprocess", "pty",
                      "code", "codeop"}
_FORBIDDEN_ATTRIBUTES = {("os", "system"), ("os", "popen"), ("os", "execv"), ("os", "execl"), ("os", "spawnl"),
                         ("yaml", "load"), ("yaml", "unsafe_load"), ("torch", "load"), ("pd", "read_pickle")}


def _violations(path: Path, root: Path = REPO) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        where = f"{path.relative_to(root)}:{getattr(node, 'lineno', 0)}"
        if isinstance(node, ast.Import | ast.ImportFrom):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else [alias.name for alias in node.names]
            found += [f"{where} imports {name}" for name in names if name.split(".")[0] in _FORBIDDEN_MODULES]
            if isinstance(node, ast.ImportFrom):
                found += [f"{where} imports {node.module}.{alias.name}" for alias in node.names
                          if (node.module, alias.name) in _FORBIDDEN_ATTRIBUTES]
        elif isinstance(node, ast.Call):
            function = node.func
            if isinstance(function, ast.Name) and function.id in _FORBIDDEN_CALLS:
                found.append(f"{where} calls {function.id}()")
            if (isinstance(function, ast.Attribute) and isinstance(function.value, ast.Name)
                    and (function.value.id, function.attr) in _FORBIDDEN_ATTRIBUTES):
                found.append(f"{where} calls {function.value.id}.{function.attr}()")
            for keyword in node.keywords:
                if keyword.arg in ("shell", "allow_pickle") and isinstance(keyword.value, ast.Constant) and keyword.value.value:
                    found.append(f"{where} passes {keyword.arg}=True")
    return found


class TestNoCodeFromInput:
    def test_the_guard_catches_what_it_looks_for(self, tmp_path: Path):
        bad = tmp_path / "probe.py"
        bad.write_text("import pickle, subprocess\nfrom os import system\nimport os, numpy as np\n"
                       "eval(x)\nos.system(x)\nsubprocess.run(x, shell=True)\nnp.load(f, allow_pickle=True)\nmodel.eval()\n")
        assert _violations(bad, tmp_path) == [  # model.eval() is torch's, not Python's eval
            "probe.py:1 imports pickle", "probe.py:1 imports subprocess", "probe.py:2 imports os.system",
            "probe.py:4 calls eval()", "probe.py:5 calls os.system()", "probe.py:6 passes shell=True",
            "probe.py:7 passes allow_pickle=True",
        ]

    @pytest.mark.parametrize("package", ["bot", "index"])
    def test_no_shell_eval_or_pickle(self, package: str):
        sources = sorted((REPO / package).rglob("*.py"))
        assert sources
        assert [v for path in sources for v in _violations(path)] == []
