"""python-socketio client managers whose room emits skip a task per recipient.

python-socketio's `AsyncManager.emit` encodes a room emit once, then creates
an asyncio task per recipient to queue the same packet. Queueing never waits
(the queues are unbounded), so the tasks only cost: for a lecture hall of
5,000 sockets that is 5,000 task creations and schedulings per event. These
managers queue the packet for each recipient in one loop instead. Emits with
an acknowledgement callback (one packet per recipient) keep the original path.
"""

from __future__ import annotations

from typing import Any

import socketio
from engineio import packet as eio_packet
from socketio import packet


class DirectEmit(socketio.AsyncManager):
    async def emit(
        self,
        event: str,
        data: Any,
        namespace: str,
        room: Any = None,
        skip_sid: Any = None,
        callback: Any = None,
        to: Any = None,
        **kwargs: Any,
    ) -> None:
        room = to or room
        if callback is not None or namespace not in self.rooms:
            await super().emit(event, data, namespace, room, skip_sid, callback, **kwargs)
            return
        # As python-socketio: a tuple is several arguments, None none, anything else one.
        arguments = list(data) if isinstance(data, tuple) else [] if data is None else [data]
        skipped = set(skip_sid) if isinstance(skip_sid, list) else {skip_sid}
        encoded = self.server.packet_class(
            packet.EVENT, namespace=namespace, data=[event, *arguments]
        ).encode()
        frames = [
            eio_packet.Packet(eio_packet.MESSAGE, part)
            for part in (encoded if isinstance(encoded, list) else [encoded])
        ]
        for sid, eio_sid in self.get_participants(namespace, room):
            if sid not in skipped:
                for frame in frames:
                    await self.server._send_eio_packet(eio_sid, frame)


class LocalManager(DirectEmit):
    """One node."""


class RedisManager(socketio.AsyncRedisManager, DirectEmit):
    """Several nodes: emits travel through Redis, then each node delivers like `DirectEmit`."""
