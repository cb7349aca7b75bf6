"""Reading transcripts: the only layer (with the CLI) that touches files.

Bytes in, framed events out, with exact line/column/byte positions: input-format detection
(:mod:`.reader`), the SSE, JSON Lines and JSON-array framers, UTF-8 and JSON decoding, and the
containers that hold streams (:mod:`.containers`: VCR cassettes, HAR files). Knows no protocol.
"""
