"""Protocol registry: every published evaluation variant and its corrected twin, selected by id.

Ids follow `<task>@<variant>`; `@v1` ids are this suite's corrected definitions (docs/protocols/).
Each protocol family lives in its own module and is collected here.
"""

from __future__ import annotations

from benchmark.protocols.animation import ANIMATION_PROTOCOLS
from benchmark.protocols.base import MetricSpec, ProtocolBase
from benchmark.protocols.ma_video import MA_VIDEO_PROTOCOLS
from benchmark.protocols.motion2d import MA2D_PROTOCOLS
from benchmark.protocols.motion3d import MOTION3D_PROTOCOLS, Protocol

__all__ = ["PROTOCOLS", "MetricSpec", "Protocol", "ProtocolBase", "get_protocol"]

PROTOCOLS: dict[str, ProtocolBase] = {
    p.id: p for p in (*MOTION3D_PROTOCOLS, *ANIMATION_PROTOCOLS, *MA2D_PROTOCOLS, *MA_VIDEO_PROTOCOLS)
}


def get_protocol(protocol_id: str) -> ProtocolBase:
    """Look a protocol up by id, listing the known ids when it is unknown."""
    try:
        return PROTOCOLS[protocol_id]
    except KeyError:
        raise ValueError(
            f"unknown protocol {protocol_id!r}; known: {', '.join(sorted(PROTOCOLS))}"
        ) from None
