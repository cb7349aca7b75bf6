"""Anthropic Messages streams (``POST /v1/messages`` with ``stream: true``, Bedrock, Vertex and
compatible servers): schemas, the stream machine as tables, and the protocol object."""
