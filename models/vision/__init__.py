"""Image and video backbones (CLIP, DINO, MUSIQ, AMT, AlexNet/VGG, I3D) as plain PyTorch modules.

torchvision does not import with this project's CPU torch, so each architecture is written here
(or loaded through transformers) and its weights are read from local paths (models.vision.weights).
"""
