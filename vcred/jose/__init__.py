"""VC-JOSE: credentials and presentations secured as compact JWS (``application/vc+jwt``, ``vp+jwt``)."""
