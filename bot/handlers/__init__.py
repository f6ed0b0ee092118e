"""Handlers grouped by feature; `register` adds them all to an application in the right order."""

from __future__ import annotations

from telegram.ext import Application

from newsbot.bot.handlers import admin, feedback, feeds, follows, groups, inline, insights, questions


def register(application: Application) -> None:  # type: ignore[type-arg]
    """Commands first, then admin uploads, then plain messages; the first matching handler wins."""
    questions.register_commands(application)
    admin.register(application)
    feeds.register(application)
    follows.register(application)
    insights.register(application)
    questions.register_messages(application)
    groups.register(application)
    feedback.register(application)
    inline.register(application)
