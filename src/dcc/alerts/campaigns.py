"""Coordinated copy-paste campaigns (issue 4 item 4): many accounts posting near-identical
text within a short window. Pure: posts in, findings out.

Posts are grouped by the item they copy: the enrichment's `near_duplicate_of` (followed to
the first item of the chain when the copied item is itself a copy), else the item itself.
An account is the item's author, else its source ("source:antara-id"), so a feed that
reposts wire copy counts as one account however many items it posts.

    detect_campaign(812, posts, CampaignThresholds(), alert_window_s=3600)
    # -> Finding(rule="campaign:copy_paste", story_key="item:812", ...) when 5 or more
    #    accounts posted within 30 minutes
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timedelta

from dcc.alerts.activity import epoch, floor_to, iso_seconds
from dcc.alerts.detection_records import CampaignPost, Finding
from dcc.alerts.records import AlertKind
from dcc.alerts.thresholds import CampaignThresholds
from dcc.records import StoredItem

CAMPAIGN_RULE = "campaign:copy_paste"
MAX_ACCOUNT_LENGTH = 200


def account_of(item: StoredItem) -> str:
    """Who posted an item: its author, else its source."""
    author = " ".join((item.author or "").split())
    return (author or f"source:{item.source_id}")[:MAX_ACCOUNT_LENGTH]


def copied_item_id(item: StoredItem) -> int | None:
    """The id of the item this one nearly copies (enrichment `near_duplicate_of`), if any.

    Ids that are not stored item ids (a document enriched outside DCC) give None.
    """
    near = (item.enrichment or {}).get("near_duplicate_of")
    if isinstance(near, str) and near.isdigit() and int(near) != item.id:
        return int(near)
    return None


def campaign_story_key(root_id: int) -> str:
    """As alerts/matcher.py names the story of a near-duplicate: the item it copies."""
    return f"item:{root_id}"


def detect_campaign(
    root_id: int,
    posts: Sequence[CampaignPost],
    thresholds: CampaignThresholds,
    *,
    alert_window_s: int,
) -> Finding | None:
    """A finding when `min_accounts` distinct accounts posted copies of `root_id` within
    `window_s`, else None. The span with the most accounts is the one reported."""
    ordered = sorted(posts, key=lambda p: (p.posted_at, p.item_id))
    if len({p.account for p in ordered}) < thresholds.min_accounts:
        return None
    span = timedelta(seconds=thresholds.window_s)
    best: tuple[int, int, int] | None = None  # (accounts, start index, end index)
    in_window: Counter[str] = Counter()
    start = 0
    for end, post in enumerate(ordered):
        in_window[post.account] += 1
        while post.posted_at - ordered[start].posted_at > span:
            gone = ordered[start].account
            in_window[gone] -= 1
            if not in_window[gone]:
                del in_window[gone]
            start += 1
        # Ties go to the later span: the campaign as it stands now.
        if best is None or len(in_window) >= best[0]:
            best = (len(in_window), start, end)
    if best is None or best[0] < thresholds.min_accounts:
        return None
    chosen = ordered[best[1] : best[2] + 1]
    accounts = list(dict.fromkeys(p.account for p in chosen))
    first, last = chosen[0].posted_at, chosen[-1].posted_at
    minutes = max(1, round((last - first).total_seconds() / 60))
    return Finding(
        kind=AlertKind.CAMPAIGN,
        rule=CAMPAIGN_RULE,
        story_key=campaign_story_key(root_id),
        title=(
            f"Copy-paste campaign: {len(accounts)} accounts posted near-identical text "
            f"within {minutes} min"
        ),
        count=len(chosen),
        window_start=first,
        window_end=last,
        alert_window=timedelta(seconds=alert_window_s),
        numbers={
            "detector": "campaign",
            "root_item_id": root_id,
            "distinct_accounts": len(accounts),
            "posts": len(chosen),
            "window": {
                "start": iso_seconds(epoch(first)),
                "end": iso_seconds(epoch(last)),
                "span_s": int((last - first).total_seconds()),
            },
            "thresholds": {
                "window_s": thresholds.window_s,
                "min_accounts": thresholds.min_accounts,
            },
        },
        details={
            "accounts": accounts[: thresholds.max_listed_accounts],
            "time_profile": time_profile([p.posted_at for p in chosen]),
        },
        item_ids=tuple(p.item_id for p in chosen),
    )


def time_profile(times: Sequence[datetime]) -> dict[str, object]:
    """Posts per minute from the first post's minute to the last's: posts at 10:00:05,
    10:00:40 and 10:02:10 give {"start": "...T10:00:00Z", "minute_s": 60,
    "per_minute": [2, 0, 1]}."""
    seconds = sorted(epoch(t) for t in times)
    first = floor_to(seconds[0], 60)
    per_minute = [0] * ((floor_to(seconds[-1], 60) - first) // 60 + 1)
    for at in seconds:
        per_minute[(at - first) // 60] += 1
    return {"start": iso_seconds(first), "minute_s": 60, "per_minute": per_minute}
