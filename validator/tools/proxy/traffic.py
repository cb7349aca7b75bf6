"""Which proxied calls are checked, and how: recognised through the protocols, never by guessing.

A call is checked when a protocol claims it (:meth:`~validator.protocols.base.StreamProtocol.is_request`):
for Responses, ``POST …/responses`` (streaming or not) and ``GET …/responses/{id}?stream=true``
(a resumed stream); the protocols added later (Chat Completions, Anthropic Messages) are
recognised the same way as soon as they are registered. A WebSocket upgrade on a path the
Responses protocol claims is its WebSocket mode. Everything else is passed through untouched.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass

from validator.engine import CheckOptions
from validator.protocols import PROTOCOLS

__all__ = ["Route", "options_for", "recognise"]

#: The protocols with a WebSocket mode (RULES.md §K).
WEBSOCKET_PROTOCOLS = frozenset({"responses"})


@dataclass(frozen=True)
class Route:
    """A call the proxy checks."""

    protocol: str
    #: A WebSocket session (the Responses WebSocket mode), not an HTTP exchange.
    websocket: bool = False


def recognise(method: str, target: str, headers: Mapping[str, str]) -> Route | None:
    """The route of a call (``target`` is the path with its query), or None: pass it through."""
    if headers.get("upgrade", "").lower() == "websocket":
        path = target.split("?", 1)[0]
        for name in WEBSOCKET_PROTOCOLS:
            if method.upper() == "GET" and PROTOCOLS[name].is_request("POST", path):
                return Route(name, websocket=True)
        return None
    for protocol in PROTOCOLS.values():
        if protocol.is_request(method, target):
            return Route(protocol.name)
    return None


def options_for(options: CheckOptions, route: Route) -> CheckOptions:
    """The options for one exchange: its protocol named (nothing is held back to recognise it),
    and the chosen profile if it is one of that protocol's, else the protocol's default."""
    profiles = CheckOptions(protocol=route.protocol).profiles()
    profile = options.profile if options.profile in profiles else None
    return dataclasses.replace(options, protocol=route.protocol, profile=profile)
