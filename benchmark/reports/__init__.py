"""Human-readable reports written beside a results JSON."""
