"""`personlab report`: measures what `make pipeline` built, and Google's anchors, under one protocol.

It never builds: a missing or stale artifact is an error naming it (and the make target that
builds it). Each row's measurements are cached by the artifact's sha256 and the protocol, so a
re-run with nothing changed takes seconds. Parts, one job each:

  inventory.py  which rows there are: our artifacts found under --artifacts (checked against the
                checkpoint), the Keras float model at each size, imported and Google anchors
  measure.py    a row's COCO AP (rows in parallel processes) and latency (one row at a time)
  cache.py      measurements by content and protocol
  goals.py      the goals, as measured
  markdown.py   report.md's tables and the README block
  plots.py      the accuracy-latency frontier, AP drops, the calibration study
  run.py        the command: inventory -> measure -> goals -> write
"""
