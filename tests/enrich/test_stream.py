"""`dcc enrich` keeps order and every input field, adds the §4.2 fields, reports bad lines."""

from __future__ import annotations

import io
import json
import subprocess
import sys

from dcc.enrich.stream import enrich_stream

CONTRACT_FIELDS = {
    "lang",
    "sentiment",
    "stance_id",
    "emotion",
    "entities",
    "countries",
    "places",
    "crisis",
    "topics",
    "near_duplicate_of",
    "story_id",
    "why",
}

LINES = [
    json.dumps(
        {
            "id": "a",
            "text": "Gempa magnitudo 5,4 guncang Lombok, warga mengungsi.",
            "source": "antara",
            "custom": {"keep": [1, 2]},
        }
    ),
    "",
    "{broken json",
    json.dumps({"text": "no id"}),
    json.dumps(
        {"id": "b", "text": "Indonesia's foreign minister met ASEAN counterparts.", "lang": "en"}
    ),
    json.dumps(["not", "an", "object"]),
    json.dumps({"id": 7, "text": "🙂🙂🙂 https://t.co/x"}),
    json.dumps({"id": "c", "text": ""}),
]


def run(lines: list[str]) -> tuple[list[dict[str, object]], str]:
    output, errors = io.StringIO(), io.StringIO()
    enrich_stream(lines, output, errors)
    return [json.loads(line) for line in output.getvalue().splitlines()], errors.getvalue()


def test_order_fields_and_errors() -> None:
    documents, errors = run(LINES)
    assert [d["id"] for d in documents] == ["a", "b", 7, "c"]
    first = documents[0]
    assert first["source"] == "antara" and first["custom"] == {"keep": [1, 2]}
    for document in documents:
        assert set(document) >= CONTRACT_FIELDS
        assert isinstance(document["entities"], list) and isinstance(document["why"], dict)
    assert documents[1]["why"]["lang"]["given"] == "en"
    error_lines = errors.splitlines()
    assert any(line.startswith("line 3: not valid JSON") for line in error_lines)
    assert any(line.startswith("line 4: missing 'id'") for line in error_lines)
    assert any(line.startswith("line 6: a document must be a JSON object") for line in error_lines)


def test_empty_and_symbol_only_text_is_undetermined() -> None:
    documents, _ = run(
        [
            json.dumps({"id": "e", "text": "   "}),
            json.dumps({"id": "f", "text": "🙂🙂 https://t.co/abc"}),
        ]
    )
    assert [d["lang"] for d in documents] == ["und", "und"]


def test_huge_document_is_handled() -> None:
    text = "Banjir di Jakarta. " * 50_000  # ~1 MB
    documents, errors = run([json.dumps({"id": "big", "text": text[: 1024 * 1024 - 200]})])
    assert documents[0]["id"] == "big" and not errors


def test_cli_streams_stdin_to_stdout() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "dcc", "enrich"],
        input="\n".join(LINES) + "\n",
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    ids = [json.loads(line)["id"] for line in result.stdout.splitlines()]
    assert ids == ["a", "b", 7, "c"]
    assert "rejected 3 lines" in result.stderr
