"""An Atom feed (RFC 4287) of one watchlist's alerts, newest first, for feed readers and
other tools. Built with the standard library's ElementTree; text is cleaned of characters
XML 1.0 cannot hold, so an item title with a stray control character cannot break the feed.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import datetime

from dcc.alerts.records import Alert, Watchlist
from dcc.alerts.serialize import iso

ATOM_NS = "http://www.w3.org/2005/Atom"
FEED_SIZE = 50
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(value: str) -> str:
    """`value` without the characters XML 1.0 forbids."""
    return _NOT_XML.sub("", value)


def watchlist_feed_url(base_url: str, watchlist_id: int) -> str:
    return f"{base_url.rstrip('/')}/api/v1/watchlists/{watchlist_id}/feed.atom"


def alert_url(base_url: str, alert_id: int) -> str:
    return f"{base_url.rstrip('/')}/api/v1/alerts/{alert_id}"


def watchlist_feed(
    watchlist: Watchlist, alerts: Sequence[Alert], *, base_url: str, now: datetime
) -> bytes:
    """The feed document (UTF-8 bytes) for `watchlist` with `alerts` (newest first)."""
    # Plain names under a default namespace declared on the root (ElementTree's own
    # default_namespace refuses the unqualified attribute names Atom uses).
    feed = ET.Element("feed", xmlns=ATOM_NS)
    self_url = watchlist_feed_url(base_url, watchlist.id)
    _text(feed, "id", self_url)
    _text(feed, "title", f"DCC watchlist: {watchlist.name}")
    _text(feed, "subtitle", watchlist.query)
    updated = max((a.updated_at for a in alerts), default=watchlist.updated_at or now)
    _text(feed, "updated", iso(updated) or "")
    ET.SubElement(feed, "link", rel="self", href=self_url, type="application/atom+xml")
    author = ET.SubElement(feed, "author")
    _text(author, "name", f"DCC ({watchlist.owner})")
    _text(feed, "generator", "DCC")
    for alert in alerts:
        feed.append(_entry(alert, base_url))
    document: bytes = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return document


def _entry(alert: Alert, base_url: str) -> ET.Element:
    entry = ET.Element("entry")
    url = alert_url(base_url, alert.id)
    _text(entry, "id", url)
    count = f" ({alert.item_count} items)" if alert.item_count > 1 else ""
    _text(entry, "title", f"{alert.title}{count}")
    _text(entry, "published", iso(alert.created_at) or "")
    _text(entry, "updated", iso(alert.updated_at) or "")
    last_item = alert.explanation.get("last_item")
    item_url = last_item.get("url") if isinstance(last_item, dict) else None
    ET.SubElement(entry, "link", rel="alternate", href=str(item_url or url))
    ET.SubElement(entry, "link", rel="related", href=url, type="application/json")
    ET.SubElement(entry, "category", term=alert.status.value, label="status")
    _text(entry, "summary", _summary(alert)).set("type", "text")
    return entry


def _summary(alert: Alert) -> str:
    parts = [f"{alert.item_count} item{'s' if alert.item_count != 1 else ''}"]
    parts.append(f"status {alert.status.value}")
    matched = alert.explanation.get("matched")
    if isinstance(matched, list) and matched:
        parts.append("matched " + ", ".join(str(m) for m in matched))
    last_item = alert.explanation.get("last_item")
    if isinstance(last_item, dict) and last_item.get("title"):
        parts.append(f"latest: {last_item['title']}")
    return "; ".join(parts)


def _text(parent: ET.Element, name: str, value: str) -> ET.Element:
    element = ET.SubElement(parent, name)
    element.text = xml_text(value)
    return element
