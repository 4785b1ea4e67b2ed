"""Saved suite results: one JSON file per run under <dir>/<machine key>/<date>.json."""

import glob
import json
import os


def save(path, document):
    """Writes `document` atomically (temporary file, fsync, rename)."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(document, f, indent=1, sort_keys=True)
        f.write("\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def load(path):
    """Reads a saved run; raises ValueError naming the file when it is not one."""
    try:
        with open(path) as f:
            document = json.load(f)
    except OSError as e:
        raise ValueError("%s: cannot read: %s" % (path, e.strerror))
    except json.JSONDecodeError as e:
        raise ValueError("%s:%d: not JSON: %s" % (path, e.lineno, e.msg))
    if not isinstance(document, dict) or "results" not in document or "machine" not in document:
        raise ValueError("%s: not a saved suite run (expected keys 'machine' and 'results')" % path)
    return document


def run_path(history_dir, key, date):
    return os.path.join(history_dir, key, date.replace(":", "") + ".json")


def runs(history_dir, key):
    """Saved runs of one machine key, oldest first; unreadable files are skipped."""
    documents = []
    for path in sorted(glob.glob(os.path.join(history_dir, key, "*.json"))):
        try:
            documents.append(load(path))
        except ValueError as e:
            print("suite: ignoring %s" % e)
    return documents


def metric_history(documents, name):
    """[(date, commit, median)] of one benchmark across saved runs."""
    points = []
    for document in documents:
        result = document["results"].get(name)
        if result is not None:
            points.append((document["machine"]["date"], document["machine"]["commit"],
                           result["median"]))
    return points
