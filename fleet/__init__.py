"""robocore fleet: the floor controller, simulated robots and human pickers."""

__all__: list[str] = []
