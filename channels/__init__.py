"""The gateway: web chat, the REST channel and health, in front of the Rasa engine.

Nothing here does I/O at import time; `channels.app.create_app` builds the application and
opens every client inside `cleanup_ctx`.
"""
