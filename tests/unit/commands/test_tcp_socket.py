"""`serve --workers N` listens on a socket whose accepted connections get TCP_NODELAY (uvicorn's
own socket for workers leaves Nagle on: Kludex/uvicorn#3149)."""

from __future__ import annotations

import asyncio
import socket

from stadsdata.commands.tcp_socket import NoDelayConfig
from tests.conftest import free_port


def test_accepted_connections_have_nodelay() -> None:
    config = NoDelayConfig("stadsdata.app:app_from_environment", factory=True, host="127.0.0.1", port=free_port())
    listener = config.bind_socket()
    assert listener.proto == socket.IPPROTO_TCP
    seen: list[int] = []

    async def scenario() -> None:
        def accepted(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            seen.append(writer.get_extra_info("socket").getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            writer.close()

        server = await asyncio.start_server(accepted, sock=listener)
        _, writer = await asyncio.open_connection("127.0.0.1", config.port)
        for _ in range(100):
            if seen:
                break
            await asyncio.sleep(0.01)
        writer.close()
        server.close()
        await server.wait_closed()

    asyncio.run(scenario())
    assert seen and seen[0] != 0
