"""Operator queue and alerts: ports, the Redis adapters and the in-process ones for the demo.

Only the ports and in-process adapters are imported here; the Redis adapters live in
`triage.queue.redis_queue` and `triage.queue.redis_alerts`.
"""

from triage.queue.alerts import Alert, AlertBus, InMemoryAlertBus, Subscription
from triage.queue.memory import InMemoryOperatorQueue
from triage.queue.ports import OperatorQueue, QueueItem, QueueRequest, QueueUnavailable

__all__ = [
    "Alert",
    "AlertBus",
    "InMemoryAlertBus",
    "InMemoryOperatorQueue",
    "OperatorQueue",
    "QueueItem",
    "QueueRequest",
    "QueueUnavailable",
    "Subscription",
]
