"""Evaluation protocols by id (`<task>@<variant>`); each is documented in docs/protocols/."""

from benchmark.protocols.registry import PROTOCOLS, MetricSpec, Protocol, ProtocolBase, get_protocol

__all__ = ["PROTOCOLS", "MetricSpec", "Protocol", "ProtocolBase", "get_protocol"]
