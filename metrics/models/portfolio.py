"""portfolio models (being built)."""

__all__: list[str] = []
