"""Personal data held by the gateway and triage: retention and subject access export.

`retention` erases conversations, stale queue items, old triage decisions and contact
records past their periods (cases keep their own rules in `triage.cases.retention`);
`schedule` runs it from the gateway; `export` gathers everything held about a conversation
or a reporter; `cli` is ``python -m channels privacy retention|export``.
"""
