"""The Appearance Expert (3D motion + reference image -> dance video); so far only the Motion Projector exists."""
