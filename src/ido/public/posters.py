"""The poster (A4) and the flyer (A6) of an IDO location, to print and hang up or hand out: what help there is,
when the location is open, how to get there and a QR code to its page.

Only public data, the same as the location page shows: never a person's name or anything about a visitor.
The PDFs are rendered in the active language; Arabic comes out right to left.
"""

import unicodedata
from datetime import date

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import translation
from django.utils.dates import WEEKDAYS
from django.utils.safestring import mark_safe
from django.utils.text import get_text_list, slugify
from django.utils.translation import gettext as _

from ido.appointments.models import ConsultationHour, Frequency, SeriesStatus
from ido.core.documents import qr_svg, render_pdf
from ido.locations.models import SPOKEN_LANGUAGES, Location, Weekday

POSTER_TEMPLATE = "public/poster_pdf.html"
FLYER_TEMPLATE = "public/flyer_pdf.html"
# What fits on one page: more consultation hours than this, and the poster says "more: scan the QR code".
HOURS_ON_POSTER = 3
OWN_NAMES_UP_TO = 6


def location_url(location: Location) -> str:
    """The absolute address of the location's public page (for the QR code and as text)."""
    return settings.IDO_BASE_URL + reverse("public:location", kwargs={"pk": location.pk})


def qr_url(location: Location) -> str:
    """The address in the QR code: the location page in the language of the document, so scanning an Arabic
    poster opens the page in Arabic (the text address stays short and without it)."""
    url = location_url(location)
    language = translation.get_language()
    if language and language != settings.LANGUAGE_CODE:
        url += f"?lang={language}"
    return url


def short_url(url: str) -> str:
    """The address as people type it: without https:// and without the last slash."""
    return url.split("://", 1)[-1].rstrip("/")


def weekly_hours(location: Location) -> list[tuple[str, list]]:
    """Monday to Sunday, each with its opening blocks (an empty list: closed). Uses prefetched rows."""
    by_day: dict[int, list] = {}
    for row in location.opening_hours.all():
        by_day.setdefault(row.weekday, []).append(row)
    return [(str(label), sorted(by_day.get(value, []), key=lambda row: row.opens)) for value, label in Weekday.choices]


def spoken_languages(location: Location) -> list[str]:
    """The languages the desk speaks, each also in its own name where that differs ("Arabic (العربيّة)"), so
    someone who reads that language recognises it on the poster. A long list without the own names, to fit."""
    labels = dict(SPOKEN_LANGUAGES)
    with_own_names = len(location.languages) <= OWN_NAMES_UP_TO
    names = []
    for code in location.languages:
        label = str(labels.get(code, code))
        try:
            own = translation.get_language_info(code)["name_local"] if with_own_names else ""
        except KeyError:
            own = ""
        names.append(f"{label} ({own})" if own and _plain(own) != _plain(label) else label)
    return names


def _plain(name: str) -> str:
    """A name without case and accents or vowel marks, to tell whether two spellings are the same name."""
    return "".join(char for char in unicodedata.normalize("NFD", name.casefold()) if not unicodedata.combining(char))


def recurrence_text(hour: ConsultationHour) -> str:
    """When a consultation hour takes place, in words: "Every week on Tuesday, 14:00–16:00"."""
    days = [str(WEEKDAYS[int(day)]) for day in hour.weekdays.split(",") if day.strip()]
    values = {
        "days": get_text_list(days, _("and")),
        "start": hour.start_time.strftime("%H:%M"),
        "end": hour.end_time.strftime("%H:%M"),
    }
    if hour.frequency == Frequency.EVERY_OTHER_WEEK:
        return _("Every other week on %(days)s, %(start)s–%(end)s") % values
    if hour.frequency == Frequency.MONTHLY_NTH_WEEKDAY:
        return _("Once a month on %(days)s, %(start)s–%(end)s") % values
    return _("Every week on %(days)s, %(start)s–%(end)s") % values


def consultation_hours(location: Location, *, today: date) -> list[dict]:
    """The consultation hours that take place at the location (active, not ended): title, provider, when."""
    hours = (
        ConsultationHour.objects.filter(location=location, status=SeriesStatus.ACTIVE, provider__is_active=True)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))
        .select_related("provider")
        .order_by("title", "pk")
    )
    return [{"title": hour.title, "provider": hour.provider.name, "when": recurrence_text(hour)} for hour in hours]


def document_context(location: Location, *, today: date) -> dict:
    url = location_url(location)
    weekly = weekly_hours(location)
    hours = consultation_hours(location, today=today)
    return {
        "location": location,
        "weekly": weekly,
        "has_hours": any(blocks for _label, blocks in weekly),
        "languages": spoken_languages(location),
        "accessibility": location.accessibility_labels(),
        "consultation_hours": hours[:HOURS_ON_POSTER],
        "more_consultation_hours": len(hours) > HOURS_ON_POSTER,
        "url": url,
        "short_url": short_url(url),
        # Safe: the SVG is generated here from our own URL, no text of anyone's in it.
        "qr": mark_safe(qr_svg(qr_url(location))),  # noqa: S308
    }


def poster_pdf(location: Location, *, today: date) -> bytes:
    """The A4 poster as PDF bytes, in the active language."""
    return render_pdf(POSTER_TEMPLATE, document_context(location, today=today))


def flyer_pdf(location: Location, *, today: date) -> bytes:
    """The A6 flyer as PDF bytes, in the active language."""
    return render_pdf(FLYER_TEMPLATE, document_context(location, today=today))


def file_name(kind: str, location: Location) -> str:
    """For example "poster-ido-bibliotheek-neude.pdf"."""
    return f"{kind}-{slugify(location.name) or location.pk}.pdf"
