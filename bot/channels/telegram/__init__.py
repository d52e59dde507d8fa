"""The Telegram channel (python-telegram-bot): Telegram updates -> ``Service.reply`` -> Telegram HTML.

- ``app``: ``build_application``, ``webhook_app`` (the ASGI app that hosts the bot), ``run_bot``
- ``handlers``: one handler per kind of update, registered in one place
- ``context``: typed context; a chat's stored state and the answer memos behind the buttons (SQLite)
- ``plumbing``: per-chat update order, retrying rate limiter, sending, the error handler
- ``render``: Telegram HTML and keyboards, split under 4,096 characters
"""

from bot.channels.telegram.app import (
    ALLOWED_UPDATES,
    build_application,
    run_bot,
    webhook_app,
    webhook_secret,
    webhook_url,
)

__all__ = ["ALLOWED_UPDATES", "build_application", "run_bot", "webhook_app", "webhook_secret", "webhook_url"]
