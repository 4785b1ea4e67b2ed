"""Hit ratio vs cache size per policy on the real traces in ../shared/traces,
by running //cache:replay over a grid of capacities per trace."""

import os
import subprocess

# (label, path under traces/, format, capacities in entries)
TRACES = [
    ("OLTP", "arc/OLTP.lis", "lis", [500, 1000, 2000, 5000, 10000, 15000, 30000, 60000]),
    ("web07", "cache2k/web07.trace", "be32", [250, 500, 1000, 2000, 4000, 8000, 16000]),
    ("sprite", "lirs/sprite.trace", "lirs", [100, 200, 400, 600, 800, 1000, 1500]),
    ("multi2", "lirs/multi2.trace", "lirs", [100, 200, 400, 800, 1200, 1600, 2400]),
]
POLICIES = "lru,lfu,arc"

# The ARC paper (Megiddo & Modha, FAST'03), Table IV, OLTP, hit ratio in % —
# as listed in /work/shared/traces/README.md.
ARC_PAPER_OLTP = {
    "lru": [(1000, 32.83), (2000, 42.47), (5000, 53.65), (10000, 60.70), (15000, 64.63)],
    "arc": [(1000, 38.93), (2000, 46.08), (5000, 55.25), (10000, 61.87), (15000, 65.40)],
    "min": [(1000, 53.61), (2000, 60.40), (5000, 68.27), (10000, 73.02), (15000, 75.13)],
}


def shared_dir(checkout):
    """$ADAPTRT_SHARED_DIR, else <checkout>/../shared; None when absent."""
    candidates = [os.environ.get("ADAPTRT_SHARED_DIR", "")]
    if checkout:
        candidates.append(os.path.join(checkout, "..", "shared"))
    for candidate in candidates:
        if candidate and os.path.isdir(os.path.join(candidate, "traces")):
            return os.path.abspath(candidate)
    return None


def parse_replay(text):
    """{policy: [(capacity, hit_ratio_percent)]} from replay's TSV."""
    curves = {}
    for line in text.splitlines()[1:]:
        fields = line.split("\t")
        if len(fields) != 5:
            continue
        curves.setdefault(fields[0], []).append((int(fields[1]), float(fields[4])))
    return curves


def measure(replay_binary, shared):
    """[(label, {policy: [(capacity, percent)]})] for the traces present.
    Raises RuntimeError when replay fails."""
    out = []
    for label, rel, fmt, capacities in TRACES:
        path = os.path.join(shared, "traces", rel)
        if not os.path.isfile(path):
            continue
        proc = subprocess.run(
            [replay_binary, "--trace=" + path, "--format=" + fmt, "--policies=" + POLICIES,
             "--capacities=" + ",".join(str(c) for c in capacities)],
            capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError("replay %s failed: %s" % (rel, proc.stderr.strip()[-500:]))
        out.append((label, parse_replay(proc.stdout)))
    return out
