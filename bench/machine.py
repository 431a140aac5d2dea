"""What the figures were measured on."""

import os
import platform
import sqlite3
from importlib.metadata import version
from pathlib import Path

import shapely


def cpu_model() -> str:
    try:
        lines = Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines()
    except OSError:
        return platform.processor() or "unknown"
    for line in lines:
        key, _, value = line.partition(":")
        if key.strip() == "model name":
            return value.strip()
    return platform.processor() or "unknown"


def describe_machine(postgres_version: str | None) -> dict[str, str]:
    return {
        "CPU": cpu_model(),
        "Cores": str(os.cpu_count()),
        "Python": platform.python_version(),
        "SQLite": sqlite3.sqlite_version,
        "PostgreSQL": postgres_version or "not reachable",
        "Django": version("django"),
        "shapely (GEOS)": f"{shapely.__version__} ({shapely.geos_version_string})",
        "numpy": version("numpy"),
    }
