"""Destructive classification and producer links of the importer, against `corpus/labels/`.

Run: `.venv/bin/python benchmarks/bench_classify.py [--details] [--split=dev|held-out]`. Specs
vendored in `corpus/specs/` are always scored; the others (fetched, not committed: see
`corpus/SOURCES.md`) only when `PATHGUARD_CORPUS` names a directory holding them, each checked
against the sha256 its labels were made on. Every labelled spec not found gets one line saying it
was skipped and where it comes from.

For every labelled spec found: destructive precision and recall (per operation, exact counts),
producer-link recall (mean over the sampled id-needing operations of the share of revealing
reads the import links) and precision (share of the links it makes, reads and creates, that are
right), and how many sampled operations are reachable from a read that reveals their id.
Targets (issue 11): destructive recall >= 0.95 and precision >= 0.90 on every spec; link recall
and precision >= 0.90; every sample reachable. `--details` lists every miss.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from labels import CORPUS_ENV, Score, all_labels, score

from pathguard.importers.detect import import_file


def main() -> int:
    details = "--details" in sys.argv
    splits = [a.removeprefix("--split=") for a in sys.argv[1:] if a.startswith("--split=")]
    print("pathguard import vs corpus/labels (destructive: per operation; links: per sampled parameter)")
    print(f"{'spec':38} {'split':8} {'ops':>4} {'destr':>5} {'d.prec':>6} {'d.rec':>6} "
          f"{'samples':>7} {'l.prec':>6} {'l.rec':>6} {'reach':>7} {'import':>7}")
    scores: list[Score] = []
    try:
        labelled = all_labels()
    except ValueError as exc:
        print(f"bench_classify: {exc}", file=sys.stderr)
        return 2
    skipped = 0
    for item in labelled:
        labels = item.labels
        if splits and labels.split not in splits:
            continue
        if item.path is None:
            skipped += 1
            print(f"{labels.spec:38} {labels.split:8} skipped ({item.why}): from {labels.source}")
            continue
        start = time.perf_counter()
        draft = import_file(item.path).draft
        seconds = time.perf_counter() - start
        result = score(labels, draft)
        scores.append(result)
        print(f"{labels.spec:38} {labels.split:8} {labels.operations:4} {len(labels.destructive):5} "
              f"{result.precision:6.2f} {result.recall:6.2f} {result.samples:7} "
              f"{result.link_precision:6.2f} {result.link_recall:6.2f} "
              f"{result.reachable:>3}/{result.samples:<3} {seconds:6.2f}s")
        if details:
            for line in result.missed:
                print(f"    missed destructive: {line}")
            for line in result.extra:
                print(f"    not destructive:    {line}")
            for line in result.link_notes:
                print(f"    link: {line}")
    for split in ("dev", "held-out"):
        part = [s for s in scores if s.split == split]
        if not part:
            continue
        tp, fp, fn = (sum(getattr(s, a) for s in part) for a in ("tp", "fp", "fn"))
        ltp, lfp = sum(s.link_tp for s in part), sum(s.link_fp for s in part)
        recalls = [r for s in part for r in s.recalls]
        print(f"{'all ' + split:47} {tp / (tp + fp) if tp + fp else 1.0:6.2f} {tp / (tp + fn):6.2f} "
              f"{sum(s.samples for s in part):7} {ltp / (ltp + lfp) if ltp + lfp else 1.0:6.2f} "
              f"{sum(recalls) / len(recalls):6.2f} {sum(s.reachable for s in part):>3}/"
              f"{sum(s.samples for s in part):<3}  (pooled over the specs)")
    print(f"scored {len(scores)} labelled specs, skipped {skipped}"
          + (f" (set {CORPUS_ENV} to a directory holding them; corpus/SOURCES.md says where "
             "each comes from)" if skipped else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
