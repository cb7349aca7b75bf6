"""Which proxied calls are checked, and how: recognised through the protocols, never by guessing.

A call is checked when a protocol claims it (:meth:`~validator.protocols.base.StreamProtocol.is_request`):
for Responses, ``POST …/responses`` (streaming or not) and ``GET …/responses/{id}?stream=true``
(a resumed stream); the protocols added later (Chat Completions, Anthropic Messages) are
recognised the same way as soon as they are registered. A WebSocket upgrade on a path the
Responses protocol claims is its WebSocket mode. Everything else is passed through untouched.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from validator.engine import CheckOptions
from validator.engine.exchange import for_route, route_protocol

__all__ = ["Route", "options_for", "recognise"]


@dataclass(frozen=True)
class Route:
    """A call the proxy checks."""

    protocol: str
    #: A WebSocket session (the Responses WebSocket mode), not an HTTP exchange.
    websocket: bool = False


def recognise(method: str, target: str, headers: Mapping[str, str]) -> Route | None:
    """The route of a call (``target`` is the path with its query), or None: pass it through."""
    websocket = headers.get("upgrade", "").lower() == "websocket"
    protocol = route_protocol(method, target, websocket)
    return Route(protocol, websocket=websocket) if protocol is not None else None


def options_for(options: CheckOptions, route: Route) -> CheckOptions:
    """The options for one exchange (as its saved record's re-check has them, :func:`for_route`)."""
    return for_route(options, route.protocol)
