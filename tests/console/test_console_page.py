"""The console page's fixed lists stay in step with the server's."""

from __future__ import annotations

import re

from triage.settings import PROJECT_ROOT
from triage.staff.ports import AuditAction

PAGE = PROJECT_ROOT / "channels" / "static" / "console.html"


def test_the_audit_search_offers_every_action_and_nothing_else() -> None:
    select = re.search(r'<select id="c-audit-action">(.*?)</select>', PAGE.read_text(), re.S)
    assert select is not None
    offered = set(re.findall(r'<option value="([a-z_]+)">', select.group(1)))
    assert offered == {action.value for action in AuditAction}
