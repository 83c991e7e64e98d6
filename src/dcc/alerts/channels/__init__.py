"""How alerts reach people: in-app live stream (sse.py) and a feed per watchlist (feed.py).

E-mail (SMTP) and webhooks will join here, each recording its deliveries (alert_deliveries).
"""
