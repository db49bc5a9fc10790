"""What the API shows and takes for courses, their sessions and enrolments.

The catalogue and the sessions hold no personal data. An enrolment shows the person's first name and contact
details to the organisation that made it, while they are kept (each response that shows them is recorded in the
audit trail); once they are deleted, `person` is null.
"""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ido.api.serializers import MAX_ID
from ido.courses import services as course_services
from ido.courses.models import Course, Enrolment, Meeting, Session
from ido.courses.selectors import sessions_visible_to
from ido.locations.models import LocationStatus


class CourseSerializer(serializers.ModelSerializer):
    """A course in the catalogue. Usually free."""

    provider_name = serializers.CharField(
        source="provider.name", read_only=True, help_text="The library or partner that gives the course."
    )
    description = serializers.CharField(
        read_only=True, help_text="In plain Dutch: what the visitor will be able to do afterwards."
    )
    meetings_to_complete = serializers.IntegerField(
        read_only=True,
        allow_null=True,
        help_text="Completed after at least this many meetings (for example 3 of 4); null: all meetings.",
    )
    public_enrolment = serializers.BooleanField(
        read_only=True, help_text="Citizens can enrol themselves online; otherwise they enrol at the desk."
    )

    class Meta:
        model = Course
        fields = [
            "id",
            "title",
            "description",
            "kind",
            "level",
            "language",
            "device",
            "intake_needed",
            "cost",
            "meetings_to_complete",
            "public_enrolment",
            "provider_name",
        ]
        read_only_fields = fields


class MeetingSerializer(serializers.ModelSerializer):
    """One meeting of a session, at the session's location."""

    class Meta:
        model = Meeting
        fields = ["starts_at", "ends_at"]
        read_only_fields = fields


class CourseSessionSerializer(serializers.ModelSerializer):
    """A run of a course at a location that can still be joined, with its meetings and free places."""

    # Expects `course` and `location` selected and `meetings` prefetched (course_selectors.public_sessions).

    course = serializers.PrimaryKeyRelatedField(read_only=True, help_text="The id of the course.")
    course_title = serializers.CharField(source="course.title", read_only=True)
    location = serializers.PrimaryKeyRelatedField(read_only=True, help_text="The id of the IDO location.")
    location_name = serializers.CharField(source="location.name", read_only=True)
    capacity = serializers.IntegerField(read_only=True, help_text="Places in the session.")
    free = serializers.IntegerField(
        read_only=True,
        help_text="Places still free. 0: the session is full; people can join its waitlist.",
    )
    starts_at = serializers.DateTimeField(read_only=True, help_text="The start of the first meeting.")
    ends_at = serializers.DateTimeField(read_only=True, help_text="The end of the last meeting.")
    meetings = MeetingSerializer(many=True, read_only=True, help_text="Every meeting, in time order.")

    class Meta:
        model = Session
        fields = [
            "id",
            "course",
            "course_title",
            "location",
            "location_name",
            "capacity",
            "free",
            "starts_at",
            "ends_at",
            "meetings",
        ]
        read_only_fields = fields


class EnrolmentInputSerializer(serializers.Serializer):
    """A person enrolled in a session, or put on its waitlist."""

    # Needs `actor` in the context: the session is looked up among the sessions the actor sees.

    session = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        help_text="The id of an open session whose first meeting is still to come (GET /api/v1/course-sessions/).",
    )
    name = serializers.CharField(
        max_length=course_services.MAX_NAME_LENGTH,
        help_text="The person's first name or initials, so the teacher knows whom to expect. No numbers or addresses.",
    )
    phone = serializers.CharField(
        max_length=20,
        allow_blank=True,
        default="",
        help_text="A phone number for the dates, reminders and a freed place, or empty. Only with `consent`.",
    )
    email = serializers.EmailField(
        allow_blank=True,
        default="",
        help_text="An e-mail address for the dates, reminders and a freed place, or empty. Only with `consent`.",
    )
    consent = serializers.BooleanField(
        default=False,
        help_text="true: the person agreed that the phone number or e-mail address is kept for this course and "
        "deleted after it (the text read to them is stored with the enrolment). Contact details without consent "
        "are refused.",
    )
    places = serializers.IntegerField(
        min_value=1, max_value=2, default=1, help_text="1, or 2 when the person comes with a companion."
    )
    waitlist_if_full = serializers.BooleanField(
        default=False,
        help_text="true: when the places are taken, put the person at the end of the waitlist (status "
        "`waitlisted`). false: a full session is refused.",
    )

    def validate_session(self, value: int) -> Session:
        # A cancelled or started session is found here and refused by the service, with its reason.
        sessions = sessions_visible_to(self.context["actor"]).filter(location__status=LocationStatus.OPEN)
        session = sessions.filter(pk=value).first()
        if session is None:
            raise serializers.ValidationError(_("There is no course session with this id that you can enrol into."))
        return session

    def person_details(self) -> course_services.PersonDetails:
        data = self.validated_data
        return course_services.PersonDetails(
            name=data["name"], phone=data["phone"], email=data["email"], consent_given=data["consent"]
        )


class EnrolmentPersonSerializer(serializers.ModelSerializer):
    """The person's details, as the desk or your software recorded them."""

    name = serializers.CharField(read_only=True, help_text="First name or initials.")
    phone = serializers.CharField(read_only=True, help_text="Phone number, or empty.")
    email = serializers.CharField(read_only=True, help_text="E-mail address, or empty.")
    consent_given_at = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text="When the person agreed to keep the contact details, or null."
    )

    class Meta:
        model = Enrolment
        fields = ["name", "phone", "email", "consent_given_at"]
        read_only_fields = fields


class EnrolmentSerializer(serializers.ModelSerializer):
    """An enrolment your organisation made: its status, place on the waitlist or offer, and the person."""

    session = serializers.PrimaryKeyRelatedField(read_only=True, help_text="The id of the course session.")
    places = serializers.IntegerField(read_only=True, help_text="1, or 2 with a companion.")
    waitlist_position = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="The place on the waitlist (1 is first) while waiting, or null."
    )
    waitlisted_at = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text="When the person joined the waitlist, or null."
    )
    offered_at = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text="When a freed place was offered, or null."
    )
    offer_expires_at = serializers.DateTimeField(
        read_only=True,
        allow_null=True,
        help_text="Until when the offered place is kept, or null. Then it goes to the next on the waitlist.",
    )
    enrolled_at = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text="When the person got a place, or null."
    )
    status_changed_at = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text="When the status last changed, or null."
    )
    personal_data_deleted_at = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text="When the person's details were deleted, or null."
    )
    person = serializers.SerializerMethodField(
        help_text="The person's details; null once they are deleted (some time after the session ends). Each "
        "response that shows them is recorded in the audit trail."
    )

    class Meta:
        model = Enrolment
        fields = [
            "id",
            "session",
            "status",
            "places",
            "waitlist_position",
            "source",
            "created_at",
            "waitlisted_at",
            "offered_at",
            "offer_expires_at",
            "enrolled_at",
            "status_changed_at",
            "personal_data_deleted_at",
            "person",
        ]
        read_only_fields = fields

    @extend_schema_field(EnrolmentPersonSerializer(allow_null=True))
    def get_person(self, enrolment: Enrolment) -> dict | None:
        if enrolment.personal_data_deleted_at is not None:
            return None
        return EnrolmentPersonSerializer(enrolment).data
