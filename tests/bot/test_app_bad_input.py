"""Bad input in chats: each gets a clear short reply, or deliberate silence in a group, and nothing is lost.

Already covered elsewhere, and not repeated here: /ask alone in a private chat and a 1,200-character
question and a sticker in a private chat (test_app_questions.py); chatter, /ask@otherbot and
/stats@otherbot in a group (test_app_groups.py); a non-admin's document, an admin's
"../../Bridge opens!.txt", a .exe and an announced 50 MB file (test_app_admin.py).

Decisions, as the bot implements them:
- An edited message is ignored: it is not a new question (answering it would answer the same
  message twice, and every typo fix); the user sends the corrected question again. The bot does
  not even ask Telegram for edits (ALLOWED_UPDATES).
- A message forwarded into a private chat is a question; forwarded into a group it is someone
  else's words, never a question to the bot, even when it @mentions the bot or starts with /ask.
- Photos, stickers and other non-text messages get a one-line hint in a private chat (a photo's
  caption is not read as a question) and silence in a group.
- A question with no letter or digit in any script (only emoji or punctuation) gets a hint, not
  an engine call; a question in another language is answered like any other (the engine
  answers, or says plainly that its articles do not say).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot_harness import ADMIN_ID, USER_ID, StartBot, names_in, wait_answer, wait_reply
from fake_engine import FakeEngine
from fake_telegram import BOT_USERNAME, FakeTelegram, parse_html
from telegram import Update

from newsbot.bot.app import ALLOWED_UPDATES
from newsbot.bot.handlers.access import REFUSAL

PHOTO = [{"file_id": "p1", "file_unique_id": "up1", "width": 90, "height": 90, "file_size": 1000}]
STICKER = {"file_id": "s1", "file_unique_id": "us1", "type": "regular", "width": 512, "height": 512,
           "is_animated": False, "is_video": False}
FORWARD_ORIGIN = {"type": "user", "date": 1_700_000_000, "sender_user": {"id": 42, "is_bot": False, "first_name": "Zed"}}
NEW_ARTICLE = b"Bridge opens\nThe new river bridge opened to traffic on Monday after four years of work."


def push(telegram: FakeTelegram, chat: dict[str, Any], user: dict[str, Any], text: str | None = None, **extra: Any) -> dict[str, Any]:
    message = telegram.message(chat, user, text, **extra)
    telegram.push({"message": message})
    return message


async def nothing_lost(telegram: FakeTelegram, chat: dict[str, Any], user: dict[str, Any]) -> None:
    """After the bad input, the bot still answers (in a group, the question is /ask)."""
    text = "/ask when did the harbour reopen?" if chat["type"] != "private" else "When did the harbour reopen?"
    (answer,) = await wait_answer(telegram, telegram.send_text(chat, user, text))
    assert "harbour reopened" in answer.plain


class TestQuestionsThatAreNot:
    async def test_empty_ask_in_a_group_explains_its_usage(self, telegram: FakeTelegram, running_bot, engine: FakeEngine):
        group, user = telegram.group_chat(), telegram.user(USER_ID)
        for text in ("/ask", "/ask    ", f"/ask@{BOT_USERNAME}"):
            usage = await wait_reply(telegram, telegram.send_text(group, user, text))
            assert usage.plain == "Ask like this: /ask Who attended the talks?"
        assert engine.questions == []
        await nothing_lost(telegram, group, user)

    async def test_a_10000_character_question_is_refused_in_one_line(self, telegram: FakeTelegram, running_bot,
                                                                     engine: FakeEngine):
        user, group = telegram.user(USER_ID), telegram.group_chat()
        long_question = ("Who attended the talks " * 500)[:10_000]
        private = await wait_reply(telegram, telegram.send_text(telegram.private_chat(user), user, long_question))
        assert private.plain == "That question is too long (10000 characters); please keep it under 500."
        mention = await wait_reply(telegram, telegram.send_text(group, user, f"@{BOT_USERNAME} {long_question}"))
        assert "too long" in mention.plain
        assert engine.questions == []
        await nothing_lost(telegram, telegram.private_chat(user), user)

    async def test_only_emoji_or_punctuation_gets_a_hint_without_asking_the_engine(self, telegram: FakeTelegram,
                                                                                  running_bot, engine: FakeEngine):
        user, group = telegram.user(USER_ID), telegram.group_chat()
        chat = telegram.private_chat(user)
        for text in ("🤔🤔🤔", "?!…", "👍🏽 🇫🇷 ❤️‍🔥"):
            hint = await wait_reply(telegram, telegram.send_text(chat, user, text))
            assert hint.plain == "Please ask your question in words, for example: Who attended the talks?"
        hint = await wait_reply(telegram, telegram.send_text(group, user, f"@{BOT_USERNAME} 🗞️❓"))
        assert hint.plain.startswith("Please ask your question in words")
        assert engine.questions == []
        await nothing_lost(telegram, chat, user)

    async def test_a_greeting_or_thanks_gets_a_reply_without_asking_the_engine(self, telegram: FakeTelegram,
                                                                           running_bot, engine: FakeEngine):
        user, group = telegram.user(USER_ID), telegram.group_chat()
        chat = telegram.private_chat(user)
        for text in ("hi", "hey bot 👋", "Hello!!", "hi there"):
            hint = await wait_reply(telegram, telegram.send_text(chat, user, text))
            assert hint.plain == "Hi! Ask me a question about the articles, for example: Who attended the talks?"
        for text in ("thanks! 🙏", "great, thanks a lot", "thank u"):
            thanked = await wait_reply(telegram, telegram.send_text(chat, user, text))
            assert thanked.plain == "You're welcome! Ask me anything else about the articles."
        hint = await wait_reply(telegram, telegram.send_text(group, user, f"@{BOT_USERNAME} hi"))
        assert hint.plain.startswith("Hi! Ask me a question")
        assert engine.questions == []
        await nothing_lost(telegram, chat, user)

    async def test_other_languages_are_answered_or_plainly_not_found(self, telegram: FakeTelegram, running_bot,
                                                                    engine: FakeEngine):
        user = telegram.user(USER_ID)
        chat = telegram.private_chat(user)
        spanish = telegram.send_text(chat, user, "¿Quién asistió a las conversaciones de Kuala Lumpur?")
        (answer,) = await wait_answer(telegram, spanish)
        assert "Kuala Lumpur talks" in answer.plain  # the engine matched the names
        for text in ("吉隆坡会谈有谁参加？", "Кто участвовал в переговорах?", "من حضر المحادثات في كوالالمبور؟ <b>&"):
            (reply,) = await wait_answer(telegram, telegram.send_text(chat, user, text))
            assert reply.plain.startswith("Not found in my articles.")
            assert parse_html(reply.text) == reply.plain
        assert len(engine.questions) == 4


class TestMessagesThatAreNotQuestions:
    async def test_an_edited_message_is_ignored(self, telegram: FakeTelegram, running_bot, engine: FakeEngine):
        assert "edited_message" not in ALLOWED_UPDATES  # Telegram does not even send edits
        user = telegram.user(USER_ID)
        chat = telegram.private_chat(user)
        original = telegram.send_text(chat, user, "Who attended the talks?")
        (answer,) = await wait_answer(telegram, original)
        # Were an edit delivered all the same (a webhook replay, a changed allow list), no handler takes it.
        edited = {**original, "text": "When did the harbour reopen?", "edit_date": original["date"] + 5}
        app = running_bot.application
        await app.update_queue.put(Update.de_json({"update_id": 10**6, "edited_message": edited}, app.bot))
        await nothing_lost(telegram, chat, user)
        assert telegram.replies_to(original) == [answer]
        assert engine.questions == ["Who attended the talks?", "When did the harbour reopen?"]

    async def test_photos_stickers_in_private_get_a_hint_and_in_groups_silence(self, telegram: FakeTelegram, running_bot,
                                                                             engine: FakeEngine):
        user, group = telegram.user(USER_ID), telegram.group_chat()
        chat = telegram.private_chat(user)
        photo = push(telegram, chat, user, photo=PHOTO, caption="Who attended the talks?")
        assert (await wait_reply(telegram, photo)).plain == "I can only answer questions sent as text. Send /help to see how."
        silent = [
            push(telegram, group, user, sticker=STICKER),
            push(telegram, group, user, photo=PHOTO, caption=f"@{BOT_USERNAME} who is this?"),
            telegram.send_document(group, user, "notes.txt", b"Notes\nSome notes."),
        ]
        await nothing_lost(telegram, group, user)
        assert all(telegram.replies_to(message) == [] for message in silent)
        assert telegram.calls_to("getFile") == [] and len(engine.questions) == 1

    async def test_forwarded_messages_are_questions_in_private_and_silence_in_groups(self, telegram: FakeTelegram,
                                                                                    running_bot, engine: FakeEngine):
        user, group = telegram.user(USER_ID), telegram.group_chat()
        forwarded = push(telegram, telegram.private_chat(user), user, "Who attended the Kuala Lumpur talks?",
                         forward_origin=FORWARD_ORIGIN)
        (answer,) = await wait_answer(telegram, forwarded)
        assert "Trade ministers" in answer.plain
        silent = [
            push(telegram, group, user, f"@{BOT_USERNAME} when did the harbour reopen?", forward_origin=FORWARD_ORIGIN),
            push(telegram, group, user, "/ask when did the harbour reopen?", forward_origin=FORWARD_ORIGIN),
        ]
        await nothing_lost(telegram, group, user)
        assert all(telegram.replies_to(message) == [] for message in silent)
        assert len(engine.questions) == 2

    async def test_commands_for_another_bot_do_nothing(self, telegram: FakeTelegram, running_bot, engine: FakeEngine):
        admin, group = telegram.user(ADMIN_ID, "Ada"), telegram.group_chat()
        silent = [telegram.send_text(group, admin, f"/{command}@other_news_bot") for command in ("reindex", "help", "start", "sources")]
        await nothing_lost(telegram, group, admin)
        assert all(telegram.replies_to(message) == [] for message in silent)
        assert engine.generation == 1 and not engine.reindexing  # no reindex for another bot's /reindex
        user = telegram.user(USER_ID)
        private = await wait_reply(telegram, telegram.send_text(telegram.private_chat(user), user, "/ask@other_news_bot hi"))
        assert private.plain == "I don't know that command. Send /help to see what I can do."


class TestDocuments:
    async def test_a_non_admins_traversal_name_is_refused_before_download(self, telegram: FakeTelegram, running_bot,
                                                                         corpus_dir: Path):
        user = telegram.user(USER_ID)
        refused = await wait_reply(telegram, telegram.send_document(telegram.private_chat(user), user, "../../x.txt", NEW_ARTICLE))
        assert refused.plain == REFUSAL
        assert telegram.calls_to("getFile") == [] and not (corpus_dir.parent.parent / "x.txt").exists()

    async def test_an_admins_traversal_name_lands_inside_the_corpus_even_over_a_symlink(
        self, telegram: FakeTelegram, running_bot, corpus_dir: Path, tmp_path: Path
    ):
        outside = tmp_path / "outside"
        outside.mkdir()
        (corpus_dir / "x.txt").symlink_to(outside / "x.txt")  # dangling: exists() says no
        admin = telegram.user(ADMIN_ID, "Ada")
        status = await wait_reply(telegram, telegram.send_document(telegram.private_chat(admin), admin, "../../x.txt", NEW_ARTICLE))
        await telegram.wait_for(lambda: status.plain.startswith(("✅", "❌")))
        assert status.plain.startswith("✅ Indexing x.txt: done.")
        assert list(outside.iterdir()) == [] and not (tmp_path.parent / "x.txt").exists()
        saved = corpus_dir / "x.txt"
        assert not saved.is_symlink() and saved.read_bytes() == NEW_ARTICLE

    async def test_refused_types_and_a_file_larger_than_announced(self, telegram: FakeTelegram, start_bot: StartBot,
                                                                 engine: FakeEngine, corpus_dir: Path):
        await start_bot(max_upload_bytes=1024)
        admin = telegram.user(ADMIN_ID, "Ada")
        chat = telegram.private_chat(admin)
        for name, reason in (("x.txt.exe", "not .exe"), ("report.pdf", "not .pdf"), ("README", "files without an extension")):
            refusal = await wait_reply(telegram, telegram.send_document(chat, admin, name, b"data"))
            assert refusal.plain.startswith("I can only add .txt, .md, .html, .jsonl files,") and reason in refusal.plain
        assert telegram.calls_to("getFile") == []
        liar = telegram.send_document(chat, admin, "big.txt", b"Big\n" + b"x" * 4096, file_size=100)
        assert (await wait_reply(telegram, liar)).plain == "That file is 4 KB; the limit is 1 KB."
        empty = telegram.send_document(chat, admin, "empty.txt", b"")
        assert (await wait_reply(telegram, empty)).plain == "That file is empty."
        assert names_in(corpus_dir) == ["harbour.txt", "talks.txt"] and engine.generation == 1
        await nothing_lost(telegram, chat, admin)
