"""`dcc enrich`: JSON Lines documents in, the same documents with their labels out (§4.2).

Order and every input field are kept; the labels are added (a `lang` given in the input is
replaced by the detected one and kept under why.lang.given). A line that is not a valid
document is reported on the error stream with its line number and left out; the stream goes on.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, TextIO

from dcc.enrich.pipeline import Document, Enricher

MAX_LINE_BYTES = 1024 * 1024
# Documents enriched together: the models score a batch far faster than one document at a
# time. An interactive input (a terminal) uses 1, so each line is answered at once.
BATCH_SIZE = 256


@dataclass
class StreamCounts:
    read: int = 0
    written: int = 0
    rejected: int = 0


def parse_document(line: str, number: int) -> tuple[dict[str, Any], Document]:
    """The JSON object of one line and the Document to enrich; ValueError says what is wrong."""
    if len(line.encode("utf-8", "replace")) > MAX_LINE_BYTES:
        raise ValueError(f"line {number}: longer than {MAX_LINE_BYTES:,} bytes")
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ValueError(
            f"line {number}: not valid JSON ({exc.msg} at column {exc.colno})"
        ) from None
    if not isinstance(data, dict):
        raise ValueError(f"line {number}: a document must be a JSON object")
    doc_id = data.get("id")
    if isinstance(doc_id, int) and not isinstance(doc_id, bool):
        doc_id = str(doc_id)
    if not isinstance(doc_id, str) or not doc_id.strip():
        raise ValueError(f"line {number}: missing 'id' (a non-empty string)")
    text = data.get("text")
    if not isinstance(text, str):
        raise ValueError(f"line {number}: missing 'text' (a string)")
    title = data.get("title") if isinstance(data.get("title"), str) else ""
    lang = data.get("lang") if isinstance(data.get("lang"), str) else None
    return data, Document(id=doc_id, text=text, title=title or "", lang=lang)


def enrich_stream(
    lines: Iterable[str],
    output: TextIO,
    errors: TextIO,
    *,
    enricher: Enricher | None = None,
    on_line: Callable[[StreamCounts], None] | None = None,
    batch_size: int = BATCH_SIZE,
) -> StreamCounts:
    """Enrich every document line of `lines` into `output`; report bad lines on `errors`."""
    enricher = enricher or Enricher()
    counts = StreamCounts()
    parsed: deque[list[tuple[dict[str, Any], Document]]] = deque()

    def batches() -> Iterator[list[Document]]:
        pending: list[tuple[dict[str, Any], Document]] = []
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            counts.read += 1
            try:
                pending.append(parse_document(line, number))
            except ValueError as exc:
                counts.rejected += 1
                errors.write(f"{exc}\n")
                continue
            if len(pending) >= batch_size:
                parsed.append(pending)
                yield [doc for _, doc in pending]
                pending = []
        if pending:
            parsed.append(pending)
            yield [doc for _, doc in pending]

    for labels in enricher.enrich_batches(batches()):
        for (data, doc), enrichment in zip(parsed.popleft(), labels, strict=True):
            found = enrichment.as_json()
            if doc.lang is not None:
                found["why"].setdefault("lang", {})["given"] = doc.lang
            output.write(json.dumps({**data, **found}, ensure_ascii=False) + "\n")
            counts.written += 1
            if on_line is not None:
                on_line(counts)
    return counts
