"""The application layer: the `personlab` CLI and what only it uses (report, bench, predict, render,
Google's anchors). It may import every other layer; nothing imports it."""
