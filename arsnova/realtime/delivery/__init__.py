"""From the application to the clients: the broadcaster, coalescing, what the nodes share."""
