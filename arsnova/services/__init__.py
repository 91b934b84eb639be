"""The rules of the product, one module per domain, called by REST handlers and socket namespaces.

Handlers and namespaces parse, call one service function and dump; services
hold the rules and call the store and the broadcaster.
"""
