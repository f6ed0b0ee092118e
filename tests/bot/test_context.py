"""The handlers' typed context: `bot_data` is a `BotData`, not a dict of string keys."""

from __future__ import annotations

import pytest
from telegram.ext import ApplicationBuilder, CallbackContext

from newsbot.bot.context import CONTEXT_TYPES, BotData, NewsContext
from newsbot.bot.services import services


class TestBotData:
    def test_an_application_built_with_the_context_types_has_typed_bot_data(self):
        application = ApplicationBuilder().token("123:abc").context_types(CONTEXT_TYPES).build()
        assert isinstance(application.bot_data, BotData) and application.bot_data.ledger is None
        assert application.context_types.context is NewsContext

    def test_services_before_they_are_set_says_how_to_build_the_application(self):
        with pytest.raises(RuntimeError, match="build_application"):
            BotData().services  # noqa: B018

    def test_services_of_a_context_without_bot_data_says_so(self):
        application = ApplicationBuilder().token("123:abc").build()
        with pytest.raises(TypeError, match="bot_data is a dict"):
            services(CallbackContext(application))
