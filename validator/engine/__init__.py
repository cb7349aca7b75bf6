"""The engine: a transcript in, findings out, for any protocol.

:mod:`.stream` runs one stream through its protocol (reader, decoder, schemas, state machine)
and stamps locations; :mod:`.files` checks a file, a plain transcript or a container whose
streams :mod:`.containers` (cassettes, HAR files) and :mod:`.websocket` check one by one;
:mod:`.batch` checks many files, serially or in parallel processes. :mod:`.options` holds what
a check is asked and what it returns.
"""

from validator.engine.files import check_file
from validator.engine.options import CONTAINER_FORMATS, INPUT_FORMATS, CheckOptions, FileResult
from validator.engine.stream import StreamCheck, check_bytes, check_chunks, check_events

__all__ = [
    "CONTAINER_FORMATS",
    "INPUT_FORMATS",
    "CheckOptions",
    "FileResult",
    "StreamCheck",
    "check_bytes",
    "check_chunks",
    "check_events",
    "check_file",
]
