"""The staff pages that manage courses: the catalogue, a course and its sessions, planning a session, the session
page (meetings, people, waitlist, offers, figures) and the teacher's attendance list.

Everyone with `courses.view` sees the catalogue and the dates and places of sessions (public facts). The people in
a session are personal data: only who manages the session or marks its attendance sees them, and every reading
is audited (`services.read_enrolments`)."""

import phonenumbers
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ido.core.access import permission_required
from ido.core.forms import apply_validation_error
from ido.courses import rules, selectors, services
from ido.courses.forms import (
    AttendanceForm,
    CancelSessionForm,
    CapacityForm,
    CatalogueFilterForm,
    CourseForm,
    RescheduleForm,
    SessionForm,
    WaitlistMoveForm,
    default_first_date,
)
from ido.courses.models import Attendance, EnrolmentStatus, Meeting, Session, SessionStatus
from ido.courses.notifications import channels_of

CATALOGUE_PAGE_SIZE = 25


def _bound(request):
    return request.POST if request.method == "POST" else None


# --- The catalogue and its courses ------------------------------------------------------------------------------


@permission_required("courses.view")
def catalogue(request):
    """The courses with their upcoming sessions and free places: a fixed number of queries per page."""
    actor = request.membership
    form = CatalogueFilterForm(data=request.GET or None)
    upcoming = (
        Session.objects.filter(status=SessionStatus.OPEN, starts_at__gt=timezone.now())
        .select_related("location")
        .order_by("starts_at", "pk")
    )
    courses = form.filter(selectors.catalogue(actor)).prefetch_related(
        Prefetch("sessions", queryset=upcoming, to_attr="upcoming_sessions")
    )
    page = Paginator(courses, CATALOGUE_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "courses/catalogue.html",
        {"form": form, "page": page, "courses": page.object_list, "filtered": form.is_bound},
    )


@permission_required("courses.manage")
def course_new(request):
    form = CourseForm(data=_bound(request))
    if request.method == "POST" and form.is_valid():
        try:
            course = services.create_course(actor=request.membership, data=form.course_input())
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The course “%(title)s” has been added.") % {"title": course.title})
            return redirect("courses:course", pk=course.pk)
    return render(request, "courses/course_form.html", {"form": form, "course": None})


@permission_required("courses.manage")
def course_edit(request, pk: int):
    """Only the provider's own courses (another organisation's course is not found)."""
    actor = request.membership
    course = get_object_or_404(selectors.courses_manageable_by(actor), pk=pk)
    form = CourseForm(data=_bound(request), initial=CourseForm.initial_for(course))
    if request.method == "POST" and form.is_valid():
        try:
            services.update_course(actor=actor, course=course, data=form.course_input())
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The course has been changed."))
            return redirect("courses:course", pk=course.pk)
    return render(request, "courses/course_form.html", {"form": form, "course": course})


@permission_required("courses.view")
def course_detail(request, pk: int):
    """A course with its sessions: the coming ones first, then the past ones (latest first)."""
    actor = request.membership
    course = get_object_or_404(selectors.catalogue(actor), pk=pk)
    now = timezone.now()
    sessions = list(selectors.sessions_visible_to(actor).filter(course=course).order_by("starts_at", "pk"))
    past = [session for session in sessions if session.ends_at is not None and session.ends_at < now]
    return render(
        request,
        "courses/course_detail.html",
        {
            "course": course,
            "upcoming": [session for session in sessions if session not in past],
            "past": past[::-1],
            "can_manage": selectors.courses_manageable_by(actor).filter(pk=course.pk).exists(),
        },
    )


# --- Sessions ----------------------------------------------------------------------------------------------------


@permission_required("courses.manage")
def session_new(request, pk: int):
    """Plan a run of one of the actor's own courses, its meetings generated from a weekly rhythm."""
    actor = request.membership
    course = get_object_or_404(selectors.courses_manageable_by(actor), pk=pk)
    form = SessionForm(
        data=_bound(request),
        locations=selectors.session_locations_for(actor).order_by("name"),
        initial={"first_date": default_first_date()},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            session = services.create_session(
                actor=actor,
                course=course,
                location=data["location"],
                capacity=data["capacity"],
                meetings=form.meetings(),
                teacher=data["teacher"],
                offer_hours=data["offer_hours"],
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The session has been planned."))
            return redirect("courses:session", pk=session.pk)
    no_locations = not form.fields["location"].queryset.exists()
    return render(request, "courses/session_form.html", {"form": form, "course": course, "no_locations": no_locations})


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class _SessionForms:
    """The forms on the session page for those who manage it; the one that was posted is bound."""

    def __init__(self, session: Session):
        self.capacity = CapacityForm(prefix="capacity", initial={"capacity": session.capacity})
        self.cancel = CancelSessionForm(prefix="cancel")
        self.moves: dict[int, WaitlistMoveForm] = {}

    def move(self, enrolment, position: int) -> WaitlistMoveForm:
        """The form of one waitlist entry (its prefix keeps the ids on the page unique)."""
        if enrolment.pk not in self.moves:
            self.moves[enrolment.pk] = WaitlistMoveForm(prefix=f"move-{enrolment.pk}", initial={"position": position})
        return self.moves[enrolment.pk]


def _session_action(request, session: Session, forms: _SessionForms) -> bool:
    """Run the change posted on the session page. True: answer with a redirect (a message says what happened);
    False: show the page again with the errors on the posted form, nothing changed."""
    actor, action = request.membership, request.POST.get("action")
    if action == "capacity":
        form = forms.capacity = CapacityForm(request.POST, prefix="capacity")
    elif action == "cancel":
        form = forms.cancel = CancelSessionForm(request.POST, prefix="cancel")
    elif action == "move":
        enrolment = selectors.waitlist(session).filter(pk=_int(request.POST.get("enrolment"))).first()
        if enrolment is None:  # offered a place or gone meanwhile
            messages.error(request, _("This person is not on the waitlist."))
            return True
        form = forms.moves[enrolment.pk] = WaitlistMoveForm(request.POST, prefix=f"move-{enrolment.pk}")
    else:
        raise Http404
    if not form.is_valid():
        return False
    data = form.cleaned_data
    try:
        if action == "capacity":
            offers_before = session.enrolments.filter(status=EnrolmentStatus.OFFERED).count()
            services.change_capacity(actor=actor, session=session, capacity=data["capacity"])
            offered = session.enrolments.filter(status=EnrolmentStatus.OFFERED).count() - offers_before
            done = _("The session now has %(capacity)s places.") % {"capacity": data["capacity"]}
            if offered > 0:
                done += " " + ngettext(
                    "%(count)s person on the waitlist has been offered a place.",
                    "%(count)s people on the waitlist have been offered a place.",
                    offered,
                ) % {"count": offered}
        elif action == "cancel":
            services.cancel_session(actor=actor, session=session, reason=data["reason"])
            done = _("The session has been cancelled. Everyone in it and on its waitlist is told.")
        else:
            services.move_on_waitlist(
                actor=actor, enrolment=enrolment, position=data["position"], reason=data["reason"]
            )
            done = _("The waitlist has been changed.")
    except ValidationError as error:
        apply_validation_error(form, error)
        return False
    messages.success(request, done)
    return True


@permission_required("courses.view")
def session_detail(request, pk: int):
    """A session for staff. Its dates and places for everyone; the people, the waitlist, the offers and the forms
    only for who manages the session or marks its attendance."""
    actor = request.membership
    session = get_object_or_404(selectors.sessions_visible_to(actor), pk=pk)
    can_manage = selectors.sessions_manageable_by(actor).filter(pk=session.pk).exists()
    can_mark = selectors.meetings_markable_by(actor).filter(session=session).exists()
    forms = _SessionForms(session)
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied
        if _session_action(request, session, forms):
            return redirect("courses:session", pk=session.pk)
    now = timezone.now()
    context = {
        "session": session,
        "course": session.course,
        "now": now,
        "can_manage": can_manage,
        "can_mark": can_mark,
        "sees_people": can_manage or can_mark,
        "is_open": session.status == SessionStatus.OPEN,
        # Enrolment and the waitlist close at the first meeting; changes stop once the last one has ended.
        "not_started": session.starts_at is not None and session.starts_at > now,
        "not_ended": session.ends_at is None or session.ends_at > now,
        "forms": forms,
        "meetings": session.meetings.annotate(
            marked=Count("attendances"), came=Count("attendances", filter=Q(attendances__present=True))
        ),
    }
    if can_manage or can_mark:
        visible = selectors.enrolments_visible_to(actor).filter(session=session).values("pk")
        holding = list(selectors.participants(session).filter(pk__in=visible))
        waiting = list(selectors.waitlist(session).filter(pk__in=visible))
        services.read_enrolments(actor=actor, enrolments=[*holding, *waiting])
        context |= _people(session, holding, now)
        context["waiting"] = [
            (enrolment, forms.move(enrolment, number)) for number, enrolment in enumerate(waiting, start=1)
        ]
    return render(request, "courses/session_detail.html", context)


def _people(session: Session, holding: list, now) -> dict:
    """Who is in (with attendance and completion) and who holds an offer (with a call task when no message can
    reach them), and the share of marked places where nobody came. A fixed number of queries."""
    counts = selectors.attendance_counts(session, now=now)
    required = session.course.meetings_to_complete
    enrolled = []
    for enrolment in holding:
        if enrolment.status != EnrolmentStatus.ENROLLED:
            continue
        attended, held = counts.get(enrolment.pk, (0, 0))
        completed = rules.is_completed(attended=attended, held=held, required=required)
        enrolled.append({"enrolment": enrolment, "attended": attended, "held": held, "completed": completed})
    offers = [
        {"enrolment": enrolment, "call": not channels_of(enrolment), "phone": _readable_phone(enrolment.phone)}
        for enrolment in holding
        if enrolment.status == EnrolmentStatus.OFFERED
    ]
    marked = Attendance.objects.filter(enrolment__session=session).aggregate(
        expected=Count("pk"), absent=Count("pk", filter=Q(present=False))
    )
    rate = rules.no_show_rate(expected=marked["expected"], absent=marked["absent"])
    return {
        "enrolled": enrolled,
        "offers": offers,
        "marked": marked,
        "no_show_percent": None if rate is None else round(rate * 100),
    }


def _readable_phone(number: str) -> str:
    """A stored phone number (international form) as staff dial it: 030 123 4567 for a Dutch one."""
    try:
        parsed = phonenumbers.parse(number, "NL")
    except phonenumbers.NumberParseException:
        return number
    style = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if parsed.country_code == 31
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(parsed, style)


# --- Meetings ----------------------------------------------------------------------------------------------------


@permission_required("courses.mark")
def attendance(request, pk: int):
    """The teacher's list for one meeting: who came. Marking again corrects it; not before the meeting starts."""
    actor = request.membership
    meeting = get_object_or_404(selectors.meetings_markable_by(actor), pk=pk)
    session = meeting.session
    enrolled = list(
        selectors.enrolments_visible_to(actor)
        .filter(session=session, status=EnrolmentStatus.ENROLLED)
        .order_by("enrolled_at", "pk")
    )
    present = Attendance.objects.filter(meeting=meeting, present=True).values_list("enrolment_id", flat=True)
    form = AttendanceForm(
        data=_bound(request),
        choices=[(enrolment.pk, _attendance_label(enrolment)) for enrolment in enrolled],
        initial={"present": list(present)},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.mark_attendance(actor=actor, meeting=meeting, present=set(form.cleaned_data["present"]))
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(
                request,
                _("Saved: %(came)s of %(enrolled)s came.")
                % {"came": len(form.cleaned_data["present"]), "enrolled": len(enrolled)},
            )
            return redirect("courses:session", pk=session.pk)
    services.read_enrolments(actor=actor, enrolments=enrolled)
    return render(
        request,
        "courses/attendance.html",
        {
            "meeting": meeting,
            "session": session,
            "form": form,
            "enrolled": enrolled,
            "started": meeting.starts_at <= timezone.now(),
            "marked": Attendance.objects.filter(meeting=meeting).exists(),
        },
    )


def _attendance_label(enrolment) -> str:
    name = enrolment.name or _("(name deleted)")
    if enrolment.places == 2:
        return _("%(name)s, with a companion") % {"name": name}
    return name


@permission_required("courses.manage")
def reschedule(request, pk: int):
    """Move a meeting that has not started; everyone in the session is told, with the reason."""
    actor = request.membership
    meeting = get_object_or_404(
        Meeting.objects.select_related("session__course", "session__location").filter(
            session__in=selectors.sessions_manageable_by(actor)
        ),
        pk=pk,
    )
    form = RescheduleForm(data=_bound(request), initial=RescheduleForm.initial_for(meeting))
    if request.method == "POST" and form.is_valid():
        starts_at, ends_at = form.moments()
        try:
            services.reschedule_meeting(
                actor=actor, meeting=meeting, starts_at=starts_at, ends_at=ends_at, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            apply_validation_error(form, _renamed(error, RescheduleForm.SERVICE_FIELDS))
        else:
            messages.success(request, _("The meeting has been moved. Everyone in the session is told."))
            return redirect("courses:session", pk=meeting.session_id)
    return render(
        request,
        "courses/reschedule.html",
        {
            "meeting": meeting,
            "session": meeting.session,
            "form": form,
            "started": meeting.starts_at <= timezone.now(),
            "cancelled": meeting.session.status == SessionStatus.CANCELLED,
        },
    )


def _renamed(error: ValidationError, names: dict[str, str]) -> ValidationError:
    """The same error, with the service's field names replaced by the form's."""
    if not hasattr(error, "error_dict"):
        return error
    return ValidationError({names.get(field, field): errors for field, errors in error.error_dict.items()})
