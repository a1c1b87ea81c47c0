"""A second pass over a stream without holding it in memory or producing it twice.

``batch run`` checks every row before it books any: the rows it checked go into a spool (a
private temporary file, unnamed on POSIX, removed on close) and the booking pass reads them
back from there instead of reading and parsing the batch file again.
"""

from __future__ import annotations

import pickle
import tempfile
from collections.abc import Iterator
from typing import IO, Generic, TypeVar

T = TypeVar("T")


class Spool(Generic[T]):
    """Items written once, in order, then read back (as often as needed) in the same order.

    Only this process writes and reads the file, so pickle's exact round trip is safe here.
    """

    def __init__(self) -> None:
        # Closed by close() (the spool is a context manager).
        self._file: IO[bytes] = tempfile.TemporaryFile(prefix="bookctl-spool-")  # noqa: SIM115
        self.count = 0

    def __enter__(self) -> Spool[T]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def add(self, item: T) -> None:
        # One pickle per item (no shared memo), so memory stays flat in the item count.
        self._file.write(pickle.dumps(item, pickle.HIGHEST_PROTOCOL))
        self.count += 1

    def __iter__(self) -> Iterator[T]:
        self._file.flush()
        self._file.seek(0)
        # Read through a reader of its own: loading from the read-write file costs a seek
        # and a read for every item (system calls that hand the interpreter lock over while
        # the booking threads want it), a plain reader one read per 64 KiB.
        with open(self._file.fileno(), "rb", buffering=1 << 16, closefd=False) as reader:
            for _ in range(self.count):
                item: T = pickle.load(reader)
                yield item

    def close(self) -> None:
        self._file.close()
