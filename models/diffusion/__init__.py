"""The diffusion core shared by the Motion Expert and EDGE: schedule and DDIM sampler, guidance
(GFT, CFG), conditioning layers, losses, normaliser, data, checkpoints and the training loop."""
