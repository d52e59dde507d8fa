"""The web channel (FastAPI): JSON API, embeddable widget, demo page, staff console, metrics.

``create_app(settings, service)`` builds the app; ``serve(settings)`` runs it under uvicorn
(``ouderwijzer serve``). See ``app.py`` for the layout.
"""

from bot.channels.web.app import create_app, serve

__all__ = ["create_app", "serve"]
