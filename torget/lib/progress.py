"""Progress bars for long commands, written to the command's own error stream."""

from collections.abc import Iterable, Iterator
from typing import TextIO, cast

from django.core.management.base import BaseCommand
from tqdm import tqdm


def progress[T](
    items: Iterable[T], command: BaseCommand, *, desc: str, unit: str, total: int | None = None
) -> Iterator[T]:
    """Iterate over `items` with a bar on the command's stderr (none at --verbosity 0)."""
    bar: tqdm[T] = tqdm(
        items,
        total=total,
        desc=desc,
        unit=" " + unit,
        # django-stubs types OutputWrapper._out loosely; it is the wrapped text stream.
        file=cast(TextIO, command.stderr._out),
        mininterval=0.25,
        disable=getattr(command, "verbosity", 1) == 0,
    )
    return iter(bar)
