"""Socket.IO: the server (`server`), its namespaces (`namespaces/`), the way to the clients
(`delivery/`) and the hooks into python-socketio and python-engineio (`adapters/`)."""
