"""Torget's benchmarks, run by `make bench` (`python -m bench`).

Each benchmark drives the code a request runs, prints medians with a ratio against a baseline
measured in the same run, and hands its figures to `bench/__main__.py`, which writes
docs/performance.md. Nothing here asserts on a timing: machines differ, and a benchmark that
fails on a slow laptop teaches nothing. Assertions check only that the baseline and the real
path agree on their answers.
"""
