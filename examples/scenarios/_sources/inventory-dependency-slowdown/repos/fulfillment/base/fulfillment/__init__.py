"""Ships paid orders."""
