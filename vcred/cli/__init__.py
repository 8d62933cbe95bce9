"""The ``vcred`` command line: a thin shell over the library."""
