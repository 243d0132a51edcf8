"""Everything learned or anatomical: body (skeleton, FK, rotations, formats, retarget), music features, pose."""
