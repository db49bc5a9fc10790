import json
from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from ido.appointments import search
from ido.appointments.forms import topics_to_choose
from ido.appointments.models import Appointment
from ido.appointments.selectors import hours_bookable_by
from ido.appointments.services import VisitorDetails, book
from ido.appointments.services import consent_text as booking_consent_text
from ido.core.access import permission_required
from ido.core.forms import apply_validation_error
from ido.courses import selectors as course_selectors
from ido.locations.models import Location, LocationStatus
from ido.organisations.models import Organisation, OrganisationKind
from ido.referrals import documents, rules, selectors, services
from ido.referrals.forms import ChooseTopicForm, MoveForm, ReferralBookingForm, ReferralForm
from ido.referrals.models import ReferralStatus
from ido.registrations.models import Question
from ido.registrations.views import LOCATION_COOKIE


@permission_required("referrals.view")
def referral_list(request):
    """Referrals received (the inbox; for a library: the visitors others referred to it) and sent."""
    actor = request.membership
    now = timezone.now()
    received = list(selectors.inbox(actor).exclude(status__in=rules.CLOSED).order_by("created_at")[:200])
    sent = list(selectors.sent(actor)[:100])
    for referral in received + sent:
        referral.overdue = selectors.is_overdue(referral, now)
    is_library = actor.organisation.kind == OrganisationKind.LIBRARY
    return render(
        request,
        "referrals/list.html",
        {
            "received": received,
            "sent": sent,
            "received_caption": _("Expected visitors: referred to your IDO") if is_library else _("Inbox"),
            "received_empty": _("Nobody is expected.") if is_library else _("No open referrals."),
            "sent_caption": _("Referrals you sent"),
            "sent_empty": _("You have not sent any referrals yet."),
        },
    )


def _pk(value: str | None) -> int:
    """An id from the address; anything that is not one (letters, "1.5", "²") becomes 0, which matches nothing."""
    value = value or ""
    return int(value) if value.isascii() and value.isdecimal() and len(value) < 12 else 0


def _question(request, actor) -> Question | None:
    pk = _pk(request.GET.get("question"))
    if not pk:
        return None
    return Question.objects.filter(pk=pk, library=actor.organisation).select_related("topic", "visit__location").first()


@permission_required("referrals.create")
def referral_new(request):
    """Step 1: the topic (from the registered question when there is one); step 2: the organisation to refer to,
    among those the library has an agreement with for the topic; step 3 (referral_form): the referral."""
    actor = request.membership
    question = _question(request, actor)
    initial_topic = question.topic_id if question else (_pk(request.GET.get("topic")) or None)
    form = ChooseTopicForm(
        data={"topic": initial_topic} if initial_topic else None, topics=topics_to_choose(timezone.localdate())
    )
    choices = []
    if form.is_bound and form.is_valid():
        choices = selectors.receivers_for(actor, topic=form.cleaned_data["topic"])
    return render(
        request,
        "referrals/new.html",
        {"form": form, "choices": choices, "question": question, "to_ido": actor.organisation.kind != "library"},
    )


def _receiver(actor, request) -> tuple[Organisation, Location | None]:
    receiver = get_object_or_404(Organisation, pk=_pk(request.GET.get("receiver")), is_active=True)
    location = None
    if receiver.kind == OrganisationKind.LIBRARY:
        location = get_object_or_404(
            Location, pk=_pk(request.GET.get("location")), library=receiver, status=LocationStatus.OPEN
        )
    return receiver, location


@permission_required("referrals.create")
def referral_form(request):
    """The referral to one organisation, with the consent text for that organisation on the screen."""
    actor = request.membership
    receiver, receiver_location = _receiver(actor, request)
    topic = get_object_or_404(topics_to_choose(timezone.localdate()), pk=_pk(request.GET.get("topic")))
    question = _question(request, actor)
    own_locations = None
    initial = {}
    if actor.organisation.kind == OrganisationKind.LIBRARY:
        own_locations = Location.objects.filter(library=actor.organisation, status=LocationStatus.OPEN).order_by("name")
        remembered = question.visit.location_id if question else _pk(request.COOKIES.get(LOCATION_COOKIE))
        initial["sender_location"] = remembered or None
    sessions = None
    if receiver.kind == OrganisationKind.LIBRARY and actor.has_perm("courses.view"):
        sessions = course_selectors.sessions_visible_to(actor).filter(
            location__library=receiver, status="open", course__active=True, starts_at__gt=timezone.now()
        )
    form = ReferralForm(
        data=request.POST if request.method == "POST" else None,
        initial=initial,
        locations=own_locations,
        sessions=sessions,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            referral = services.refer(
                actor=actor,
                data=services.ReferralInput(
                    receiver=receiver,
                    receiver_location=receiver_location,
                    topic=topic,
                    reason=data["reason"],
                    tried=data["tried"],
                    urgency=data["urgency"],
                    contact=services.ContactDetails(
                        name=data["name"],
                        phone=data["phone"],
                        email=data["email"],
                        preferred_contact_time=data["preferred_contact_time"],
                    ),
                    consent_given=data["consent"],
                    special_category=data["special_category"],
                    special_consent_given=data["special_consent"],
                    question=question,
                    sender_location=data.get("sender_location"),
                    session=data.get("session"),
                ),
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The referral has been sent to %(receiver)s.") % {"receiver": receiver.name})
            return redirect("referrals:detail", pk=referral.pk)
    return render(
        request,
        "referrals/form.html",
        {
            "form": form,
            "receiver": receiver,
            "receiver_location": receiver_location,
            "topic": topic,
            "question": question,
            "consent_text": services.consent_text(receiver),
            "special_consent_text": services.special_consent_text(),
            "query": request.GET.urlencode(),
        },
    )


@never_cache
@permission_required("referrals.create")
def consent_pdf(request):
    """The consent text for one organisation, printable, to give to the visitor or to sign."""
    receiver, _location = _receiver(request.membership, request)
    response = HttpResponse(documents.consent_pdf(receiver), content_type="application/pdf")
    response["Content-Disposition"] = 'inline; filename="toestemming.pdf"'
    return response


@never_cache
@permission_required("referrals.view")
def referral_detail(request, pk: int):
    """The referral with its timeline. Personal data is shown to the sending and receiving organisation only,
    and reading it is audited."""
    actor = request.membership
    referral = get_object_or_404(selectors.referrals_visible_to(actor), pk=pk)
    services.read_referral(actor=actor, referral=referral)
    side = services.side_of(actor, referral)
    steps = sorted(rules.allowed_transitions(referral.status, side)) if side else []
    if side == rules.RECEIVER and referral.direction == "to_partner" and not actor.has_perm("referrals.respond"):
        steps = []
    return render(
        request,
        "referrals/detail.html",
        {
            "referral": referral,
            "events": referral.events.select_related("organisation"),
            "appointment": _linked_appointment(referral),
            "can_enrol": side == rules.RECEIVER
            and actor.has_perm("courses.enrol")
            and not rules.is_closed(referral.status),
            "steps": [(step, dict(ReferralStatus.choices)[step]) for step in steps],
            "overdue": selectors.is_overdue(referral),
            "is_sender": side == rules.SENDER,
            "can_handle_requests": actor.has_perm("referrals.subject_requests"),
        },
    )


def _linked_appointment(referral):
    """The appointment booked in the same flow, with its hour and place (None when there is none)."""
    if referral.appointment_id is None:
        return None
    return Appointment.objects.select_related("slot__consultation_hour__location").get(pk=referral.appointment_id)


@require_POST
@permission_required("referrals.view")
def referral_move(request, pk: int):
    actor = request.membership
    referral = get_object_or_404(selectors.referrals_visible_to(actor), pk=pk)
    form = MoveForm(data=request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a step."))
        return redirect("referrals:detail", pk=pk)
    try:
        services.move(
            actor=actor, referral=referral, status=form.cleaned_data["status"], note=form.cleaned_data["note"]
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Saved."))
    return redirect("referrals:detail", pk=pk)


BOOKING_WEEKS = 4
BOOKING_SLOTS = 40


@never_cache
@permission_required("appointments.book")
def referral_book(request, pk: int):
    """In the same flow as the referral: a slot in one of the receiver's consultation hours, about the topic when
    the receiver has such hours, else any of them. The appointment is linked to the referral, so both sides see it."""
    actor = request.membership
    referral = get_object_or_404(selectors.referrals_visible_to(actor), pk=pk)
    if services.side_of(actor, referral) != rules.SENDER or referral.direction != "to_partner":
        raise PermissionDenied
    today = timezone.localdate()
    window = {"start": today, "end": today + timedelta(weeks=BOOKING_WEEKS, days=-1), "provider": referral.receiver}
    found = search.free_slots(actor, topic=referral.topic, limit=BOOKING_SLOTS, **window)
    about_topic = bool(found)
    if not found:
        found = search.free_slots(actor, limit=BOOKING_SLOTS, **window)
    # What the visitor agreed to share with the receiver fills the booking in; the consent for a reminder is asked
    # again, as the booking form always does.
    shared = referral.consent_given_at is not None and referral.personal_data_deleted_at is None
    form = ReferralBookingForm(
        data=request.POST if request.method == "POST" else None,
        initial={"name": referral.name[:40], "phone": referral.phone, "email": referral.email} if shared else {},
        found=found,
    )
    if request.method == "POST" and form.is_valid() and not rules.is_closed(referral.status):
        data = form.cleaned_data
        hour_pk, starts_at = data["slot"]
        hour = get_object_or_404(hours_bookable_by(actor), pk=hour_pk)
        try:
            with transaction.atomic():
                appointment = book(
                    actor=actor,
                    consultation_hour=hour,
                    starts_at=starts_at,
                    details=VisitorDetails.from_booking_form(data),
                )
                services.attach_appointment(actor=actor, referral=referral, appointment=appointment)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The appointment has been booked."))
            return redirect("referrals:detail", pk=referral.pk)
    return render(
        request,
        "referrals/book.html",
        {
            "referral": referral,
            "form": form,
            "found": found,
            "about_topic": about_topic,
            "closed": rules.is_closed(referral.status),
            "consent_text": booking_consent_text(),
        },
    )


@require_POST
@permission_required("referrals.view")
def referral_withdraw_consent(request, pk: int):
    referral = get_object_or_404(selectors.referrals_visible_to(request.membership), pk=pk)
    services.withdraw_consent(actor=request.membership, referral=referral)
    messages.success(request, _("Consent withdrawn: the visitor's personal data has been deleted."))
    return redirect("referrals:detail", pk=pk)


@never_cache
@permission_required("referrals.subject_requests")
def referral_export(request, pk: int):
    """Everything held about the person of this referral (a data subject request), as JSON."""
    referral = get_object_or_404(selectors.referrals_visible_to(request.membership), pk=pk)
    data = services.export_subject_data(actor=request.membership, referral=referral)
    response = HttpResponse(json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="doorverwijzing-{referral.pk}.json"'
    return response


@never_cache
@permission_required("referrals.subject_requests")
def referral_export_pdf(request, pk: int):
    """The same as the JSON export, on paper: to hand to the person who asked."""
    referral = get_object_or_404(selectors.referrals_visible_to(request.membership), pk=pk)
    data = services.export_subject_data(actor=request.membership, referral=referral)
    response = HttpResponse(documents.subject_data_pdf(data), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="doorverwijzing-{referral.pk}.pdf"'
    return response


@require_POST
@permission_required("referrals.subject_requests")
def referral_erase(request, pk: int):
    referral = get_object_or_404(selectors.referrals_visible_to(request.membership), pk=pk)
    services.erase_subject_data(actor=request.membership, referral=referral)
    messages.success(request, _("The person's data of this referral has been erased."))
    return redirect("referrals:detail", pk=pk)


@permission_required("referrals.figures")
def referral_figures(request):
    """Anonymous figures: by partner and topic, acceptance rate, time to the first reaction, outcomes."""
    today = timezone.localdate()
    start = today.replace(month=1, day=1)
    data = selectors.figures(request.membership, start, today)
    return render(request, "referrals/figures.html", {"figures": data, "start": start, "end": today})
