"""Fault injection: a parsed `--faults` spec and a seeded decision maker.

Spec: comma-separated `name=rate[@ms]`, e.g. `503=0.1,drop-after-commit=0.2,latency=1@50`.
For each provider request, one random number is drawn per configured fault in spec order
from one `random.Random(seed)`, so a given seed and request sequence always fail the same way.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field

# name -> whether it takes `@ms`
FAULT_KINDS: dict[str, bool] = {
    "latency": True,
    "timeout": True,
    "429": False,
    "500": False,
    "503": False,
    "reset": False,
    "drop-after-commit": False,
}


@dataclass(frozen=True)
class Fault:
    """One configured fault: its kind, probability and (for latency/timeout) delay."""

    kind: str
    rate: float
    ms: int = 0


@dataclass(frozen=True)
class FaultPlan:
    """What to do to one request, decided before it runs."""

    delay_ms: int = 0
    status: int | None = None  # answer this status instead of running the request
    reset: bool = False  # close the connection without an answer
    drop_after_commit: bool = False  # run it, then answer 503 as if the answer was lost

    @property
    def harmless(self) -> bool:
        """True when the request runs and answers normally with no delay."""
        return not (self.delay_ms or self.status or self.reset or self.drop_after_commit)


_NO_FAULT = FaultPlan()


def parse_spec(spec: str | None) -> tuple[Fault, ...]:
    """Parse a fault spec; an empty or missing spec means no faults.

    Raises ValueError naming the bad part.
    """
    if spec is None or not spec.strip():
        return ()
    faults: list[Fault] = []
    seen: set[str] = set()
    for raw in spec.split(","):
        part = raw.strip()
        if not part:
            raise ValueError(f"empty fault in spec {spec!r} (stray comma?)")
        name, eq, value = part.partition("=")
        name = name.strip()
        if not eq:
            raise ValueError(f"fault {part!r} needs the form name=rate[@ms]")
        if name not in FAULT_KINDS:
            known = ", ".join(FAULT_KINDS)
            raise ValueError(f"unknown fault {name!r} in {part!r} (known: {known})")
        if name in seen:
            raise ValueError(f"fault {name!r} is given twice")
        seen.add(name)
        rate_text, at, ms_text = value.partition("@")
        try:
            rate = float(rate_text)
        except ValueError:
            raise ValueError(f"rate {rate_text!r} in {part!r} is not a number") from None
        if not 0.0 <= rate <= 1.0:
            raise ValueError(f"rate {rate_text!r} in {part!r} must be between 0 and 1")
        ms = 0
        if FAULT_KINDS[name]:
            if not at:
                raise ValueError(f"fault {part!r} needs a delay: {name}=RATE@MS")
            try:
                ms = int(ms_text)
            except ValueError:
                raise ValueError(f"delay {ms_text!r} in {part!r} is not whole ms") from None
            if ms < 0:
                raise ValueError(f"delay {ms_text!r} in {part!r} must not be negative")
        elif at:
            raise ValueError(f"fault {name!r} in {part!r} takes no @ms")
        faults.append(Fault(name, rate, ms))
    return tuple(faults)


@dataclass
class FaultInjector:
    """Holds the active faults of one app and decides each request's fate."""

    spec: str
    seed: int
    faults: tuple[Fault, ...] = ()
    _rng: random.Random = field(init=False, repr=False)
    _lock: threading.Lock = field(init=False, repr=False, default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.faults = parse_spec(self.spec)
        self._rng = random.Random(self.seed)

    def configure(self, spec: str) -> None:
        """Replace the active faults (and restart the RNG so runs are reproducible)."""
        faults = parse_spec(spec)
        with self._lock:
            self.spec = spec.strip()
            self.faults = faults
            self._rng = random.Random(self.seed)

    def plan(self) -> FaultPlan:
        """Draw this request's fate."""
        if not self.faults:
            return _NO_FAULT
        delay = 0
        status: int | None = None
        reset = drop = False
        with self._lock:
            for fault in self.faults:
                # Always draw, even at rate 0 or 1, so the sequence depends only on the spec.
                hit = self._rng.random() < fault.rate
                if not hit:
                    continue
                if fault.kind in ("latency", "timeout"):
                    delay += fault.ms
                elif fault.kind == "reset":
                    reset = True
                elif fault.kind == "drop-after-commit":
                    drop = True
                elif status is None:
                    status = int(fault.kind)
        if reset:
            return FaultPlan(delay_ms=delay, reset=True)
        if status is not None:
            return FaultPlan(delay_ms=delay, status=status)
        return FaultPlan(delay_ms=delay, drop_after_commit=drop)
