"""`serve --workers N`: uvicorn's listening socket with its protocol set to TCP.

uvicorn (0.54 and earlier) creates the socket it hands to worker processes with protocol 0;
connections accepted from it inherit that, and asyncio turns on TCP_NODELAY only for sockets
that say IPPROTO_TCP. Without it every keep-alive request after the first waits ~40 ms for the
client's delayed ACK (Nagle), measured here at 45 ms per request (Kludex/uvicorn#3149). The
single-process server is not affected."""

from __future__ import annotations

import socket

import uvicorn


class NoDelayConfig(uvicorn.Config):
    def bind_socket(self) -> socket.socket:
        sock = super().bind_socket()
        if sock.family in (socket.AF_INET, socket.AF_INET6) and sock.proto != socket.IPPROTO_TCP:
            return socket.socket(sock.family, socket.SOCK_STREAM, socket.IPPROTO_TCP, fileno=sock.detach())
        return sock
