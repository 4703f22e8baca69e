"""The operator console's server side: the JSON API under ``/console/api/`` and the
``/console/ws`` socket (contract: docs/console-api.md).

Split by topic: sign-in and protection (`auth`, `login`, `login_limit`), the queue
(`queue_api`, `board`), conversations and hand-over (`conversation_api`), cases
(`case_draft`, `case_api`), fixed lists (`canned`), the supervisor (`supervisor_api`), the
socket (`socket`), and `wiring`/`routes` that put them in the gateway.
"""
