"""/feeds for admins: list the followed feeds with their last fetch and errors, add one, remove one.

A URL is checked before it is followed (a malformed one is named in one line); replies show long
URLs shortened, so that no reply runs past Telegram's message limit.
"""

from __future__ import annotations

import time

from telegram import Update
from telegram.ext import Application, CommandHandler

from newsbot.bot.context import NewsContext
from newsbot.bot.feeds import FeedFollower
from newsbot.bot.filters import NEW_MESSAGE
from newsbot.bot.handlers.access import admin_only
from newsbot.bot.handlers.replies import reply
from newsbot.bot.telegram_html import MESSAGE_LIMIT, escape
from newsbot.index.feeds import FeedState, is_url
from newsbot.index.fetch import shorten_url, url_problem

USAGE = "Usage: <code>/feeds</code> lists the feeds, <code>/feeds add URL</code>, <code>/feeds remove URL</code>."
OFF = "Feeds are off: set NEWSBOT_FEEDS_DIR, or NEWSBOT_CORPUS to a directory, so fetched articles have a home."


def register(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(CommandHandler("feeds", feeds, filters=NEW_MESSAGE))


@admin_only
async def feeds(update: Update, context: NewsContext) -> None:
    """List, add or remove the feeds the bot follows."""
    shared = context.services
    follower = shared.feeds
    args = context.args or []
    if follower is None:
        await reply(update.effective_message, OFF)
        return
    if not args:
        await reply(update.effective_message, listing(follower))
        return
    action, url = args[0].lower(), " ".join(args[1:]).strip()
    if action not in ("add", "remove") or not url:
        await reply(update.effective_message, USAGE)
        return
    if action == "add":
        await reply(update.effective_message, await _add(follower, url))
    else:
        await reply(update.effective_message, await _remove(follower, url))


async def _add(follower: FeedFollower, url: str) -> str:
    shown = escape(shorten_url(url))
    if not is_url(url):
        return f"Only http and https URLs can be followed, not {shown}."
    problem = url_problem(url)
    if problem:
        return f"Cannot follow {shown}: {escape(problem)}."
    if not await follower.add(url):
        return f"Already following {shown}."
    return f"➕ Following {shown}; fetching it now. /feeds shows how it went."


async def _remove(follower: FeedFollower, url: str) -> str:
    state = await follower.remove(url)
    if state is None:
        return f"Not following {escape(shorten_url(url))}; /feeds lists the feeds."
    kept = f" Its {state.articles} article(s) stay in the index." if state.articles else ""
    return f"➖ Stopped following {escape(shorten_url(url))}.{kept}"


def listing(follower: FeedFollower, now: float | None = None) -> str:
    """The followed feeds, one paragraph each: title, URL, articles, last fetch, error."""
    followed = follower.feeds()
    if not followed:
        return "No feeds followed yet. Add one: <code>/feeds add URL</code>."
    moment = time.time() if now is None else now
    minutes = f"{follower.interval_seconds / 60:g}"
    text = f"<b>Feeds</b> ({len(followed)}, checked every {minutes} min)"
    for shown, state in enumerate(followed):
        paragraph = "\n\n" + "\n".join(_describe(state, moment))
        more = f"\n\n… and {len(followed) - shown} more"
        # Whole paragraphs only: a cut in the middle of a tag or an entity is refused by Telegram.
        if len(text) + len(paragraph) + len(more) > MESSAGE_LIMIT:
            return text + more
        text += paragraph
    return text


def _describe(state: FeedState, now: float) -> list[str]:
    mark = "❌" if state.failing else ("⚠️" if state.error else ("✅" if state.last_success else "⏳"))
    name = escape(state.title[:200]) if state.title else "(no title yet)"
    lines = [f"{mark} <b>{name}</b>", escape(shorten_url(state.url))]
    if state.last_fetch:
        lines.append(f"{state.articles} article(s) · last fetch {_ago(now - state.last_fetch)} ago")
    if state.failing:
        wait = f"; next try in {_ago(state.retry_at - now)}" if state.retry_at > now else ""
        lines.append(f"Failing ({state.failures} in a row{wait}): {escape(state.error[:300])}")
    elif state.error:
        lines.append(escape(state.error[:300]))
    return lines


def _ago(seconds: float) -> str:
    seconds = max(0.0, seconds)
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds / size:.0f} {unit}"
    return f"{seconds:.0f} s"
