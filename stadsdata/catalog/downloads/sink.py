"""`Sink`: a file that writers (pyarrow's ParquetWriter, zipfile) write into and a streamed answer
takes the bytes out of as they come, so that nothing accumulates. It knows its position (Parquet
records offsets) but cannot seek, so zipfile writes sizes after each member (data descriptors)."""

from __future__ import annotations

import io
from typing import Any


class Sink(io.RawIOBase):
    def __init__(self) -> None:
        super().__init__()
        self._parts: list[bytes] = []
        self._position = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        chunk = bytes(data)
        self._parts.append(chunk)
        self._position += len(chunk)
        return len(chunk)

    def tell(self) -> int:
        return self._position

    def take(self) -> bytes:
        """The bytes written since the last `take`."""
        out = b"".join(self._parts)
        self._parts.clear()
        return out
