"""Training and evaluation of the Indonesian NER models (`dcc train entities`).

Data: ../shared/data/indonlu-nergrit and indonlu-nerp (train_preprocess.txt to train,
valid_preprocess.txt to score; the test splits are held back by the data owner).

The two corpora label different things (NERP has events and food; NERGrit is cased, NERP is
entirely lower-cased), so one CRF is trained per corpus and each is scored in its own tag set,
comparable with IndoNLU's published figures. The pipeline (entities.py) runs NERGrit's on
cased text and NERP's on lower-cased text, and maps their tags to DCC types with TAG_MAPS:

| corpus  | tag          | DCC  |
|---------|--------------|------|
| NERGrit | PERSON       | PER  |
| NERGrit | PLACE        | LOC  |
| NERGrit | ORGANISATION | ORG  |
| NERP    | PPL          | PER  |
| NERP    | PLC          | LOC  |
| NERP    | IND          | ORG  |  (organisation / industry, "company or institution")
| NERP    | EVT          | EVT  |
| NERP    | FNB          | MISC |  (food and beverage: a named product, kept but not typed)

Scores are entity-level micro F1, exact span and type, as conlleval and seqeval count them.

NERGrit's 1,672 training sentences are few, so its model also learns from NERP's 6,720 (their
people, places and organisations; events and food as O), by feature augmentation (Daume
2007): every attribute is seen once as itself and once marked with its corpus, so the model
learns what the corpora share and where they differ; the NERGrit-marked weights are then
added to the shared ones and the NERP-marked ones dropped. 3-fold cross-validation on NERGrit
train (folds 0 and 1, entity F1): 0.708 and 0.711 alone, 0.719 and 0.723 with NERP so added;
0.708 with NERP's sentences added plainly.

NERGrit's model also sees word classes (learn_clusters, stored in its .npz): 21,290 words seen
at least twice in 23,339 unlabelled sentences (the train splits of SmSA, EmoT, NusaX and both
NER corpora; no valid split), grouped by their neighbours (positive PMI, SVD, k-means into 32,
128 and 512 classes). `cross_validate` on NERGrit train (3 folds, sentence i in fold i % 3,
mean entity F1 at bonus 0 / 0.5 / 1; 2026-11): without classes 0.707 / 0.711 / 0.710; with the
classes at the token and c128 at +-1 0.716 / 0.717 / 0.718, each fold up (a first draft of
the recipe, other k-means draws: 0.717 / 0.719 / 0.715); all three at +-1 and c128 at +-2
0.712 / 0.713 / 0.712. The bonus stays 0.5 (its differences are within the folds' noise).
Valid, scored once at the end: NERGrit 0.7365 -> 0.7426, NERP 0.7243 (its model is unchanged:
it sees no classes).

Then classes of meaning as well (`vector_classes`: k-means of the cross-lingual word vectors of
`dcc train word_vectors` into 64 and 256 classes, at the token): same folds, bonus 0 / 0.5 / 1,
0.7163 / 0.7173 / 0.7184 without them (this run), 0.7215 / 0.7216 / 0.7209 with them (folds
0.7051 -> 0.7108, 0.7159 -> 0.7238, 0.7309 -> 0.7303 at 0.5); v64 also at +-1 0.7220, not
kept. Valid: NERGrit 0.7426 -> 0.7485.

Then longer affixes and a wider gazetteer window (`ner_crf.OFFSET_TEMPLATES`, `GAZ_OFFSETS`:
4-letter prefixes and suffixes at the token, the gazetteer tag at -2..+2 instead of -1..+1):
same folds, bonus 0.5, NERGrit 0.7216 -> 0.7275 (0.7108 -> 0.7190, 0.7238 -> 0.7267, 0.7303 ->
0.7367); alone 0.7230 (affixes) and 0.7239 (gazetteer). NERP's folds (no classes, no helper)
rose with them too, 0.7096 -> 0.7172 at bonus 0, and its bonus, never chosen before, was
cross-validated then: 0.5 0.7239, 1 0.7248, 1.5 0.7245, 2 0.7180, so it is 1.
Valid, scored once at the end: NERGrit 0.7485 -> 0.7519, NERP 0.7243 -> 0.7396.
"""

from __future__ import annotations

import csv
import tempfile
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pycrfsuite

from dcc.enrich.evaluation import EvalResult
from dcc.enrich.gazetteer import TOKEN_RE
from dcc.enrich.modelio import model_dir, save_json
from dcc.enrich.ner_crf import (
    CrfModel,
    FloatArray,
    NerTagger,
    WordClusters,
    bio_spans,
    token_features,
)
from dcc.enrich.wordvectors import VECTORS_NAME, WordVectors

MODEL_NAME = "ner_id"
COMMAND = "dcc train entities"
# L1 keeps the model small (most candidate attributes get weight 0) and L2 keeps the rest
# smooth. Cross-validated on NERGrit train (3 folds, mean entity F1): c1 0.05 0.708, 0.1
# 0.708, 0.2 0.701; c2 0.01 0.701; 300 iterations 0.707; CRFsuite's l2sgd 0.714 with five
# times the attributes, averaged perceptron 0.701. With the word classes (module docstring),
# bonus 0.5: c1 0.05 0.7246, 0.1 0.7216, 0.2 0.7191 (c2 0.05). 0.05 was better on one fold of
# three, worse on one: within the folds' noise, so c1 stays 0.1, as the bonus stays 0.5.
# (Trained once with 0.05: valid NERGrit 0.7395, NERP 0.7297; with 0.1: 0.7485, 0.7243.)
CRF_PARAMS: dict[str, Any] = {
    "c1": 0.1,
    "c2": 0.05,
    "max_iterations": 150,
    "feature.possible_transitions": True,
}

Sentence = tuple[list[str], list[str]]  # words, BIO tags


@dataclass(frozen=True, slots=True)
class Helper:
    """Another corpus whose train split a model also learns from, its tags renamed."""

    folder: str
    tags: dict[str, str]  # its tag -> the model's tag; other tags become O


@dataclass(frozen=True, slots=True)
class Corpus:
    name: str  # model file stem
    folder: str  # under the data directory
    is_cased: bool
    tag_map: dict[str, str]  # corpus tag -> DCC entity type
    anchor: str
    target: float
    helper: Helper | None = None
    bonus: float = 0.0  # CrfModel.bonus
    has_clusters: bool = False  # whether its model sees word classes (learn_clusters)


CORPORA = (
    Corpus(
        "nergrit",
        "indonlu-nergrit",
        True,
        {"PERSON": "PER", "PLACE": "LOC", "ORGANISATION": "ORG"},
        "mBERT 75.0 F1 (IndoNLU, Wilie et al. 2020, test split)",
        0.75,
        helper=Helper("indonlu-nerp", {"PPL": "PERSON", "PLC": "PLACE", "IND": "ORGANISATION"}),
        # Cross-validated on NERGrit train (folds 0 and 1, entity F1): bonus -0.5 0.722 and
        # 0.713, 0 0.731 and 0.727, 0.5 0.734 and 0.733, 1 0.721 and 0.731.
        bonus=0.5,
        has_clusters=True,
    ),
    Corpus(
        "nerp",
        "indonlu-nerp",
        False,
        {"PPL": "PER", "PLC": "LOC", "IND": "ORG", "EVT": "EVT", "FNB": "MISC"},
        "mBERT 69.3 F1 (IndoNLU, Wilie et al. 2020, test split)",
        0.70,
        # Cross-validated on NERP train (3 folds, mean entity F1): bonus 0 0.7172, 0.5 0.7239,
        # 1 0.7248 (each fold up on 0), 1.5 0.7245, 2 0.7180.
        bonus=1.0,
    ),
)
TAG_MAPS = {corpus.name: corpus.tag_map for corpus in CORPORA}


def read_conll(path: Path) -> list[Sentence]:
    """Sentences of a `token<TAB>tag` file with blank lines between sentences."""
    sentences: list[Sentence] = []
    words: list[str] = []
    tags: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            if words:
                sentences.append((words, tags))
            words, tags = [], []
            continue
        word, _, tag = line.rpartition("\t")
        if not word:
            raise ValueError(f"{path}: line {line!r} is not token<TAB>tag")
        words.append(word)
        tags.append(tag.strip())
    if words:
        sentences.append((words, tags))
    return sentences


def entity_f1(gold: Sequence[Sequence[str]], predicted: Sequence[Sequence[str]]) -> float:
    """Micro F1 over entities (exact span and type) of BIO sequences, seqeval-style."""
    found = correct = expected = 0
    for gold_tags, pred_tags in zip(gold, predicted, strict=True):
        gold_spans = set(bio_spans(gold_tags))
        pred_spans = set(bio_spans(pred_tags))
        expected += len(gold_spans)
        found += len(pred_spans)
        correct += len(gold_spans & pred_spans)
    if not correct:
        return 0.0
    precision, recall = correct / found, correct / expected
    return 2 * precision * recall / (precision + recall)


class MostFrequentTag:
    """Baseline: each known word gets the tag it carried most often in training, else O."""

    def __init__(self, sentences: Sequence[Sentence], is_cased: bool) -> None:
        self.is_cased = is_cased
        counts: dict[str, Counter[str]] = defaultdict(Counter)
        for words, tags in sentences:
            for word, tag in zip(words, tags, strict=True):
                counts[self._key(word)][tag] += 1
        self._tag = {word: c.most_common(1)[0][0] for word, c in counts.items()}

    def _key(self, word: str) -> str:
        return word if self.is_cased else word.lower()

    def tag(self, words: Sequence[str]) -> list[str]:
        return [self._tag.get(self._key(word), "O") for word in words]


def train(data_dir: Path, out_dir: Path | None = None) -> dict[str, Any]:
    """Train one CRF per corpus on its train split; write the models and meta.json."""
    out = out_dir or model_dir(MODEL_NAME)
    out.mkdir(parents=True, exist_ok=True)
    meta: dict[str, Any] = {
        "command": COMMAND,
        "format": "one .npz of plain arrays per corpus (CRFsuite weights; not pickle)",
        "crf_params": CRF_PARAMS,
        "models": {},
    }
    clusters = None
    if any(corpus.has_clusters for corpus in CORPORA):
        unlabelled = unlabelled_sentences(data_dir)
        vectors = word_vectors_for(out_dir)
        clusters = learn_clusters(unlabelled, vectors)
        meta["clusters"] = {
            "sources": [name for name, _ in UNLABELLED]
            + [f"{corpus.folder}/train_preprocess.txt" for corpus in CORPORA],
            "sentences": len(unlabelled),
            "words": len(clusters.words),
            "sizes": list(CLUSTER_SIZES),
            "vector_classes": {"sizes": list(VECTOR_SIZES), "table": "word_vectors"},
        }
    for corpus in CORPORA:
        source = data_dir / corpus.folder / "train_preprocess.txt"
        sentences = read_conll(source)
        helper = helper_sentences(data_dir, corpus.helper)
        model = train_crf(
            sentences,
            corpus.is_cased,
            helper=helper,
            clusters=clusters if corpus.has_clusters else None,
        )
        model.bonus = corpus.bonus
        path = out / model_file(corpus)
        model.save(path)
        meta["models"][corpus.name] = {
            "file": path.name,
            "source": f"{corpus.folder}/train_preprocess.txt",
            "sentences": len(sentences),
            "also_learns_from": (
                f"{corpus.helper.folder}/train_preprocess.txt ({len(helper)} sentences)"
                if corpus.helper
                else None
            ),
            "is_cased": corpus.is_cased,
            "tag_map": corpus.tag_map,
            "bonus": corpus.bonus,
            "word_classes": corpus.has_clusters,
            "attributes": len(model.attributes),
            "bytes": path.stat().st_size,
        }
    save_json(out / "meta.json", meta)
    return meta


def word_vectors_for(out_dir: Path | None) -> WordVectors:
    """The table `dcc train word_vectors` wrote beside `out_dir`, else the shipped one."""
    beside = out_dir.parent / VECTORS_NAME if out_dir else None
    if beside is not None and (beside / "vectors.npz").exists():
        return WordVectors.load(beside)
    return WordVectors.load(model_dir(VECTORS_NAME))


def model_file(corpus: Corpus) -> str:
    return f"{corpus.name}.npz"


def helper_sentences(data_dir: Path, helper: Helper | None) -> list[Sentence]:
    """The helper corpus's train split with its tags renamed (others O); [] for none."""
    if helper is None:
        return []
    renamed: list[Sentence] = []
    for words, tags in read_conll(data_dir / helper.folder / "train_preprocess.txt"):
        new: list[str] = []
        for tag in tags:
            prefix, _, name = tag.partition("-")
            new.append(f"{prefix}-{helper.tags[name]}" if name in helper.tags else "O")
        renamed.append((words, new))
    return renamed


def train_crf(
    sentences: Sequence[Sentence],
    is_cased: bool,
    params: dict[str, Any] | None = None,
    helper: Sequence[Sentence] = (),
    clusters: WordClusters | None = None,
) -> CrfModel:
    """A CRF trained by CRFsuite on `sentences` (and `helper`, feature-augmented)."""
    trainer = pycrfsuite.Trainer(verbose=False)
    for marker, group in ((OWN, sentences), (HELPER, helper)):
        for words, tags in group:
            seen = words if is_cased else [w.lower() for w in words]
            rows = token_features(seen, is_cased, clusters=clusters)
            if helper:
                rows = [row + [marker + name for name in row] for row in rows]
            trainer.append(rows, tags)
    trainer.set_params(params or CRF_PARAMS)
    symbols = {
        word
        for group in (sentences, helper)
        for words, tags in group
        for word, tag in zip(words, tags, strict=True)
        if tag != "O" and not any(ch.isalnum() for ch in word)
    }
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.crfsuite"
        trainer.train(str(path))
        model = CrfModel.from_crfsuite(path, is_cased, sorted(symbols), clusters)
    return _fold_markers(model) if helper else model


# Corpus markers of feature augmentation (a space is in no attribute name but pairs' middle).
OWN = "own "
HELPER = "helper "


def _fold_markers(model: CrfModel) -> CrfModel:
    """The model for its own corpus: own-marked weights added to the shared, helper's dropped."""
    index: dict[str, int] = {}
    rows: list[FloatArray] = []
    for name, weights in zip(model.attributes, model.weights, strict=True):
        if name.startswith(HELPER):
            continue
        shared = name.removeprefix(OWN)
        if shared not in index:
            index[shared] = len(rows)
            rows.append(np.zeros(len(model.labels)))
        rows[index[shared]] = rows[index[shared]] + weights
    return CrfModel(
        model.labels,
        model.transitions,
        list(index),
        np.array(rows),
        model.is_cased,
        sorted(model.name_symbols),
        model.bonus,
        model.clusters,
    )


def evaluate(data_dir: Path, models: Path | None = None) -> list[EvalResult]:
    """Entity F1 of each corpus's CRF on its valid split, beside the most-frequent-tag baseline."""
    folder = models or model_dir(MODEL_NAME)
    results: list[EvalResult] = []
    for corpus in CORPORA:
        train_sentences = read_conll(data_dir / corpus.folder / "train_preprocess.txt")
        valid = read_conll(data_dir / corpus.folder / "valid_preprocess.txt")
        tagger = NerTagger(CrfModel.load(folder / model_file(corpus)))
        baseline = MostFrequentTag(train_sentences, corpus.is_cased)
        gold = [tags for _, tags in valid]
        predicted = [tagger.tag(words) for words, _ in valid]
        base = [baseline.tag(words) for words, _ in valid]
        results.append(
            EvalResult(
                task="entities",
                dataset=f"{corpus.folder} valid",
                metric="entity micro-F1 (exact span and type)",
                score=round(entity_f1(gold, predicted), 4),
                baseline=round(entity_f1(gold, base), 4),
                baseline_name="most frequent tag per word",
                anchor=corpus.anchor,
                target=corpus.target,
                n=len(valid),
                notes=f"tags {', '.join(corpus.tag_map)}; CRF {CRF_PARAMS}",
            )
        )
    return results


def cross_validate(
    data_dir: Path,
    corpus: Corpus,
    folds: Sequence[int] = (0, 1, 2),
    k: int = 3,
    params: dict[str, Any] | None = None,
    clusters: WordClusters | None = None,
    bonuses: Sequence[float] = (0.0,),
) -> dict[float, list[float]]:
    """Entity F1 of `corpus` on train folds (sentence i in fold i % k), for each bonus."""
    sentences = read_conll(data_dir / corpus.folder / "train_preprocess.txt")
    helper = helper_sentences(data_dir, corpus.helper)
    scores: dict[float, list[float]] = {bonus: [] for bonus in bonuses}
    for fold in folds:
        held = sentences[fold::k]
        rest = [s for i, s in enumerate(sentences) if i % k != fold]
        model = train_crf(rest, corpus.is_cased, params, helper=helper, clusters=clusters)
        gold = [tags for _, tags in held]
        for bonus in bonuses:
            model.bonus = bonus
            tagger = NerTagger(model)
            predicted = [tagger.tag(words) for words, _ in held]
            scores[bonus].append(round(entity_f1(gold, predicted), 4))
    return scores


# Word classes (WordClusters) for the CRF, learned from unlabelled Indonesian text: the train
# splits of these corpora (file, column; None for a `text<TAB>label` file without header) and
# the tokens of both NER train splits. No valid split is read.
UNLABELLED: tuple[tuple[str, str | None], ...] = (
    ("indonlu-smsa/train_preprocess.tsv", None),
    ("indonlu-emot/train_preprocess.csv", "tweet"),
    ("nusax-senti/indonesian/train.csv", "text"),
    ("nusax-mt/train.csv", "indonesian"),
)
CLUSTER_SIZES = (32, 128, 512)
CLUSTER_MIN_COUNT = 2  # rarer words get no class
CLUSTER_CONTEXTS = 1000  # the most frequent words, as neighbours at -2, -1, +1, +2
CLUSTER_DIMENSIONS = 100
VECTOR_SIZES = (64, 256)  # classes of the word-vector table (vector_classes)
SEED = 0


def unlabelled_sentences(data_dir: Path) -> list[list[str]]:
    """Lower-cased token lists of UNLABELLED's texts (deduplicated) and the NER train splits."""
    texts: list[str] = []
    for name, column in UNLABELLED:
        path = data_dir / name
        if not path.exists():
            raise FileNotFoundError(f"{path}: unlabelled text for the NER word classes is missing")
        if column is None:
            lines = path.read_text(encoding="utf-8").splitlines()
            texts += [line.rpartition("\t")[0] for line in lines]
        else:
            with path.open(encoding="utf-8", newline="") as file:
                texts += [row[column] for row in csv.DictReader(file)]
    sentences = [TOKEN_RE.findall(text.lower()) for text in dict.fromkeys(texts)]
    for corpus in CORPORA:
        for words, _ in read_conll(data_dir / corpus.folder / "train_preprocess.txt"):
            sentences.append([w.lower() for w in words])
    return sentences


def learn_clusters(
    sentences: Sequence[Sequence[str]], vectors: WordVectors | None = None
) -> WordClusters:
    """Distributional word classes: each word's neighbour counts (the CLUSTER_CONTEXTS most
    frequent words at -2..+2, and the sentence edge), positive PMI, truncated SVD, k-means at
    each of CLUSTER_SIZES; with `vectors`, also classes of meaning (`vector_classes`)."""
    distributional = _distributional_classes(sentences)
    return distributional if vectors is None else _merge(distributional, vector_classes(vectors))


def vector_classes(vectors: WordVectors) -> WordClusters:
    """k-means of the cross-lingual word vectors (dcc train word_vectors) at VECTOR_SIZES:
    words of like meaning in any language share a class ("banjir", "flood", "gempa")."""
    from sklearn.cluster import MiniBatchKMeans

    words = sorted(vectors.index, key=vectors.index.__getitem__)
    unit = vectors.vectors / (np.linalg.norm(vectors.vectors, axis=1, keepdims=True) + 1e-9)
    classes = np.stack(
        [
            MiniBatchKMeans(min(size, len(words)), random_state=SEED, n_init=3, batch_size=4096)
            .fit(unit)
            .labels_
            for size in VECTOR_SIZES
        ],
        axis=1,
    )
    return WordClusters([f"v{size}" for size in VECTOR_SIZES], words, classes)


def _merge(first: WordClusters, second: WordClusters) -> WordClusters:
    """One table of both kinds of classes over the union of their words (-1: no class)."""
    words = list(dict.fromkeys([*first.words, *second.words]))
    ids = np.full((len(words), len(first.names) + len(second.names)), -1, dtype=np.int16)
    row_of = {word: row for row, word in enumerate(words)}
    for table, columns in ((first, slice(0, len(first.names))),
                           (second, slice(len(first.names), None))):  # fmt: skip
        rows = [row_of[word] for word in table.words]
        ids[rows, columns] = table.ids
    return WordClusters([*first.names, *second.names], words, ids)


def _distributional_classes(sentences: Sequence[Sequence[str]]) -> WordClusters:
    from scipy import sparse
    from sklearn.cluster import MiniBatchKMeans
    from sklearn.decomposition import TruncatedSVD

    counts = Counter(w for words in sentences for w in words)
    vocabulary = [w for w, n in counts.most_common() if n >= CLUSTER_MIN_COUNT]
    index = {w: i for i, w in enumerate(vocabulary)}
    edge = CLUSTER_CONTEXTS  # column of "no word here"
    width = CLUSTER_CONTEXTS + 1
    rows: list[int] = []
    columns: list[int] = []
    for words in sentences:
        ids = [index.get(w, -1) for w in words]
        n = len(ids)
        for i, row in enumerate(ids):
            if row < 0:
                continue
            for slot, offset in enumerate((-2, -1, 1, 2)):
                j = i + offset
                context = ids[j] if 0 <= j < n else edge
                if 0 <= context < CLUSTER_CONTEXTS or context == edge:
                    rows.append(row)
                    columns.append(slot * width + context)
    matrix = sparse.coo_matrix(
        (np.ones(len(rows)), (rows, columns)), shape=(len(vocabulary), 4 * width)
    ).tocsr()
    matrix.sum_duplicates()
    coo = matrix.tocoo()
    total = coo.data.sum()
    row_sums = np.asarray(matrix.sum(axis=1)).ravel()
    column_sums = np.asarray(matrix.sum(axis=0)).ravel() ** 0.75  # smoothed (Levy et al.)
    column_sums *= total / column_sums.sum()
    pmi = np.log(coo.data * total / (row_sums[coo.row] * column_sums[coo.col]))
    keep = pmi > 0
    ppmi = sparse.csr_matrix((pmi[keep], (coo.row[keep], coo.col[keep])), shape=matrix.shape)
    # Tiny corpora (tests) get as many dimensions and classes as they have words.
    dimensions = max(1, min(CLUSTER_DIMENSIONS, len(vocabulary) - 1, ppmi.shape[1] - 1))
    vectors = TruncatedSVD(dimensions, random_state=SEED).fit_transform(ppmi)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True) + 1e-9
    classes = np.stack(
        [
            MiniBatchKMeans(
                min(size, len(vocabulary)), random_state=SEED, n_init=3, batch_size=4096
            )
            .fit(vectors)
            .labels_
            for size in CLUSTER_SIZES
        ],
        axis=1,
    )
    return WordClusters([f"c{size}" for size in CLUSTER_SIZES], vocabulary, classes)
