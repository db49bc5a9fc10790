"""Writes for warm referrals: typed, atomic, audited. Personal data only with consent; every state change is an
event with a dotted name; deletion keeps the anonymous skeleton."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ido.core import audit
from ido.courses import rules as course_rules
from ido.courses.models import Session, SessionStatus
from ido.locations.models import Location
from ido.organisations.models import Organisation, OrganisationKind
from ido.referrals import network_selectors, rules
from ido.referrals.models import Direction, Referral, ReferralAgreement, ReferralEvent, ReferralStatus, Urgency
from ido.registrations.models import Question, Topic
from ido.registrations.services import check_note

MAX_REASON_LENGTH = 300
MAX_TRIED_LENGTH = 500
PERSONAL_FIELDS = ("reason", "tried", "name", "phone", "email", "preferred_contact_time")


def retention_days() -> int:
    return int(settings.IDO_REFERRAL_RETENTION_DAYS)


def consent_text(receiver: Organisation) -> str:
    """What the visitor agrees to, in plain Dutch (B1): what is shared, with whom, why and for how long. The exact
    text shown is stored with the referral."""
    return _(
        "We give your name and your phone number or e-mail address to %(receiver)s, with your question in a few "
        "words. Then %(receiver)s can contact you about your question. Only %(receiver)s and we can see these "
        "details. We delete them %(days)s days after your question is dealt with. You can change your mind at any "
        "time: then we delete them at once. Do you agree?"
    ) % {"receiver": receiver.name, "days": retention_days()}


def special_consent_text() -> str:
    """The extra, written consent the legal advice asks for special personal data (health, religion, …)."""
    return _(
        "Your question is also about your health or another very personal matter. We only pass that on if you "
        "agree to it separately. You can say no: we will still refer you. Do you agree that we share it?"
    )


@dataclass(frozen=True)
class ContactDetails:
    name: str = ""
    phone: str = ""
    email: str = ""
    preferred_contact_time: str = ""

    @property
    def given(self) -> bool:
        return any(value.strip() for value in (self.name, self.phone, self.email, self.preferred_contact_time))


@dataclass(frozen=True)
class ReferralInput:
    receiver: Organisation
    topic: Topic
    reason: str
    tried: str = ""
    urgency: str = Urgency.NORMAL
    contact: ContactDetails = ContactDetails()
    consent_given: bool = False
    special_category: bool = False
    special_consent_given: bool = False
    question: Question | None = None
    sender_location: Location | None = None
    receiver_location: Location | None = None
    session: Session | None = None  # a course proposed to the IDO


def agreements_in_force(library: Organisation, *, on=None):
    """The referral agreements of a library that are valid on a day."""
    return network_selectors.in_force(ReferralAgreement.objects.filter(library=library), on or timezone.localdate())


def agreement_for(library: Organisation, partner: Organisation, topic: Topic, *, location=None, on=None):
    """The agreement in force that lets this library (at this location) refer this topic to this partner; the
    fastest when there are several."""
    agreements = network_selectors.valid_agreements(library, topic, on, location=location).filter(partner=partner)
    return agreements.order_by("response_days", "pk").first()


def _check_texts(data: ReferralInput) -> tuple[str, str]:
    reason, tried = data.reason.strip(), data.tried.strip()
    if not reason:
        raise ValidationError({"reason": _("Say in a few words what the visitor needs help with.")})
    if len(reason) > MAX_REASON_LENGTH:
        raise ValidationError({"reason": _("A few words are enough (at most 300 characters).")})
    if len(tried) > MAX_TRIED_LENGTH:
        raise ValidationError({"tried": _("At most 500 characters.")})
    check_note(reason, field="reason")
    check_note(tried, field="tried")
    return reason, tried


def _check_consent(data: ReferralInput) -> None:
    if data.contact.given and not data.consent_given:
        raise ValidationError(
            {"consent": _("Contact details are only passed on when the visitor agrees. Ask, or leave them empty.")}
        )
    if data.consent_given and not (data.contact.phone.strip() or data.contact.email.strip()):
        raise ValidationError(
            {"phone": _("Give a phone number or e-mail address, so the organisation can contact the visitor.")}
        )
    if data.special_category and not data.special_consent_given:
        raise ValidationError(
            {"special_consent": _("Special personal data needs the visitor's separate consent. Ask it, or untick.")}
        )
    for field, value in (("name", data.contact.name), ("preferred_contact_time", data.contact.preferred_contact_time)):
        if any(finding.kind == "bsn" for finding in _findings(value)):
            raise ValidationError({field: _("Never a BSN.")})


def _findings(text: str):
    from ido.registrations.personal_data import find_personal_data

    return find_personal_data(text)


def _sides(actor, data: ReferralInput) -> tuple[str, ReferralAgreement | None]:
    """Which way the referral goes, and the agreement that allows it."""
    kind = actor.organisation.kind
    if kind == OrganisationKind.LIBRARY:
        if data.receiver.kind != OrganisationKind.PARTNER or not data.receiver.is_active:
            raise ValidationError({"receiver": _("Refer to an active partner organisation.")})
        agreement = agreement_for(actor.organisation, data.receiver, data.topic, location=data.sender_location)
        if agreement is None:
            raise ValidationError(
                {"receiver": _("Your library has no referral agreement with this organisation for this topic.")}
            )
        return Direction.TO_PARTNER, agreement
    # A partner or a municipal counter refers a citizen to an IDO location.
    location = data.receiver_location
    if location is None or location.library_id != data.receiver.pk:
        raise ValidationError({"receiver_location": _("Choose the IDO location the visitor will go to.")})
    if kind == OrganisationKind.MUNICIPALITY:
        if not data.receiver.served_municipalities.filter(pk=actor.organisation.municipality_id).exists():
            raise ValidationError({"receiver": _("This library does not serve your municipality.")})
        return Direction.TO_IDO, None
    if kind == OrganisationKind.PARTNER:
        if not agreements_in_force(data.receiver).filter(partner=actor.organisation).exists():
            raise ValidationError({"receiver": _("Your organisation has no referral agreement with this library.")})
        return Direction.TO_IDO, None
    raise PermissionDenied


def _check_session(data: ReferralInput, direction: str, now: datetime) -> None:
    """A proposed course: only into an IDO, a session at one of that library's locations that still takes people
    (on its waitlist too)."""
    session = data.session
    assert session is not None
    if direction != Direction.TO_IDO or session.location.library_id != data.receiver.pk:
        raise ValidationError({"session": _("Propose a course of the library you refer to.")})
    refusal = course_rules.enrolment_refusal(
        cancelled=session.status == SessionStatus.CANCELLED, starts_at=session.starts_at, now=now
    )
    if refusal is not None or not session.course.active:
        raise ValidationError({"session": _("This course no longer takes people. Choose another, or none.")})


def _event(
    referral: Referral, name: str, *, actor, now: datetime, note: str = "", is_step: bool = True
) -> ReferralEvent:
    """One line of the timeline. `is_step`: the event moved the status (a deletion or a reminder does not)."""
    return ReferralEvent.objects.create(
        referral=referral,
        name=name,
        status=referral.status if is_step else "",
        at=now,
        organisation=getattr(actor, "organisation", None),
        user=getattr(actor, "user", None),
        note=note,
    )


def _mailbox(referral: Referral) -> str:
    """The receiver's shared mailbox: the agreement's, while the agreement is still with this receiver."""
    agreement = referral.agreement
    if agreement is not None and agreement.partner_id == referral.receiver_id and agreement.notification_email:
        return agreement.notification_email
    return referral.receiver.email


def _notify_receiver(referral_id: int) -> None:
    """Tell the receiver's shared mailbox a referral is waiting: no personal data in the e-mail, only a link."""
    referral = Referral.objects.select_related("receiver", "agreement", "topic").get(pk=referral_id)
    address = _mailbox(referral)
    if not address:
        return
    context = {"referral": referral, "link": settings.IDO_BASE_URL + reverse("referrals:detail", args=[referral.pk])}
    send_mail(
        subject=render_to_string("referrals/email/new_subject.txt", context).strip(),
        message=render_to_string("referrals/email/new.txt", context),
        from_email=None,
        recipient_list=[address],
    )


@transaction.atomic
def refer(*, actor, data: ReferralInput, now: datetime | None = None) -> Referral:
    """Create a referral: from the desk to a partner with an agreement for the topic, or from a partner or the
    municipality to an IDO location. Contact details only with consent; the consent text shown is stored."""
    now = now or timezone.now()
    if not actor.has_perm("referrals.create"):
        raise PermissionDenied
    reason, tried = _check_texts(data)
    _check_consent(data)
    direction, agreement = _sides(actor, data)
    if data.question is not None and data.question.library_id != actor.organisation.pk:
        raise PermissionDenied
    if data.sender_location is not None and data.sender_location.library_id != actor.organisation.pk:
        raise PermissionDenied
    if data.session is not None:
        _check_session(data, direction, now)
    has_contact = data.consent_given
    referral = Referral.objects.create(
        direction=direction,
        sender=actor.organisation,
        sender_location=data.sender_location,
        receiver=data.receiver,
        receiver_location=data.receiver_location,
        session=data.session,
        agreement=agreement,
        question=data.question,
        topic=data.topic,
        urgency=data.urgency,
        status=ReferralStatus.SENT,
        reason=reason,
        tried=tried,
        name=data.contact.name.strip() if has_contact else "",
        phone=data.contact.phone.strip() if has_contact else "",
        email=data.contact.email.strip() if has_contact else "",
        preferred_contact_time=data.contact.preferred_contact_time.strip() if has_contact else "",
        consent_text=consent_text(data.receiver) if has_contact else "",
        consent_given_at=now if has_contact else None,
        special_category=data.special_category,
        special_consent_text=special_consent_text() if data.special_category else "",
        special_consent_given_at=now if data.special_category else None,
        created_by=actor.user,
        response_due_at=rules.response_deadline(now, agreement.response_days) if agreement else None,
        status_changed_at=now,
    )
    _event(referral, "referrals.referral.sent", actor=actor, now=now)
    audit.record(
        actor=actor.user,
        organisation=actor.organisation,
        action="referrals.referral.sent",
        target=referral,
        detail={"receiver": data.receiver.pk, "topic": data.topic.code, "with_contact": has_contact},
    )
    transaction.on_commit(lambda: _notify_receiver(referral.pk))
    return referral


def side_of(actor, referral: Referral) -> str | None:
    if actor.organisation.pk == referral.receiver_id:
        return rules.RECEIVER
    if actor.organisation.pk == referral.sender_id:
        return rules.SENDER
    return None


EVENT_NAMES = {status: f"referrals.referral.{status}" for status in ReferralStatus.values}


@transaction.atomic
def move(*, actor, referral: Referral, status: str, note: str = "", now: datetime | None = None) -> Referral:
    """One step of the referral: the receiver accepts, declines (with a reason) and records what happened; the
    sender can withdraw an open referral. Any other step is refused and changes nothing."""
    now = now or timezone.now()
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    side = side_of(actor, referral)
    if side is None:
        raise PermissionDenied
    if side == rules.RECEIVER and not actor.has_perm("referrals.respond") and referral.direction == "to_partner":
        raise PermissionDenied
    if not rules.may_move(referral.status, status, side):
        raise ValidationError(
            {
                "status": _("This step is not possible now: the referral is “%(current)s”.")
                % {"current": referral.get_status_display()}
            }
        )
    if (
        status == ReferralStatus.ACCEPTED
        and referral.direction == Direction.TO_PARTNER
        and agreement_for(referral.sender, referral.receiver, referral.topic, location=referral.sender_location) is None
    ):
        raise ValidationError(
            {"status": _("There is no referral agreement in force for this any more. Decline it, with a reason.")}
        )
    note = note.strip()
    if rules.needs_reason(status) and not note:
        raise ValidationError({"note": _("Say why, so the IDO can refer the visitor elsewhere.")})
    if note:
        check_note(note, field="note")
    referral.status = status
    referral.status_changed_at = now
    fields = ["status", "status_changed_at"]
    if side == rules.RECEIVER and referral.first_reaction_at is None:
        referral.first_reaction_at = now
        fields.append("first_reaction_at")
    if rules.is_closed(status):
        referral.closed_at = now
        fields.append("closed_at")
    referral.save(update_fields=fields)
    _event(referral, EVENT_NAMES[status], actor=actor, now=now, note=note)
    audit.record(actor=actor.user, organisation=actor.organisation, action=EVENT_NAMES[status], target=referral)
    return referral


@transaction.atomic
def attach_appointment(*, actor, referral: Referral, appointment, now: datetime | None = None) -> Referral:
    """The desk booked a slot in the receiver's consultation hour for the referred visitor: both sides see it on
    the referral. Only the sender, only while the referral is open, only an appointment with the receiver."""
    now = now or timezone.now()
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    if side_of(actor, referral) != rules.SENDER or referral.direction != Direction.TO_PARTNER:
        raise PermissionDenied
    if rules.is_closed(referral.status):
        raise ValidationError({"slot": _("This referral is closed: an appointment can no longer be linked to it.")})
    if appointment.slot.consultation_hour.provider_id != referral.receiver_id:
        raise ValidationError(
            {"slot": _("This consultation hour is not one of %(receiver)s.") % {"receiver": referral.receiver.name}}
        )
    referral.appointment = appointment
    referral.save(update_fields=["appointment"])
    _event(referral, "referrals.referral.appointment_booked", actor=actor, now=now, is_step=False)
    audit.record(
        actor=actor.user,
        organisation=actor.organisation,
        action="referrals.referral.appointment_booked",
        target=referral,
    )
    return referral


def record_enrolment(*, actor, referral: Referral, now: datetime, waitlisted: bool = False) -> None:
    """The IDO enrolled the referred visitor in a course, or put them on its waitlist (courses.services.enrol
    calls this in its transaction): a line on the timeline, which the referring organisation sees too."""
    if referral.receiver_id != getattr(getattr(actor, "organisation", None), "pk", None):
        raise PermissionDenied
    name = "referrals.referral.waitlisted" if waitlisted else "referrals.referral.enrolled"
    _event(referral, name, actor=actor, now=now, is_step=False)


def note_enrolment_from_waitlist(*, referral_id: int, now: datetime) -> None:
    """The referred visitor took a freed place in the course (by their own link or through the desk)."""
    referral = Referral.objects.filter(pk=referral_id).first()
    if referral is not None:
        ReferralEvent.objects.create(referral=referral, name="referrals.referral.enrolled", status="", at=now)


def _clear_personal_data(referral_ids, now: datetime) -> int:
    count = Referral.objects.filter(pk__in=referral_ids, personal_data_deleted_at__isnull=True).update(
        **dict.fromkeys(PERSONAL_FIELDS, ""),
        consent_text="",
        special_consent_text="",
        special_category=False,
        personal_data_deleted_at=now,
    )
    ReferralEvent.objects.filter(referral_id__in=referral_ids).exclude(note="").update(note="")
    return count


@transaction.atomic
def withdraw_consent(*, actor, referral: Referral, now: datetime | None = None) -> Referral:
    """The visitor changes their mind: the personal data goes at once; an open referral is withdrawn, since
    nobody can contact the visitor any more."""
    now = now or timezone.now()
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    if side_of(actor, referral) is None:
        raise PermissionDenied
    referral.consent_withdrawn_at = now
    referral.save(update_fields=["consent_withdrawn_at"])
    _clear_personal_data([referral.pk], now)
    if not rules.is_closed(referral.status):
        referral.status = ReferralStatus.WITHDRAWN
        referral.status_changed_at = referral.closed_at = now
        referral.save(update_fields=["status", "status_changed_at", "closed_at"])
    _event(referral, "referrals.referral.consent_withdrawn", actor=actor, now=now, is_step=False)
    audit.record(
        actor=actor.user,
        organisation=actor.organisation,
        action="referrals.referral.consent_withdrawn",
        target=referral,
    )
    referral.refresh_from_db()
    return referral


@transaction.atomic
def delete_expired_personal_data(*, now: datetime | None = None) -> int:
    """Remove the personal data of referrals closed more than the retention period ago. Safe to run again: a
    referral already cleared is left alone. The skeleton (topic, organisations, dates, outcome) stays."""
    now = now or timezone.now()
    cut_off = now - timedelta(days=retention_days())
    # Closed long enough ago; or never closed (a partner that never reacted) and older than the longest a
    # referral may stay open.
    too_old = now - timedelta(days=settings.IDO_REFERRAL_MAX_OPEN_DAYS)
    expired = list(
        Referral.objects.filter(Q(closed_at__lt=cut_off) | Q(closed_at__isnull=True, created_at__lt=too_old))
        .filter(personal_data_deleted_at__isnull=True)
        .values_list("pk", flat=True)
    )
    count = _clear_personal_data(expired, now) if expired else 0
    ReferralEvent.objects.filter(referral__closed_at__lt=cut_off).exclude(note="").update(note="")
    if count:
        audit.record(
            actor=None,
            action="referrals.personal_data.deleted",
            detail={"referrals": count, "retention_days": retention_days()},
        )
    return count


def read_referral(*, actor, referral: Referral) -> Referral:
    """Personal data of a referral is read through here, so every reading is in the audit trail."""
    # The reason and what was tried count too: they are about the person even without contact details.
    if referral.personal_data_deleted_at is None:
        audit.record(
            actor=actor.user, organisation=actor.organisation, action="referrals.referral.read", target=referral
        )
    return referral


def remind_overdue(*, now: datetime | None = None) -> int:
    """Remind the partner once when the agreed reaction time passed without a reaction. The reminder is claimed
    with a conditional update first, so a second run (or a second worker) sends nothing."""
    now = now or timezone.now()
    due = Referral.objects.filter(
        status=ReferralStatus.SENT,
        first_reaction_at__isnull=True,
        response_due_at__lt=now,
        reminder_sent_at__isnull=True,
    ).values_list("pk", flat=True)
    sent = 0
    for pk in list(due):
        claimed = Referral.objects.filter(
            pk=pk, reminder_sent_at__isnull=True, status=ReferralStatus.SENT, first_reaction_at__isnull=True
        ).update(reminder_sent_at=now)
        if not claimed:
            continue
        referral = Referral.objects.select_related("receiver", "agreement", "topic").get(pk=pk)
        ReferralEvent.objects.create(referral=referral, name="referrals.referral.overdue", status="", at=now)
        address = _mailbox(referral)
        if address:
            context = {
                "referral": referral,
                "link": settings.IDO_BASE_URL + reverse("referrals:detail", args=[referral.pk]),
            }
            send_mail(
                subject=render_to_string("referrals/email/overdue_subject.txt", context).strip(),
                message=render_to_string("referrals/email/overdue.txt", context),
                from_email=None,
                recipient_list=[address],
            )
        sent += 1
    return sent


def export_subject_data(*, actor, referral: Referral) -> dict[str, Any]:
    """Everything held about the person of one referral (a data subject request), for the coordinator of the
    sending or receiving organisation. Audited."""
    if not actor.has_perm("referrals.subject_requests") or side_of(actor, referral) is None:
        raise PermissionDenied
    referral = Referral.objects.select_related("sender", "receiver", "topic").get(pk=referral.pk)  # as stored now
    audit.record(
        actor=actor.user, organisation=actor.organisation, action="referrals.referral.exported", target=referral
    )
    return {
        "referral": referral.pk,
        "sent_at": referral.created_at.isoformat(),
        "referred_by": referral.sender.name,
        "referred_to": referral.receiver.name,
        "topic": referral.topic.label,
        "status": referral.status,
        "status_label": referral.get_status_display(),
        "personal_data": {field: getattr(referral, field) for field in PERSONAL_FIELDS},
        "consent": {
            "text": referral.consent_text,
            "given_at": referral.consent_given_at.isoformat() if referral.consent_given_at else None,
            "special_category": referral.special_category,
            "special_text": referral.special_consent_text,
            "withdrawn_at": referral.consent_withdrawn_at.isoformat() if referral.consent_withdrawn_at else None,
        },
        "timeline": [
            {
                "event": event.name,
                "label": str(event.label),
                "status": event.status,
                "at": event.at.isoformat(),
                "note": event.note,
            }
            for event in referral.events.all()
        ],
        "personal_data_deleted_at": (
            referral.personal_data_deleted_at.isoformat() if referral.personal_data_deleted_at else None
        ),
    }


@transaction.atomic
def erase_subject_data(*, actor, referral: Referral, now: datetime | None = None) -> Referral:
    """Erase the person's data of one referral on request; the anonymous skeleton stays."""
    now = now or timezone.now()
    if not actor.has_perm("referrals.subject_requests") or side_of(actor, referral) is None:
        raise PermissionDenied
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    _clear_personal_data([referral.pk], now)
    # Nobody can contact the person any more: an open referral is withdrawn, so no later note lands on it.
    if not rules.is_closed(referral.status):
        referral.status = ReferralStatus.WITHDRAWN
        referral.status_changed_at = referral.closed_at = now
        referral.save(update_fields=["status", "status_changed_at", "closed_at"])
    _event(referral, "referrals.referral.erased", actor=actor, now=now, is_step=False)
    audit.record(actor=actor.user, organisation=actor.organisation, action="referrals.referral.erased", target=referral)
    referral.refresh_from_db()
    return referral
