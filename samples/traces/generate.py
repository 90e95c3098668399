#!/usr/bin/env python3
"""Generates the sample traces of pollybreaker-tune: 15 minutes of calls to one dependency at about 10 calls per second
(Poisson arrivals, so calls overlap), healthy except during an incident from minute 5:

    healthy.csv    no incident: ~40 ms calls, 0.5 % failures, a few slow outliers
    brownout.csv   minutes 5-10: calls take seconds (median 2.5 s) and 10 % fail
    outage.csv     minutes 5-8: every call fails fast (connection refused, ~2 ms)
    hang.csv       minutes 5-8: calls hang until the client's 30 s timeout, which is a failure
    flapping.csv   minutes 3-12: 20 s bad (80 % fast failures), 40 s good, over and over

Rows are written in completion order, as SlowCallCircuitBreakerRecorder writes them (the tuner accepts any order).
Deterministic: the same seed gives the same files.   python3 generate.py
"""
import math
import os
import random

DURATION_MS = 15 * 60 * 1000
RATE_PER_S = 10
TIMEOUT_MS = 30_000


def healthy_call(rng):
    if rng.random() < 0.002:
        return int(rng.uniform(2500, 4000)), False  # a rare slow outlier
    return int(rng.lognormvariate(math.log(40), 0.5)), rng.random() < 0.005


def brownout(t, rng):
    if 300_000 <= t < 600_000:
        return min(TIMEOUT_MS, int(rng.lognormvariate(math.log(2500), 0.6))), rng.random() < 0.10
    return healthy_call(rng)


def outage(t, rng):
    if 300_000 <= t < 480_000:
        return int(rng.uniform(1, 4)), True
    return healthy_call(rng)


def hang(t, rng):
    if 300_000 <= t < 480_000:
        return TIMEOUT_MS, True
    return healthy_call(rng)


def flapping(t, rng):
    if 180_000 <= t < 720_000 and (t - 180_000) % 60_000 < 20_000:
        return int(rng.uniform(1, 10)), rng.random() < 0.8
    return healthy_call(rng)


SCENARIOS = {
    "healthy": lambda t, rng: healthy_call(rng),
    "brownout": brownout,
    "outage": outage,
    "hang": hang,
    "flapping": flapping,
}


def generate(name, behave, seed):
    rng = random.Random(seed)
    calls = []
    t = 0.0
    while True:
        t += rng.expovariate(RATE_PER_S / 1000.0)
        if t >= DURATION_MS:
            break
        start = int(t)
        duration, fails = behave(start, rng)
        calls.append((start + duration, start, duration, fails))
    calls.sort()  # completion order
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, name + ".csv"), "w") as f:
        f.write("start_ms,duration_ms,outcome\n")
        for _, start, duration, fails in calls:
            f.write(f"{start},{duration},{'failure' if fails else 'success'}\n")


if __name__ == "__main__":
    for i, (name, behave) in enumerate(SCENARIOS.items()):
        generate(name, behave, seed=100 + i)
