"""The force's X account: mentions and DMs in, triaged, answered in public or by DM.

Modules: `models` (plain dataclasses), `api` (the port to the X API and its tweepy adapter),
`state` (cursors, exactly-once claims and send markers in Redis or SQLite), `intake` (what
happens to one post or DM), `poller` (mentions and DM polling), `webhook` (Account Activity
deliveries), `wiring` (the gateway's cleanup context and routes).
"""
