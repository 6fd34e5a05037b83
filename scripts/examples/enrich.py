#!/usr/bin/env python3
"""enrich.py: a batch enrichment job against a flaky API, made crash-safe by
ckwrap's Python shim.

It enriches DOCS documents (default 1000: doc-0000, doc-0001, ...) by calling
a simulated API that sometimes raises (the job dies with a traceback) and
sometimes SIGKILLs the whole process. Under ckwrap each relaunch skips the
documents already DONE, so no document is enriched twice except one that was
in flight when the process died.

    ckwrap --backoff 0 -- python3 enrich.py          # crashes, resumes, finishes
    FAIL_RATE=0 python3 enrich.py                     # bare: no ckwrap needed

Environment: DOCS (count), FAIL_RATE and KILL_RATE (chance per call of an
exception / a SIGKILL; default 0.004 each), SEED (random seed), OUT (the
enrichment log: one "doc-id enriched" line per API success; default
enriched.log), KILLS (where the ids in flight at a SIGKILL are logged;
default kills.log).
"""
import os
import random
import signal
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shim"))
import ckwrap  # noqa: E402  (the shim; installed: $(dirname "$(ckwrap --shim python)"))


class FlakyApiError(Exception):
    pass


class FlakyApi:
    """Enrichment results are written to OUT: that is the side effect that
    must not happen twice."""

    def __init__(self, rng, fail_rate, kill_rate, out, kills):
        self.rng, self.fail_rate, self.kill_rate = rng, fail_rate, kill_rate
        self.out, self.kills = out, kills

    def enrich(self, doc):
        if self.rng.random() < self.fail_rate:
            raise FlakyApiError("503 from the enrichment API for %s" % doc["id"])
        with open(self.out, "a") as f:
            f.write("%s enriched\n" % doc["id"])
        if self.rng.random() < self.kill_rate:
            # Enriched but not yet DONE: the one document done twice.
            with open(self.kills, "a") as f:
                f.write(doc["id"] + "\n")
            os.kill(os.getpid(), signal.SIGKILL)
        return dict(doc, entities=len(doc["text"].split()))


def main():
    count = int(os.environ.get("DOCS", "1000"))
    docs = [{"id": "doc-%04d" % i, "text": "document number %d" % i} for i in range(count)]
    seed = int(os.environ.get("SEED", "1")) * 1000 + ckwrap.attempt()
    api = FlakyApi(random.Random(seed),
                   float(os.environ.get("FAIL_RATE", "0.004")),
                   float(os.environ.get("KILL_RATE", "0.004")),
                   os.environ.get("OUT", "enriched.log"),
                   os.environ.get("KILLS", "kills.log"))
    todo = list(ckwrap.pending(docs, key=lambda d: d["id"]))
    print("attempt %d: %d of %d documents to enrich" % (ckwrap.attempt(), len(todo), count))
    for n, doc in enumerate(todo):
        api.enrich(doc)
        ckwrap.done(doc["id"])
        ckwrap.progress(count - len(todo) + n + 1, count)
    print("all %d documents enriched" % count)


if __name__ == "__main__":
    main()
