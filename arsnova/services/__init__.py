"""The rules of the product, one module per domain.

REST handlers and socket namespaces parse, call one service function and
dump; the background jobs (`realtime/server.py` schedules them) call services
too. Services hold the rules and call the store and the broadcaster.
"""
