"""A dump read and mapped in a process of its own, beside the loader.

Reading a real-shape Open Food Facts line costs more CPU than loading it: gunzip, JSON decoding
and mapping take about 330 µs of Python a record, which the GIL keeps off the loader's thread.
In a second process they run on the other core while this one stages and merges, and only the
mapped records (about 320 bytes pickled) cross between them. Batches come in file order, at most
`BATCHES_AHEAD` ahead of the loader, so memory stays bounded. The reading process leaves as soon
as its parent is gone (a killed import leaves no orphan behind).
"""

from __future__ import annotations

import multiprocessing
import os
import queue
from collections.abc import Generator
from multiprocessing.process import BaseProcess
from multiprocessing.queues import Queue
from pathlib import Path
from typing import Any

from shared.dump_import.batches import MappedBatch, mapped_batches, mapper_for
from shared.dump_import.readers import RecordStream, open_records

BATCHES_AHEAD = 2
_POLL_S = 1.0
# What the reading process sends: a batch with the file position after it, the error that
# stopped it, or None at the end.
_Message = tuple[MappedBatch, int] | BaseException | None


def _send(batches: Queue[_Message], message: _Message, parent: int) -> None:
    """Put `message`, waiting while the loader is behind; leave at once when the parent died."""
    while True:
        try:
            batches.put(message, timeout=_POLL_S)
            return
        except queue.Full:
            if os.getppid() != parent:
                os._exit(1)  # the import was killed: nobody will read what is left


def _read(path: Path, file_format: str, limit: int | None, batches: Queue[_Message],
          parent: int) -> None:  # fmt: skip
    """The reading process: every batch of the dump, in order, then None."""
    try:
        stream = open_records(path, file_format)
        for batch in mapped_batches(stream, mapper_for(stream.source), limit):
            _send(batches, (batch, stream.bytes_read), parent)
        _send(batches, None, parent)
    except Exception as error:  # handed to the loader, which raises it
        _send(batches, error, parent)


def _receive(batches: Queue[_Message], reader: BaseProcess) -> _Message:
    while True:
        try:
            return batches.get(timeout=_POLL_S)
        except queue.Empty:
            if not reader.is_alive():
                try:
                    return batches.get_nowait()  # sent just before it ended
                except queue.Empty:
                    raise RuntimeError(
                        f"the reading process ended without finishing (exit {reader.exitcode})"
                    ) from None


def batches_read_apart(
    stream: RecordStream, limit: int | None
) -> Generator[MappedBatch, None, None]:
    """`mapped_batches` of the dump behind `stream`, read in a process of its own; the stream's
    `bytes_read` follows the reading process."""
    context = multiprocessing.get_context("spawn")  # not fork: the loader has threads
    batches: Queue[_Message] = context.Queue(maxsize=BATCHES_AHEAD)
    arguments: tuple[Any, ...] = (stream.path, stream.format, limit, batches, os.getpid())
    reader = context.Process(target=_read, args=arguments, name="catalog-reader", daemon=True)
    reader.start()
    try:
        while (message := _receive(batches, reader)) is not None:
            if isinstance(message, BaseException):
                raise message
            batch, stream.bytes_read = message
            yield batch
        reader.join()
    finally:
        if reader.is_alive():
            reader.kill()
            reader.join()
        batches.close()
