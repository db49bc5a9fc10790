"""Which websites may show a municipality's widget in an iframe: the rule for a website's address (pure), the
`frame-ancestors` of the widget's Content-Security-Policy, and the reads of the allowed websites.

What an address may look like, and why:
- `https://host` or `https://host:port`: a CSP source with a scheme, so a page served over plain http cannot
  frame the widget. Plain `http://` only for `localhost` and `127.0.0.1`, to try the snippet on one's own computer.
- One leading `*.` is allowed (`https://*.utrecht.nl`): CSP supports it and a municipality often has several
  sub-sites. It must be followed by at least two labels, so `*.nl` (every Dutch website) is refused. It does not
  cover `utrecht.nl` itself: add that separately.
- No path, query, fragment, user name, other wildcards or IP addresses: frame-ancestors matches by origin only,
  and the address is written into a response header, so only letters, digits, dots, hyphens and one port are
  let through (nothing that could end the directive, such as `;`, `,`, quotes or spaces).
- Stored normalised: lowercase, an international name in its ASCII (punycode) form, without the default port
  443 (https) or 80 (http) and without a trailing slash. Two spellings of the same website are one website.
"""

import re
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from ido.organisations.models import Municipality
from ido.public.models import EmbeddingSite

MAX_SITES_PER_MUNICIPALITY = 20
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1"})
DEFAULT_PORTS = {"https": 443, "http": 80}
SELF = "'self'"

_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_IPV4 = re.compile(r"^[0-9.]+$")


def _ascii_host(host: str) -> str:
    try:
        return host.encode("idna").decode("ascii").lower()
    except UnicodeError as error:
        raise ValidationError(_("This is not a valid website name."), code="host") from error


def normalise_origin(text: str) -> str:
    """The website address as it goes into the policy, e.g. "https://www.utrecht.nl"; ValidationError otherwise."""
    value = (text or "").strip()
    if not value:
        raise ValidationError(_("Fill in the address of the website."), code="required")
    if "://" not in value:
        raise ValidationError(_("Start the address with https://, for example https://www.utrecht.nl."), code="scheme")
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError as error:
        raise ValidationError(_("This is not a valid website address."), code="invalid") from error
    scheme = parts.scheme.lower()
    if parts.username is not None or parts.password is not None:
        raise ValidationError(_("Leave out the user name and password."), code="userinfo")
    if parts.path not in ("", "/") or parts.query or parts.fragment or value.endswith(("?", "#")):
        raise ValidationError(
            _("Only the website itself, without a page: for example https://www.utrecht.nl, not a link to a page."),
            code="path",
        )
    raw_host = (parts.hostname or "").rstrip(".")
    if not raw_host:
        raise ValidationError(_("This is not a valid website address."), code="invalid")
    wildcard = raw_host.startswith("*.")
    host = _ascii_host(raw_host[2:] if wildcard else raw_host)
    if host in LOCAL_HOSTS:
        if wildcard:
            raise ValidationError(_("This is not a valid website name."), code="host")
        if scheme not in ("https", "http"):
            raise ValidationError(_("Start the address with https://."), code="scheme")
    else:
        if scheme != "https":
            raise ValidationError(
                _(
                    "Use a secure address that starts with https://. "
                    "Only a test on your own computer (localhost) may use http://."
                ),
                code="scheme",
            )
        if _IPV4.match(host) or ":" in host:
            raise ValidationError(_("Use the name of the website, not an IP address."), code="ip")
        labels = host.split(".")
        if wildcard and len(labels) < 2:  # *.nl: every Dutch website
            raise ValidationError(
                _("A * is only allowed before the name of your own website, for example https://*.utrecht.nl."),
                code="wildcard",
            )
        if "*" in host or len(labels) < 2 or not all(_LABEL.match(label) for label in labels):
            raise ValidationError(_("This is not a valid website name."), code="host")
    if port is not None and port == DEFAULT_PORTS[scheme]:
        port = None
    return f"{scheme}://{'*.' if wildcard else ''}{host}{f':{port}' if port else ''}"


def frame_ancestors(origins: list[str]) -> list[str]:
    """The `frame-ancestors` sources for the widget: the platform itself and the municipality's websites."""
    return [SELF, *origins]


def widget_municipality(cbs_code: str, *, today) -> Municipality | None:
    """The municipality of a widget address, if the widget is there: a code of the form GM + four digits, a
    municipality that has not ended (merged), and whose organisation (if it has one here) is not switched off."""
    if not re.fullmatch(r"GM[0-9]{4}", cbs_code):
        return None
    municipality = Municipality.objects.select_related("organisation").filter(cbs_code=cbs_code).first()
    if municipality is None:
        return None
    if municipality.valid_until is not None and municipality.valid_until < today:
        return None
    organisation = getattr(municipality, "organisation", None)
    if organisation is not None and not organisation.is_active:
        return None
    return municipality


def sites_of(municipality: Municipality) -> QuerySet[EmbeddingSite]:
    """The websites allowed to show this municipality's widget."""
    return EmbeddingSite.objects.filter(municipality=municipality).order_by("origin")


def origins_of(municipality: Municipality) -> list[str]:
    return list(sites_of(municipality).values_list("origin", flat=True))
