"""The case system: reports become cases with references the public can track.

- `ports` (what callers may ask), `staff` (what staff may ask), `outbox` (held reports);
- adapters: `sql_store` (local SQLite/PostgreSQL), `http_adapter` (an external records
  system, contract in docs/case-system.openapi.yaml), `spool_outbox` and `redis_outbox`,
  `attempts` (tracking rate limits);
- `service` (taking in reports, tracking), `worker` (delivering held reports), `cli`
  (`python -m triage cases ...`), and `wiring`, the one place adapters are chosen.
"""
