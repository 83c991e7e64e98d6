"""Alerts (issue 4, docs/alerts.md): watchlists matched on the stream, alerts with a lifecycle,
delivered in-app (live stream) and by an Atom feed per watchlist.

The same shape as every domain package:
- pure: records.py, rules.py (watchlist checks), matcher.py (which watchlists an item
  matches), lifecycle.py (the status state machine), serialize.py, channels/feed.py;
- queries.py (reads) and actions.py (the only writers: do_create_watchlist, do_record_matches,
  do_acknowledge_alert ...), which wake the live streams after each commit (broadcast.py);
- workers.py: AlertMatcher, called by the item workers once a job's labels are stored.
"""
