"""Describes the machine a suite run measured, and keys results by it."""

import datetime
import os
import platform
import re
import subprocess


def _read(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return ""


def _cpu_model():
    match = re.search(r"^model name\s*:\s*(.+)$", _read("/proc/cpuinfo"), re.M)
    return match.group(1).strip() if match else platform.processor() or "unknown"


def _memory_bytes():
    match = re.search(r"^MemTotal:\s*(\d+) kB", _read("/proc/meminfo"), re.M)
    return int(match.group(1)) * 1024 if match else 0


def _command_output(args, cwd=None):
    try:
        proc = subprocess.run(args, capture_output=True, text=True, cwd=cwd, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return proc.stdout.strip() if proc.returncode == 0 else ""


def describe(workspace):
    """CPU model, cores, memory, kernel, compiler and commit of this run."""
    commit = _command_output(["git", "rev-parse", "--short=12", "HEAD"], cwd=workspace)
    dirty = _command_output(["git", "status", "--porcelain", "--untracked-files=no"], cwd=workspace)
    compiler = _command_output(["c++", "--version"]).splitlines()
    return {
        "cpu_model": _cpu_model(),
        "cores": os.cpu_count(),
        "memory_bytes": _memory_bytes(),
        "kernel": platform.release(),
        "compiler": compiler[0] if compiler else "unknown",
        "commit": (commit + ("-dirty" if dirty else "")) if commit else "unknown",
        "hostname": platform.node(),
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def machine_key(description):
    """A file-name-safe key for results of comparable machines: CPU model,
    cores and memory (GiB), e.g. "intel-xeon-platinum-8481c-2c-24g"."""
    model = re.sub(r"\((r|tm)\)|cpu|@.*$", "", description["cpu_model"].lower())
    model = re.sub(r"[^a-z0-9]+", "-", model).strip("-")
    memory_gib = round(description["memory_bytes"] / (1 << 30))
    return "%s-%dc-%dg" % (model or "unknown", description["cores"] or 0, memory_gib)
