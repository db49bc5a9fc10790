"""The pages a person reaches without a login: their own enrolment by its signed link (accept or decline a freed
place, leave the waitlist, cancel), and enrolling themselves in a session whose course allows it."""

from datetime import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from ido.core.forms import apply_validation_error
from ido.core.ratelimit import public_form_allowed
from ido.courses import links, rules, services
from ido.courses.models import Enrolment, EnrolmentSource, EnrolmentStatus, Session, SessionStatus
from ido.courses.public_forms import CitizenEnrolmentForm
from ido.locations.models import LocationStatus

# What the person can do on their page, by the status of their enrolment; and the status each action needs.
ACTIONS_BY_STATUS: dict[str, tuple[str, ...]] = {
    EnrolmentStatus.OFFERED: ("accept", "decline"),
    EnrolmentStatus.WAITLISTED: ("leave",),
    EnrolmentStatus.ENROLLED: ("cancel",),
}
NEEDS_STATUS = {
    "accept": EnrolmentStatus.OFFERED,
    "decline": EnrolmentStatus.OFFERED,
    "leave": EnrolmentStatus.WAITLISTED,
    "cancel": EnrolmentStatus.ENROLLED,
}


def _no_index(response):
    """The page of one person: search engines must not keep it, even if the link ends up somewhere public."""
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _offer_has_expired(enrolment: Enrolment, now: datetime) -> bool:
    return enrolment.status == EnrolmentStatus.EXPIRED or (
        enrolment.status == EnrolmentStatus.OFFERED
        and enrolment.offer_expires_at is not None
        and enrolment.offer_expires_at <= now
    )


def actions_for(enrolment: Enrolment, now: datetime) -> tuple[str, ...]:
    """What the page offers now: nothing once the session is cancelled or over, or the offer has run out."""
    session = enrolment.session
    if session.status == SessionStatus.CANCELLED or (session.ends_at and session.ends_at <= now):
        return ()
    if _offer_has_expired(enrolment, now):
        return ()
    return ACTIONS_BY_STATUS.get(enrolment.status, ())


def _act(action: str, enrolment: Enrolment) -> Enrolment:
    if action == "accept":
        return services.accept_offer(actor=None, enrolment=enrolment)
    if action == "decline":
        return services.decline_offer(actor=None, enrolment=enrolment)
    return services.cancel_enrolment(actor=None, enrolment=enrolment)


def _done_message(action: str) -> str:
    return {
        "accept": _("You have the place. You are now enrolled: see you at the first meeting!"),
        "decline": _("You said no to the place. It goes to the next person on the waitlist."),
        "leave": _("You are no longer on the waitlist."),
        "cancel": _("Your enrolment is cancelled. Someone else can now have your place."),
    }[action]


def _refusal(action: str, enrolment: Enrolment, now: datetime) -> str:
    """Why an action cannot be done (an old page, a second click, an offer that ran out)."""
    if action in ("accept", "decline") and _offer_has_expired(enrolment, now):
        return _("This offer has expired: the place has gone to the next person.")
    return _("This is not possible any more. See below how things stand now.")


@never_cache
def enrolment(request, token: str):
    """The person's own page, by the link in their messages and on their card. GET shows the course, the place,
    the dates and where they stand, with what they can do; a step that ends something asks for confirmation
    first (`?action=…`); the button (POST) does it. A damaged link, or one whose data is deleted, gets a friendly
    404; an action that is no longer possible gets a clear message and changes nothing."""
    found = links.enrolment_from_token(token)
    if found is None:
        return _no_index(render(request, "courses/public/link_invalid.html", status=404))
    now = timezone.now()
    actions = actions_for(found, now)
    confirm = ""
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action not in NEEDS_STATUS:
            status = 400
        elif found.status != NEEDS_STATUS[action] or _offer_has_expired(found, now) or action not in actions:
            messages.error(request, _refusal(action, found, now))
            status = 409
        else:
            try:
                _act(action, found)
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
                status = 409
            else:
                messages.success(request, _done_message(action))
                return redirect("course_links:enrolment", token=token)
        found = links.enrolment_from_token(token)
        if found is None:  # the personal data was deleted in the meantime
            return _no_index(render(request, "courses/public/link_invalid.html", status=404))
        actions = actions_for(found, timezone.now())
    elif request.GET.get("action") in actions and request.GET["action"] != "accept":
        confirm = request.GET["action"]
    session = found.session
    context = {
        "enrolment": found,
        "session": session,
        "course": session.course,
        "location": session.location,
        "meetings": list(session.meetings.all()),
        "actions": actions,
        "confirm": confirm,
        "offer_expired": _offer_has_expired(found, now),
        "session_over": bool(session.ends_at and session.ends_at <= now),
        "waitlist_place": found.waitlist_position,
        "link": links.enrolment_url(found),
        "token": token,
    }
    return _no_index(render(request, "courses/public/enrolment.html", context, status=status))


def sessions_open_to_citizens() -> QuerySet[Session]:
    """Sessions of courses in the catalogue that let citizens enrol themselves, at an open location. Whether a
    place is still to be had (cancelled, started, full) the page says; those are not a 404."""
    return Session.objects.select_related("course__provider", "location").filter(
        course__public_enrolment=True,
        course__active=True,
        location__status=LocationStatus.OPEN,
    )


def enrol(request, pk: int):
    """A citizen enrols themselves (and a companion) in a session, or joins its waitlist when it is full. One page,
    one form, no JavaScript; afterwards they land on their own page, whose address is their personal link.

    Sending is rate-limited per visitor (IDO_PUBLIC_FORM_RATE_LIMIT an hour), as the citizen's own booking is, so
    one visitor cannot fill a session with made-up names."""
    session = get_object_or_404(sessions_open_to_citizens(), pk=pk)
    now = timezone.now()
    refusal = rules.enrolment_refusal(
        cancelled=session.status == SessionStatus.CANCELLED, starts_at=session.starts_at, now=now
    )
    form = None
    status = 200
    if refusal is None:
        form = CitizenEnrolmentForm(data=request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid() and public_form_allowed(request, form):
            data = form.cleaned_data
            try:
                enrolment = services.enrol(
                    actor=None,
                    session=session,
                    details=services.PersonDetails.from_form(data),
                    places=data["places"],
                    waitlist_if_full=data["waitlist"],
                    source=EnrolmentSource.CITIZEN,
                )
            except ValidationError as error:
                _show_refusal(form, error, session, data)
            else:
                if enrolment.status == EnrolmentStatus.ENROLLED:
                    messages.success(
                        request, _("You are enrolled. Keep the address of this page: it is your own link.")
                    )
                else:
                    messages.success(
                        request,
                        _("You are on the waitlist. Keep the address of this page: it is your own link."),
                    )
                return redirect("course_links:enrolment", token=links.token(enrolment))
    elif request.method == "POST":
        status = 409
    session.refresh_from_db(fields=["taken", "capacity"])
    return render(
        request,
        "courses/public/enrol.html",
        {
            "session": session,
            "course": session.course,
            "location": session.location,
            "meetings": list(session.meetings.all()),
            "form": form,
            "refusal": refusal or "",
            "consent_text": services.consent_text(),
        },
        status=status,
    )


def _show_refusal(form: CitizenEnrolmentForm, error: ValidationError, session: Session, data: dict) -> None:
    """The service speaks to the desk about a full session ("put the visitor on the waitlist"); the citizen is
    told what to do on this form."""
    session.refresh_from_db(fields=["taken", "capacity"])
    full = hasattr(error, "error_dict") and "session" in error.error_dict and session.free < data["places"]
    if full and not data["waitlist"]:
        form.add_error("waitlist", _("The course is full. Tick the box to join the waitlist, or choose another date."))
        return
    apply_validation_error(form, error)
