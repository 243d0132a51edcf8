"""EDGE (Tseng et al. 2023): a Transformer diffusion decoder with rotary attention, FiLM and CFG."""

from models.edge.model import Edge, EdgeConfig

__all__ = ["Edge", "EdgeConfig"]
