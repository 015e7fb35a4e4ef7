"""The application layer every service shares (pure, no I/O): ``errors`` its use cases raise,
``ports`` they depend on, and the ``bus`` that runs them."""
