#!/usr/bin/env python3
"""Generates sequential traces and the decisions of the seed's Python breaker on them.

The breaker below is the `CircuitBreaker` of shared/seed/python-circuit-breaker-deep-dive.txt, transcribed statement
for statement, with two changes only: `time.monotonic()` reads a fake clock (integer milliseconds, so no float
rounding), and the async lock and listeners are gone (one call at a time, nobody listening). Each trace is
sequential (a call starts at or after the previous one ended), the case where W5 says the tuner must decide every
call as the seed's breaker does, with FailureRatio and SlowCallDurationThreshold off.

Writes, for each seed N: seed-N.trace.csv (start_ms,duration_ms,outcome), seed-N.options.json (the same breaker as
options for `pollybreaker-tune replay --options`) and seed-N.expected.csv (start_ms,admitted: the seed's decisions).

    python3 generate.py            # rewrites the files next to this script
"""
import json
import os
import random
from enum import Enum

TRACES = 24
CALLS = 400


class CircuitState(str, Enum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class CircuitBreakerConfig:
    def __init__(self, failure_threshold=5, success_threshold=2, timeout=30_000, window_size=60_000):
        self.failure_threshold = failure_threshold
        self.success_threshold = success_threshold  # Successes needed in half-open to close
        self.timeout = timeout  # Milliseconds to wait before half-open
        self.window_size = window_size  # Sliding window for failure counting, milliseconds


class CircuitOpenError(Exception):
    pass


class FakeClock:
    def __init__(self):
        self.now = 0

    def monotonic(self):
        return self.now


class CircuitBreaker:
    def __init__(self, name, config, clock):
        self.name = name
        self.config = config
        self.clock = clock
        self.state = CircuitState.CLOSED
        self._failures = []  # a deque in the seed; a list keeps the same order and operations
        self._successes_in_half_open = 0
        self._last_failure_time = 0

    def _transition(self, new_state):
        if self.state != new_state:
            self.state = new_state

    def _clean_window(self):
        cutoff = self.clock.monotonic() - self.config.window_size
        while self._failures and self._failures[0] < cutoff:
            self._failures.pop(0)

    def call(self, func):
        if self.state == CircuitState.OPEN:
            if self.clock.monotonic() - self._last_failure_time >= self.config.timeout:
                self._transition(CircuitState.HALF_OPEN)
                self._successes_in_half_open = 0
            else:
                raise CircuitOpenError(f"Circuit '{self.name}' is open. Retry after {self.config.timeout}ms")

        start = self.clock.monotonic()
        try:
            result = func()
            duration = self.clock.monotonic() - start
            self._on_success(duration)
            return result
        except ConnectionError:
            self._on_failure()
            raise

    def _on_success(self, duration):
        if self.state == CircuitState.HALF_OPEN:
            self._successes_in_half_open += 1
            if self._successes_in_half_open >= self.config.success_threshold:
                self._failures.clear()
                self._transition(CircuitState.CLOSED)

    def _on_failure(self):
        now = self.clock.monotonic()
        self._failures.append(now)
        self._last_failure_time = now
        self._clean_window()

        if self.state == CircuitState.HALF_OPEN:
            self._transition(CircuitState.OPEN)
        elif len(self._failures) >= self.config.failure_threshold:
            self._transition(CircuitState.OPEN)


def time_span(ms):
    """A TimeSpan as configuration binds it: hh:mm:ss.fff."""
    return f"{ms // 3_600_000:02}:{ms // 60_000 % 60:02}:{ms // 1000 % 60:02}.{ms % 1000:03}"


def generate(seed, folder):
    rng = random.Random(seed)
    config = CircuitBreakerConfig(
        failure_threshold=rng.randint(1, 6),
        success_threshold=rng.randint(1, 4),
        timeout=rng.randint(1, 8) * 250,
        window_size=rng.randint(1, 12) * 250,
    )
    clock = FakeClock()
    breaker = CircuitBreaker(f"seed-{seed}", config, clock)
    rows, decisions = [], []
    now = 0
    for i in range(CALLS):
        if i % 50 == 0:  # phases: healthy stretches and outages of different strength
            failure_probability = rng.choice([0.0, 0.05, 0.2, 0.5, 0.8, 1.0])
        gap = rng.choice([0, 0, 1, config.window_size, config.window_size + 1, config.timeout, config.timeout - 1,
                          rng.randint(0, 2 * max(config.window_size, config.timeout))])
        duration = rng.choice([0, 0, 1, rng.randint(0, 50), rng.randint(0, config.timeout), config.window_size])
        fails = rng.random() < failure_probability
        start = now + gap
        clock.now = start

        def run():
            clock.now = start + duration
            if fails:
                raise ConnectionError("down")
            return "ok"

        try:
            breaker.call(run)
            admitted = True
        except ConnectionError:
            admitted = True
        except CircuitOpenError:
            admitted = False
        rows.append(f"{start},{duration},{'failure' if fails else 'success'}")
        decisions.append(f"{start},{'true' if admitted else 'false'}")
        # A rejected call does not run: the next call may start right away.
        now = start + duration if admitted else start

    name = os.path.join(folder, f"seed-{seed:02}")
    with open(name + ".trace.csv", "w") as f:
        f.write("start_ms,duration_ms,outcome\n" + "\n".join(rows) + "\n")
    with open(name + ".expected.csv", "w") as f:
        f.write("start_ms,admitted\n" + "\n".join(decisions) + "\n")
    with open(name + ".options.json", "w") as f:
        json.dump({
            "FailureThreshold": config.failure_threshold,
            "FailureRatio": None,
            "SlowCallDurationThreshold": None,
            "SuccessThreshold": config.success_threshold,
            "BreakDuration": time_span(config.timeout),
            "SamplingDuration": time_span(config.window_size),
        }, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    here = os.path.dirname(os.path.abspath(__file__))
    for seed in range(TRACES):
        generate(seed, here)
