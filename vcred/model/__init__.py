"""Data-model shape rules and the radiology credential families: data only, no crypto, no I/O."""
