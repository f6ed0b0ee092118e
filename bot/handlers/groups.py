"""Groups and supergroups: answer a message only when it @mentions the bot or replies to it.

/ask (and /ask@thisbot) is the questions module's command handler, in groups too; every other
group message matches no handler and is ignored: chatter, stickers, photos, documents, commands
for other bots (/ask@otherbot), and forwarded messages (someone else's words, even if they
mention the bot). Silence, because a bot that answers what was not said to it is noise.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, MessageHandler, filters

from newsbot.bot.context import NewsContext
from newsbot.bot.filters import ADDRESSED_TO_BOT, GROUPS, NEW_MESSAGE, without_mention
from newsbot.bot.handlers.questions import answer_question
from newsbot.bot.handlers.replies import reply


def register(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(MessageHandler(NEW_MESSAGE & GROUPS & ~filters.FORWARDED & filters.TEXT & ~filters.COMMAND & ADDRESSED_TO_BOT, group_question))


async def group_question(update: Update, context: NewsContext) -> None:
    """A group message addressed to the bot: the text without the @mention is the question."""
    assert update.effective_message is not None
    question = without_mention(update.effective_message)
    if not question:
        await reply(update.effective_message, "Yes? Ask me a question about the news, for example: "
                    f"<code>@{context.bot.username} who attended the talks?</code>")
        return
    await answer_question(update, context, question)
