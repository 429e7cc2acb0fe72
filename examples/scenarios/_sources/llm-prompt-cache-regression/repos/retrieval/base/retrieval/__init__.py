"""Knowledge-base passages for support tickets."""
