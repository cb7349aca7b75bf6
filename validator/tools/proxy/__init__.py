"""The validating proxy: live traffic between any client and any server, checked byte for byte.

:class:`ValidatingProxy` (in :mod:`.server`, which needs aiohttp: the ``proxy`` extra) forwards
every request unchanged and checks the calls a protocol recognises (:mod:`.traffic`) with the
engine's push-style :class:`~validator.engine.StreamCheck` as their bytes arrive
(:mod:`.exchange`); :mod:`.save` writes checked exchanges for ``check``, credentials redacted;
:mod:`.console` and :mod:`.command` are the ``proxy`` command.
"""
