"""Enrolling a visitor at the desk: find a session that suits them, enrol them (or put them on its waitlist), and
look after the enrolment afterwards (cancel, or accept or decline a freed place for them after a phone call).

A search can start from a registered question (`?question=`) or from a referral of a partner or the municipality
into the IDO (`?referral=`); both travel along to the enrolment, so the figures can follow the path from desk
question to course, and a referral's contact details (given with consent) need not be asked again.
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from ido.core.access import permission_required
from ido.core.forms import apply_validation_error
from ido.courses import finder, rules, selectors, services
from ido.courses.desk_forms import CourseSearchForm, EnrolForm
from ido.courses.models import EnrolmentSource, EnrolmentStatus, SessionStatus
from ido.locations.models import LocationStatus
from ido.locations.selectors import locations_visible_to
from ido.referrals import selectors as referral_selectors
from ido.referrals import services as referral_services
from ido.referrals.models import Referral
from ido.registrations.models import Question


def _pk(value: str | None) -> int:
    """An id from the address; anything that is not one (letters, "1.5", "²") becomes 0, which matches nothing."""
    value = value or ""
    return int(value) if value.isascii() and value.isdecimal() and len(value) < 12 else 0


def _question(request, actor) -> Question | None:
    """The registered question the desk started from: only one of its own library."""
    pk = _pk(request.GET.get("question"))
    if not pk:
        return None
    return Question.objects.filter(pk=pk, library=actor.organisation).select_related("topic").first()


def _referral(request, actor) -> Referral | None:
    """The referral into the IDO the desk started from: only one addressed to its own organisation."""
    pk = _pk(request.GET.get("referral"))
    if not pk:
        return None
    return referral_selectors.inbox(actor).filter(pk=pk).first()


def _carried(question: Question | None, referral: Referral | None) -> str:
    """The query string that takes the question and the referral along from page to page."""
    values = {}
    if question is not None:
        values["question"] = question.pk
    if referral is not None:
        values["referral"] = referral.pk
    return urlencode(values)


@permission_required("courses.enrol")
def find(request):
    """Sessions across the region that suit the visitor, earliest first, with the distance from the desk's
    location and the free places (or the waitlist). A plain GET form, so it works without JavaScript."""
    actor = request.membership
    question, referral = _question(request, actor), _referral(request, actor)
    locations = locations_visible_to(actor).filter(library=actor.organisation, status=LocationStatus.OPEN)
    locations = locations.order_by("name")
    home = locations.first()
    defaults = {"start": timezone.localdate().isoformat(), "near": str(home.pk) if home else ""}
    form = CourseSearchForm(data={**defaults, **request.GET.dict()}, locations=locations)
    found, more = None, False
    if form.is_valid():
        data = form.cleaned_data
        found = finder.find_sessions(
            actor,
            start=data["start"],
            kind=data["kind"],
            level=data["level"],
            language=data["language"],
            near=data["near"],
            within_km=data["within_km"],
            only_free=data["only_free"],
            limit=finder.DEFAULT_LIMIT + 1,
        )
        more = len(found) > finder.DEFAULT_LIMIT
        found = found[: finder.DEFAULT_LIMIT]
    return render(
        request,
        "courses/desk/find.html",
        {
            "form": form,
            "found": found,
            "more": more,
            "limit": finder.DEFAULT_LIMIT,
            "question": question,
            "referral": referral,
            "carried": _carried(question, referral),
        },
    )


def _prefill(actor, referral: Referral | None) -> dict:
    """The contact details a referral brought, when the person agreed to pass them on and they still exist.
    Reading them is audited, as every reading of a referral's personal data."""
    if (
        referral is None
        or referral.consent_given_at is None
        or referral.consent_withdrawn_at is not None
        or referral.personal_data_deleted_at is not None
    ):
        return {}
    referral_services.read_referral(actor=actor, referral=referral)
    return {"name": referral.name, "phone": referral.phone, "email": referral.email}


def _refusal(session, now) -> str | None:
    """Why nobody can enrol in this session now, in words; None when it is open."""
    reason = rules.enrolment_refusal(
        cancelled=session.status == SessionStatus.CANCELLED, starts_at=session.starts_at, now=now
    )
    return str(services.REFUSALS[reason]) if reason else None


@never_cache
@permission_required("courses.enrol")
def enrol(request, pk: int):
    """Enrol a visitor in a session (with a companion: two places), or put them on its waitlist when there is no
    room and the desk chooses so. The consent text is on the screen, to read to the visitor."""
    actor = request.membership
    session = get_object_or_404(selectors.sessions_visible_to(actor), pk=pk)
    question, referral = _question(request, actor), _referral(request, actor)
    is_post = request.method == "POST"
    form = EnrolForm(
        data=request.POST if is_post else None,
        initial={} if is_post else _prefill(actor, referral),
        room_for_two=session.free >= 2,
    )
    if is_post and form.is_valid():
        try:
            enrolment = services.enrol(
                actor=actor,
                session=session,
                details=services.PersonDetails.from_form(form.cleaned_data),
                places=form.places,
                waitlist_if_full=form.waitlist_if_full,
                source=EnrolmentSource.REFERRAL if referral else EnrolmentSource.DESK,
                question=question,
                referral=referral,
            )
        except ValidationError as error:
            apply_validation_error(form, error)
            session.refresh_from_db(fields=["taken", "capacity", "status", "starts_at"])
            if session.free < 2:
                form.offer_waitlist()
        else:
            if enrolment.status == EnrolmentStatus.WAITLISTED:
                done = _("The visitor is on the waitlist, number %(position)s.") % {
                    "position": enrolment.waitlist_position
                }
            else:
                done = _("The visitor is enrolled.")
            messages.success(request, done)
            return redirect("courses:enrolment", pk=enrolment.pk)
    return render(
        request,
        "courses/desk/enrol.html",
        {
            "session": session,
            "meetings": list(session.meetings.all()),
            "waiting": selectors.waitlist(session).count(),
            "form": form,
            "refusal": _refusal(session, timezone.now()),
            "consent_text": services.consent_text(),
            "question": question,
            "referral": referral,
            "carried": _carried(question, referral),
        },
    )


@never_cache
@permission_required("courses.view")
def enrolment_detail(request, pk: int):
    """One enrolment: its state, the session and its meetings, and what the desk can do for the person now.
    It shows personal data, so reading it is audited."""
    actor = request.membership
    enrolment = get_object_or_404(
        selectors.enrolments_visible_to(actor).select_related("session__course__provider", "question__topic"), pk=pk
    )
    services.read_enrolments(actor=actor, enrolments=[enrolment])
    now = timezone.now()
    can_act = actor.has_perm("courses.enrol")
    return render(
        request,
        "courses/desk/enrolment.html",
        {
            "enrolment": enrolment,
            "session": enrolment.session,
            "meetings": list(enrolment.session.meetings.all()),
            "offer_expired": enrolment.status == EnrolmentStatus.OFFERED
            and enrolment.offer_expires_at is not None
            and enrolment.offer_expires_at <= now,
            "can_cancel": can_act and enrolment.status == EnrolmentStatus.ENROLLED,
            "can_answer_offer": can_act and enrolment.status == EnrolmentStatus.OFFERED,
            "can_leave_waitlist": can_act and enrolment.status == EnrolmentStatus.WAITLISTED,
            "referral_visible": enrolment.referral_id is not None
            and referral_selectors.referrals_visible_to(actor).filter(pk=enrolment.referral_id).exists(),
            "completed": enrolment.personal_data_deleted_at is None and selectors.is_completed(enrolment, now=now),
        },
    )


def _change(request, pk: int, service, done: str):
    """One button on the enrolment page: the service decides, the page says what happened (or why not)."""
    enrolment = get_object_or_404(selectors.enrolments_visible_to(request.membership), pk=pk)
    try:
        service(actor=request.membership, enrolment=enrolment)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, done)
    return redirect("courses:enrolment", pk=enrolment.pk)


@require_POST
@permission_required("courses.enrol")
def enrolment_cancel(request, pk: int):
    """The person no longer comes, or leaves the waitlist; a freed place is offered to the first who waits."""
    return _change(request, pk, services.cancel_enrolment, _("Done: the enrolment has ended."))


@require_POST
@permission_required("courses.enrol")
def enrolment_accept(request, pk: int):
    """The person said on the phone that they take the offered place."""
    return _change(request, pk, services.accept_offer, _("The visitor has taken the offered place."))


@require_POST
@permission_required("courses.enrol")
def enrolment_decline(request, pk: int):
    """The person does not want the offered place: it goes to the next on the waitlist."""
    return _change(request, pk, services.decline_offer, _("The offer has been declined."))
