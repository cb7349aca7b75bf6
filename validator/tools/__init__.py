"""Tools built on the engine: ``mutate`` (one-defect variants of a transcript), ``probe`` (live
scenarios against a server, with its replay server and stream builders), ``proxy`` (live traffic
between a client and a server, checked as it flows).
"""
