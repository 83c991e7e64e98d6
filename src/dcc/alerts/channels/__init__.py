"""How alerts reach people: in-app live stream (sse.py), a feed per watchlist (feed.py),
e-mail (smtp.py) and signed webhooks (webhook.py), the last two sent and retried by the
delivery worker (alerts/delivery.py), which records each delivery in alert_deliveries.
"""
