"""Reading the user's JSON and text files: UTF-8 with the offset of a bad byte, bounded depth.

Every local file bookctl parses goes through here, so a file that is not UTF-8, not JSON, or
nested deeper than any documented request is one clear usage error naming the file, never a
``UnicodeDecodeError`` or ``RecursionError`` out of the standard library.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bookctl.core.errors import LocalFileError, UsageError

#: Deeper than any documented request body or bookctl's own files, far below Python's limit.
MAX_DEPTH = 64


class JsonInputError(ValueError):
    """Text that is not JSON bookctl accepts; ``message`` says where and why."""


def utf8_error(data: bytes) -> str | None:
    """Why ``data`` is not UTF-8 (with the byte offset of the first bad byte), or None."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as err:
        return f"byte {err.start} (0x{data[err.start]:02x}) is not UTF-8: {err.reason}"
    return None


def file_utf8_error(path: Path, *, chunk: int = 64 * 1024) -> str | None:
    """Like :func:`utf8_error` for a file read in chunks (the offset counts from its start)."""
    offset = 0  # the file offset of buffer[0]
    carry = b""
    with path.open("rb") as handle:
        while True:
            block = handle.read(chunk)
            buffer = carry + block
            try:
                buffer.decode("utf-8")
            except UnicodeDecodeError as err:
                if block and err.reason == "unexpected end of data" and err.end == len(buffer):
                    # A character cut by the chunk boundary: decode it with the next block.
                    offset += err.start
                    carry = buffer[err.start :]
                    continue
                return f"byte {offset + err.start} is not UTF-8: {err.reason}"
            if not block:
                return None
            offset += len(buffer)
            carry = b""


def decode_utf8(data: bytes, where: str) -> str:
    """``data`` as text (a UTF-8 BOM is dropped); a usage error names ``where`` and the byte."""
    problem = utf8_error(data)
    if problem is not None:
        raise UsageError(f"{where} is not UTF-8 text ({problem})", hint="save it as UTF-8")
    return data.decode("utf-8-sig")


def depth(value: Any) -> int:
    """How deeply ``value`` nests lists and objects (0 for a scalar); no recursion."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        level += 1
        deepest = max(deepest, level)
        if level > MAX_DEPTH:
            return level
        stack.extend((child, level) for child in children)
    return deepest


def shallow(text: str | bytes) -> bool:
    """Whether JSON ``text`` surely nests at most :data:`MAX_DEPTH` levels.

    It cannot nest deeper than it has opening brackets: counting them (in C) spares almost
    every document the walk of :func:`depth`.
    """
    if isinstance(text, bytes):
        return text.count(b"[") + text.count(b"{") <= MAX_DEPTH
    return text.count("[") + text.count("{") <= MAX_DEPTH


def check_depth(value: Any) -> Any:
    """``value`` if it nests at most :data:`MAX_DEPTH` levels, else :class:`JsonInputError`."""
    if depth(value) > MAX_DEPTH:
        raise JsonInputError(f"nested more than {MAX_DEPTH} levels deep")
    return value


def loads(text: str | bytes) -> Any:
    """Parse JSON with a depth limit; every failure is a :class:`JsonInputError`."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as err:
        raise JsonInputError(f"line {err.lineno}, column {err.colno}: {err.msg}") from err
    except RecursionError as err:
        raise JsonInputError(f"nested more than {MAX_DEPTH} levels deep") from err
    except (UnicodeDecodeError, ValueError) as err:
        raise JsonInputError(str(err)) from err
    return value if shallow(text) else check_depth(value)


def read_json_file(path: Path, param: str) -> Any:
    """An input file named by option ``param``: UTF-8, JSON, bounded depth."""
    try:
        data = path.read_bytes()
    except FileNotFoundError as err:
        raise UsageError(f"{param}: {path} does not exist") from err
    except IsADirectoryError as err:
        raise UsageError(f"{param}: {path} is a directory, not a file") from err
    except OSError as err:
        raise LocalFileError(
            f"{param}: cannot read {path}: {err.strerror}", hint="check its permissions"
        ) from err
    text = decode_utf8(data, f"{param}: {path}")
    try:
        return loads(text)
    except JsonInputError as err:
        raise UsageError(
            f"{param}: {path} is not valid JSON ({err})", hint="fix the file and try again"
        ) from err
