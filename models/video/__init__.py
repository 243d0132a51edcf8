"""Video decoding shared by curation (internet clips) and the video benchmark protocols."""

from models.video.io import VideoInfo, iter_frames, probe_video, read_frames

__all__ = ["VideoInfo", "iter_frames", "probe_video", "read_frames"]
