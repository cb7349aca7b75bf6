"""``probe``: live scenarios sent to a server, each answer checked by the engine; the local replay
server and the stream builders the tests, docs and rule examples use.
"""
