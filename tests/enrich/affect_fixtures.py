"""Small labelled texts, written for these tests, to train tiny sentiment/emotion models."""

from __future__ import annotations

from pathlib import Path

from dcc.enrich.textclf import FeatureSpec
from dcc.enrich.training.affect_data import Corpus, fit

TINY = FeatureSpec(n_features=2**12)

INDONESIAN = {
    "positive": [
        "pelayanan sangat bagus dan ramah", "makanannya enak sekali, puas",
        "tempatnya nyaman dan bersih", "kerja pemerintah hebat, saya bangga",
        "kebijakan yang baik dan berhasil", "mantap, sukses terus",
    ],
    "negative": [
        "pelayanan buruk dan lambat", "makanannya tidak enak, kecewa",
        "tempatnya kotor dan bau", "kerja pemerintah gagal, saya kecewa",
        "kebijakan yang buruk dan merugikan", "parah, mengecewakan sekali",
    ],
    "neutral": [
        "rapat dimulai pukul sembilan pagi", "kantor itu berada di jalan merdeka",
        "harga tiket dua puluh ribu rupiah", "acara diadakan hari senin",
        "dokumen dikirim lewat pos", "gedung itu memiliki tiga lantai",
    ],
}  # fmt: skip
ENGLISH = {
    "positive": [
        "the service was great and friendly", "delicious food, very happy",
        "a clean and comfortable place", "excellent work, I am proud",
        "a good policy that succeeded", "wonderful, keep it up",
    ],
    "negative": [
        "the service was bad and slow", "terrible food, very disappointed",
        "a dirty and smelly place", "awful work, I am disappointed",
        "a bad policy that failed", "horrible, a total failure",
    ],
    "neutral": [
        "the meeting starts at nine", "the office is on main street",
        "tickets cost twenty dollars", "the event is held on monday",
        "the document was sent by post", "the building has three floors",
    ],
}  # fmt: skip
EMOTIONS = {
    "anger": ["kesal banget sama kelakuan dia", "marah aku, dasar penipu", "benci, muak sekali"],
    "fear": ["takut banget kalau gempa lagi", "ngeri, aku khawatir", "cemas dan takut malam ini"],
    "happy": ["senang sekali hari ini", "bahagia bisa lulus", "gembira, akhirnya libur"],
    "love": ["sayang kamu selamanya", "cinta banget sama ibu", "rindu dan sayang padamu"],
    "sadness": ["sedih banget ditinggal", "menangis, hatiku hancur", "duka dan sedih sekali"],
}


def corpus(rows: dict[str, list[str]], repeat: int = 3) -> Corpus:
    texts = [text for label in rows for text in rows[label]] * repeat
    labels = [label for label in rows for _ in rows[label]] * repeat
    return Corpus(texts, labels, "fixture")


def save_tiny_models(folder: Path) -> None:
    """Tiny sentiment_id, sentiment_en and emotion_id models under `folder`."""
    fit(corpus(INDONESIAN), TINY, 4.0, {"command": "fixture"}).save(folder / "sentiment_id")
    fit(corpus(ENGLISH), TINY, 4.0, {"command": "fixture"}).save(folder / "sentiment_en")
    fit(corpus(EMOTIONS), TINY, 4.0, {"command": "fixture"}).save(folder / "emotion_id")
