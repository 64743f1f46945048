"""Where a webhook may be sent: never to this platform's own network (SSRF).

An endpoint's host is resolved and every address it resolves to must be a public one: loopback, private,
link-local (cloud metadata at 169.254.169.254 included), shared, reserved and multicast addresses are refused
when the endpoint is saved and again at every delivery, and the delivery connects to the address that was
checked, so a DNS answer that changes in between (rebinding) cannot point it inside.
ALLOT_WEBHOOK_ALLOW_PRIVATE_ADDRESSES=1 lets development and tests use local receivers (and plain http).
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

from allot.errors import ApplicationError


class AddressRefused(ApplicationError):
    code = "address_refused"


def _is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def private_addresses_allowed() -> bool:
    return settings.ALLOT_WEBHOOK_ALLOW_PRIVATE_ADDRESSES


def url_check(url: str) -> tuple[str, int]:
    """The URL's (host, port) if a webhook may be sent there; raises AddressRefused otherwise."""
    parts = urlsplit(url)
    allowed_schemes = ("https", "http") if private_addresses_allowed() else ("https",)
    if parts.scheme not in allowed_schemes or not parts.hostname:
        raise AddressRefused(_("Give an https:// address of a server on the internet."), fields={"url": [
            _("Give an https:// address of a server on the internet.")]})
    if parts.username or parts.password:
        raise AddressRefused(_("Leave user names and passwords out of the address."),
                             fields={"url": [_("Leave user names and passwords out of the address.")]})
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as error:
        raise AddressRefused(_("The port of this address is not valid."),
                             fields={"url": [_("The port of this address is not valid.")]}) from error
    return parts.hostname, port


def resolve_checked(host: str, port: int) -> list[str]:
    """The addresses to connect to; raises AddressRefused when any is not public (unless allowed)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        message = _("The server name %(host)s could not be found.") % {"host": host}
        raise AddressRefused(message, fields={"url": [message]}) from error
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not private_addresses_allowed():
        refused = [address for address in addresses if not _is_public(ipaddress.ip_address(address.split("%")[0]))]
        if refused:
            message = _("This address points into a private network (%(addresses)s); webhooks go only to "
                        "public servers.") % {"addresses": ", ".join(refused)}
            raise AddressRefused(message, fields={"url": [message]})
    return addresses
