"""Socket.IO: the server, its namespaces and the broadcaster the rest of the app talks to."""
