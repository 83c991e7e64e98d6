"""Coordination (issue 6): incidents, tasks for agencies, escalation, the timeline, need-to-know
sharing of every sub-object, notifications and the hash-chained audit trail."""
