"""Retention in every deployment: expired rows are deleted at start-up and then on a timer.

Whatever runs (the web server alone, the Telegram bot alone, or both) calls ``purge_periodically`` in
its lifespan, and ``ouderwijzer purge`` does one pass for a cron job or a systemd timer. Deleting is
idempotent, so several processes purging the same database do no harm.
"""

from __future__ import annotations

import asyncio
import logging

from bot.storage import Storage

log = logging.getLogger(__name__)


def purge_once(storage: Storage) -> int:
    """Delete every row older than ``privacy.retention_days``; returns how many went."""
    deleted = storage.purge_expired()
    if deleted:
        log.info("retention: deleted %d expired rows", deleted)
    return deleted


async def purge_periodically(storage: Storage, *, every_seconds: float) -> None:
    """Purge now and then every ``every_seconds`` until cancelled (runs the deletes in a thread)."""
    while True:
        try:
            await asyncio.to_thread(purge_once, storage)
        except Exception:  # a failed purge must never take the server down; the next pass tries again
            log.warning("retention: purge failed", exc_info=True)
        await asyncio.sleep(every_seconds)
