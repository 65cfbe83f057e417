"""Where the link checker may connect: public addresses only (unless allowed), and the very address
checked, so that a DNS answer that changes between the check and the connection (DNS rebinding)
cannot lead elsewhere. See :mod:`content_api.links`."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable

import httpcore
import httpx


class AddressRefused(Exception):
    """A connection to an address that is not public, without ``allow_private``."""


def refusal(address: str) -> str | None:
    """What kind of address ``address`` is when it is not public (``loopback``...), else None."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # without an IPv6 zone
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    for kind, found in (
        ("loopback", ip.is_loopback),
        ("unspecified", ip.is_unspecified),
        ("link-local", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("private", ip.is_private),
        ("reserved", ip.is_reserved),
        ("non-public", not ip.is_global),
    ):
        if found:
            return kind
    return None


async def resolve(host: str, port: int) -> list[str]:
    """The addresses ``host`` resolves to, in the resolver's order, each once."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class VettedBackend(httpcore.AsyncNetworkBackend):
    """Connections only to public addresses (unless allowed), made to the address checked."""

    def __init__(self, allow_private: bool) -> None:
        self.allow_private = allow_private
        self.inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            addresses = await resolve(host, port)
        except OSError as exc:
            raise httpcore.ConnectError(f"DNS lookup failed: {exc}") from exc
        allowed = addresses if self.allow_private else [a for a in addresses if refusal(a) is None]
        if not allowed:
            first = addresses[0]
            named = first if host.strip("[]") == first else f"{host} ({first})"
            raise AddressRefused(
                f"{named} is a {refusal(first)} address: not requested without --links-allow-private"
            )
        failure: Exception | None = None
        for address in allowed:  # the address connected to is the one checked: no second lookup
            try:
                return await self.inner.connect_tcp(address, port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        assert failure is not None
        raise failure

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise AddressRefused("unix sockets are not requested")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


class VettedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport, whose connection pool connects through :class:`VettedBackend`."""

    def __init__(self, backend: VettedBackend, keepalive: int) -> None:
        super().__init__(trust_env=False)
        # httpx has no parameter for httpcore's network backend: its pool is replaced by one
        # that has it (same settings as httpx's own, tests/test_links.py checks the behaviour).
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=None,
            max_keepalive_connections=keepalive,
            keepalive_expiry=5.0,
            network_backend=backend,
        )
