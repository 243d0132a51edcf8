"""MACE-Dance's Motion Expert: a BiMamba-Transformer diffusion model trained with GFT."""

from models.motion_expert.model import MotionExpert, MotionExpertConfig

__all__ = ["MotionExpert", "MotionExpertConfig"]
