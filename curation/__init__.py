"""Pipelines that build MA-Data (FineDance rendering, internet clips). See DESIGN.md."""
