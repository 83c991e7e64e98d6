"""This checkout's enrichment CPU against another revision's, taken in turns (issue 3).

    .venv/bin/python bench/enrich_ab.py --base REV [--kind articles|tweets] [--per 250]
                                        [--rounds 12]

Why: on a shared 2-core machine one run of bench/enrich.py or bench/enrich_cpu.py can be 30%
slower than the next with the same code, so two versions measured one after the other differ
by the machine's mood. Here each version runs in its own long-lived process (models loaded,
garbage collector set as a worker sets it) and the two take turns, round by round, on the same
documents, which neither has seen before (their word caches fill as a fresh stream's do):
both see the same moods. Prints each round's CPU ms per document and the median ratio.

The base revision runs this file's measuring loop and corpus (the same documents) with its own
`dcc` package: it needs the entry points used below (any revision since worker processes).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent


def _documents(kind: str, count: int) -> list[str]:
    sys.path.insert(0, str(BENCH))
    from corpus import articles, load_sentences

    sentences, _ = load_sentences()
    if kind == "articles":
        return articles(sentences, count)
    return [s[:280] for s in sentences[:count]]


def serve(kind: str, count: int) -> None:
    """Child: analyse the rounds asked for on stdin ("first last"), answer CPU ms per doc."""
    from dcc.enrich.parallel import _warm_up
    from dcc.enrich.pipeline import Document, analyse_batch
    from dcc.enrich.stream import BATCH_SIZE

    texts = _documents(kind, count)
    _warm_up()
    print("ready", flush=True)
    for line in sys.stdin:
        first, last = map(int, line.split())
        docs = [Document(id=str(i), text=texts[i]) for i in range(first, last)]
        started = time.process_time()
        for start in range(0, len(docs), BATCH_SIZE):
            analyse_batch(docs[start : start + BATCH_SIZE])
        spent = time.process_time() - started
        print(json.dumps(spent / len(docs) * 1000), flush=True)


def _child(src: Path, kind: str, count: int) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(src)}
    command = [
        sys.executable,
        str(Path(__file__)),
        "--serve",
        "--kind",
        kind,
        "--count",
        str(count),
    ]
    return subprocess.Popen(
        command, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )


def _ask(child: subprocess.Popen[str], first: int, last: int) -> float:
    assert child.stdin is not None
    assert child.stdout is not None
    child.stdin.write(f"{first} {last}\n")
    child.stdin.flush()
    return float(json.loads(child.stdout.readline()))


def compare(base: str, kind: str, per: int, rounds: int) -> None:
    count = per * rounds
    with tempfile.TemporaryDirectory(prefix="dcc-ab-") as folder:
        tree = Path(folder) / "base"
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "-q", "--detach", str(tree), base],
            check=True,
        )
        children: dict[str, subprocess.Popen[str]] = {}
        try:
            children["base"] = _child(tree / "src", kind, count)
            children["this"] = _child(ROOT / "src", kind, count)
            for child in children.values():
                assert child.stdout is not None
                if child.stdout.readline().strip() != "ready":
                    raise SystemExit("a version failed to start (see above)")
            spent: dict[str, list[float]] = {"base": [], "this": []}
            for r in range(rounds):
                order = ("base", "this") if r % 2 == 0 else ("this", "base")
                for name in order:  # in turns: each round's moods fall on both
                    spent[name].append(_ask(children[name], r * per, (r + 1) * per))
                base_ms, this_ms = spent["base"][-1], spent["this"][-1]
                print(f"round {r + 1:2d}: base {base_ms:.3f}  this {this_ms:.3f} ms/doc")
        finally:
            for child in children.values():
                child.kill()
                child.wait()
            subprocess.run(
                ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)], check=False
            )
    ratios = [t / b for t, b in zip(spent["this"], spent["base"], strict=True)]
    print(f"{kind}, {per} new documents a round, {rounds} rounds, CPU ms per document (medians):")
    print(f"  base {base}: {statistics.median(spent['base']):.3f}")
    print(f"  this checkout: {statistics.median(spent['this']):.3f}")
    print(f"  this / base: {statistics.median(ratios):.3f} (first round {ratios[0]:.3f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", help="git revision to compare with (e.g. HEAD~3)")
    parser.add_argument("--kind", choices=("articles", "tweets"), default="articles")
    parser.add_argument("--per", type=int, default=250, help="new documents a round")
    parser.add_argument("--rounds", type=int, default=12)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--count", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.kind, args.count)
    elif not args.base:
        parser.error("--base REV is required")
    else:
        compare(args.base, args.kind, args.per, args.rounds)


if __name__ == "__main__":
    main()
