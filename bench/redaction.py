"""Redaction, measured: recall and false positives on the corpus, and throughput against a plain scan.

Quality: every secret of `bench._redaction_corpus` (each listed format, in realistic log lines) must
vanish behind a placeholder of its own kind, and every look-alike (GUIDs, hashes, commit ids, trace
ids, base64 payloads, ordinary `key`/`token` words) must survive. The table per kind is printed
before the timing table; the first row's detail sums it up.

Speed: the redactor runs on every tool result, so it is timed on a few megabytes of generated logs
(ordinary lines full of ids and the words `key`, `token`, `pass`; the same with secrets mixed in; and
lines with no trigger at all) against the baseline, a `str.replace` scan of the same text for a
fragment it does not hold: about the least any scan of it can cost.
"""

from __future__ import annotations

import random
import re
import uuid
from collections.abc import Callable

from agentcore.redaction import Redactor
from bench._redaction_corpus import Case, corpus
from bench._timing import FULL, QUICK, BenchResult, Plan, Timing, bench_result, measure, measure_bracketed

BASELINE = "a str.replace scan of the same text"
GROUP = "redaction"


def _ordinary_lines(rng: random.Random) -> list[str]:
    def guid() -> str:
        return str(uuid.UUID(int=rng.getrandbits(128), version=4))

    def hexid(n: int) -> str:
        return "".join(rng.choice("0123456789abcdef") for _ in range(n))

    return [
        f"2026-03-02T14:{rng.randrange(60):02d}:{rng.randrange(60):02d}.{rng.randrange(1000):03d}Z INFO "
        f"GET /api/orders/{guid()}/items 200 in {rng.randrange(900)} ms trace_id={hexid(32)} span_id={hexid(16)}",
        f"2026-03-02T14:05:01Z WARN cache miss, cache key: user:{rng.randrange(10**6)}:profile, token_count="
        f"{rng.randrange(5000)} max_tokens: 4096",
        f"2026-03-02T14:05:02Z ERROR payment {guid()} failed: upstream timeout after 30000 ms (attempt "
        f"{rng.randrange(5)}) commit {hexid(40)}",
        f"2026-03-02T14:05:03Z INFO password reset requested for user {rng.randrange(10**5)}; sha256:{hexid(64)}",
        f'{{"time":"2026-03-02T14:05:04Z","level":"info","msg":"order created","order_id":"ord_{hexid(12)}",'
        f'"partition_key":"tenant-{rng.randrange(100)}","etag":"0x8DC{hexid(12).upper()}"}}',
    ]


def _logs(size_chars: int, *, secrets_every: int | None, triggers: bool = True, seed: int = 7) -> str:
    rng = random.Random(seed)
    secret_lines = [c.line for c in corpus() if c.kind is not None]
    lines: list[str] = []
    total = 0
    while total < size_chars:
        if not triggers:
            line = f"2026-03-02T14:05:{rng.randrange(60):02d}Z INFO GET /health 200 in {rng.randrange(9)} ms"
        elif secrets_every is not None and len(lines) % secrets_every == secrets_every - 1:
            line = rng.choice(secret_lines)
        else:
            line = rng.choice(_ordinary_lines(rng))
        lines.append(line)
        total += len(line) + 1
    return "\n".join(lines) + "\n"


_PLACEHOLDER = re.compile(r"\[REDACTED:([a-z0-9-]+)#\d+\]")


def score(cases: list[Case]) -> tuple[dict[str, tuple[int, int]], int, int, int]:
    """Per kind (caught, total); wrongly named secrets; look-alikes touched; look-alikes in all."""
    per_kind: dict[str, list[int]] = {}
    misnamed = false_positives = lookalikes = 0
    for case in cases:
        redacted = Redactor().redact(case.line)
        if case.kind is None:
            lookalikes += 1
            false_positives += int(redacted != case.line)
            continue
        tally = per_kind.setdefault(case.kind, [0, 0])
        tally[1] += 1
        caught = case.value not in redacted and _PLACEHOLDER.search(redacted) is not None
        tally[0] += int(caught)
        misnamed += int(caught and case.kind not in _PLACEHOLDER.findall(redacted))
    return {k: (v[0], v[1]) for k, v in sorted(per_kind.items())}, misnamed, false_positives, lookalikes


def _print_quality(per_kind: dict[str, tuple[int, int]], misnamed: int, false_positives: int, lookalikes: int) -> str:
    print("kind                      recall")
    for kind, (caught, total) in per_kind.items():
        print(f"{kind:<24}  {caught / total:.3f} ({caught}/{total})")
    caught = sum(c for c, _ in per_kind.values())
    total = sum(t for _, t in per_kind.values())
    summary = (
        f"recall {caught / total:.3f} ({caught}/{total}), false positives {false_positives}/{lookalikes} look-alikes, "
        f"{misnamed} named as another kind"
    )
    print(f"overall: {summary}")
    return summary


def _mb_per_s(chars: int, timing: Timing) -> float:
    return chars / timing.median_s / 1e6


def run(quick: bool = False) -> list[BenchResult]:
    plan: Plan = QUICK if quick else FULL
    cases = corpus()
    summary = _print_quality(*score(cases))
    size = 256 * 1024 if quick else 2 * 1024 * 1024
    texts = {
        "logs with a secret every 50 lines": _logs(size, secrets_every=50),
        "ordinary logs (ids, key/token words)": _logs(size, secrets_every=None),
        "logs without any trigger word": _logs(size, secrets_every=None, triggers=False),
    }
    first = next(iter(texts.values()))

    def baseline() -> object:
        return first.replace("-----BEGIN NOTHING-----", "")

    base = measure(baseline, plan)
    results = [bench_result(GROUP, f"baseline: str.replace over {len(first) / 1e6:.1f} MB", base, base)]
    corpus_lines = [c.line for c in cases]
    timing, local = _bracketed(baseline, lambda: Redactor().redact_all(corpus_lines), plan)
    results.append(
        bench_result(GROUP, f"corpus: {len(cases)} lines", timing, base, local_baseline=local, detail=summary)
    )
    for name, text in texts.items():
        timing, local = _bracketed(baseline, _redacting(text), plan)
        placeholders = Redactor().redact(text).count("[REDACTED:")
        detail = (
            f"{_mb_per_s(len(text), timing):.1f} MB/s vs str.replace {_mb_per_s(len(first), base):.0f} MB/s; "
            f"{placeholders} placeholders"
        )
        results.append(bench_result(GROUP, name, timing, base, local_baseline=local, detail=detail))
    return results


def _redacting(text: str) -> Callable[[], object]:
    return lambda: Redactor().redact(text)


def _bracketed(baseline: Callable[[], object], action: Callable[[], object], plan: Plan) -> tuple[Timing, Timing]:
    return measure_bracketed(baseline, lambda: None, lambda _: action(), plan)
