"""A simple fixed-window rate limit per visitor, in the cache, for public pages that anyone can call.

The visitor is their IP address, hashed with the secret key so no address is kept in the clear. It is REMOTE_ADDR,
unless IDO_PROXY_COUNT says how many reverse proxies of our own stand in front: then it is the address the
outermost of them saw, read from the right of X-Forwarded-For (what a client writes on the left is not trusted).
The default cache lives in the process: with several processes each counts on its own, so the limit is per
process unless a shared cache is configured.
"""

import hashlib
import ipaddress

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _

PUBLIC_FORM_WINDOW_SECONDS = 60 * 60


def visitor_address(address: str) -> str:
    """What counts as one visitor: an IPv4 address, or the /64 network of an IPv6 address. A home or a phone gets
    a whole /64 and may use any address in it, so counting single IPv6 addresses would be no limit at all."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


def client_address(request) -> str:
    """The visitor's address: REMOTE_ADDR, or behind IDO_PROXY_COUNT proxies the one they recorded."""
    proxies = settings.IDO_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies > 0 and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return hops[-proxies] if len(hops) >= proxies else hops[0]
    return request.META.get("REMOTE_ADDR", "")


def visitor_key(request, scope: str) -> str:
    address = visitor_address(client_address(request))
    digest = hashlib.sha256(f"{settings.SECRET_KEY}:{address}".encode()).hexdigest()[:32]
    return f"ratelimit:{scope}:{digest}"


def allow(request, scope: str, limit: int, window_seconds: int) -> bool:
    """Count one request of this visitor in `scope`; False once more than `limit` fall in the window."""
    if limit <= 0:
        return True
    key = visitor_key(request, scope)
    if cache.add(key, 1, timeout=window_seconds):
        return True
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window_seconds)
        return True
    return count <= limit


def public_form_allowed(request, form) -> bool:
    """Count a valid citizen booking or enrolment; past the hourly limit the form says so and nothing is saved."""
    if allow(request, "public-form", settings.IDO_PUBLIC_FORM_RATE_LIMIT, PUBLIC_FORM_WINDOW_SECONDS):
        return True
    form.add_error(None, _("You sent this form many times in a short time. Try again in an hour, or ask at the desk."))
    return False
