"""bluelamp's core: triage, routing, queues and the case-system adapters.

Everything here is plain Python (no Rasa import); the action server and the gateway
both depend on it.
"""
