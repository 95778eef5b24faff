"""robocore viz: the pygame floor viewer (pygame is imported on use)."""

__all__: list[str] = []
