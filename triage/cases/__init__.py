"""The case system: reports become cases with references the public can track.

- `ports` (what callers may ask), `staff` (what staff may ask), `outbox` (held reports);
- adapters: `sql_store` (local SQLite/PostgreSQL), `http_adapter` (an external records
  system, contract in docs/case-system.openapi.yaml), `spool_outbox` and `redis_outbox`,
  `attempts` (tracking rate limits), `drafts` (unsent report drafts, beside the SQL store);
- `processing_log` (the DPA 2018 s.62 log: who did what to which case, and why; written
  by the SQL store in the same transaction as the work), `retention` (s.39: purge, review);
- `service` (taking in reports, tracking), `worker` (delivering held reports), `cli`
  (`python -m triage cases ...`), and `wiring`, the one place adapters are chosen.
"""
