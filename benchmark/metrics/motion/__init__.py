"""Motion metrics (FID_k, FID_g, DIV, BAS, FSR, PFC) in every published variant, vectorised."""
