"""robocore bridge: VDA 5050 message types over msgpack and ZeroMQ."""

__all__: list[str] = []
