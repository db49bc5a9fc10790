"""Factories for tests and for the demo data."""

from datetime import time

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from ido.locations.models import Location, LocationStatus, OpeningHours, Staffing
from ido.organisations.models import Membership, Municipality, Organisation, Province
from ido.organisations.roles import OrganisationKind, Role

TEST_PASSWORD = "correct-horse-battery-42"


class MunicipalityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Municipality
        django_get_or_create = ("cbs_code",)

    # Above the real codes (up to GM19xx), and never more than four digits however many tests run in one process
    # (PostgreSQL holds the column to six characters).
    cbs_code = factory.Sequence(lambda n: f"GM{2000 + n % 8000:04d}")
    name = factory.Sequence(lambda n: f"Testgemeente {n}")
    province = Province.UTRECHT


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("email",)

    email = factory.Sequence(lambda n: f"person{n}@example.test")
    name = factory.Faker("name", locale="nl_NL")
    password = factory.django.Password(TEST_PASSWORD)


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    kind = OrganisationKind.PARTNER
    name = factory.Sequence(lambda n: f"Organisatie {n}")


class LibraryFactory(OrganisationFactory):
    class Meta:
        skip_postgeneration_save = True

    kind = OrganisationKind.LIBRARY
    name = factory.Sequence(lambda n: f"Bibliotheek {n}")

    @factory.post_generation
    def served_municipalities(obj, create, extracted, **kwargs):
        if not create:
            return
        obj.served_municipalities.set(extracted if extracted is not None else [MunicipalityFactory()])


class MunicipalityOrganisationFactory(OrganisationFactory):
    kind = OrganisationKind.MUNICIPALITY
    municipality = factory.SubFactory(MunicipalityFactory)
    name = factory.LazyAttribute(lambda o: f"Gemeente {o.municipality.name}")


class NationalBodyFactory(OrganisationFactory):
    kind = OrganisationKind.NATIONAL
    name = factory.Sequence(lambda n: f"Landelijk beheer {n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(LibraryFactory)
    role = Role.DESK


class LocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Location

    library = factory.SubFactory(LibraryFactory)
    municipality = factory.LazyAttribute(lambda o: o.library.served_municipalities.first())
    name = factory.Sequence(lambda n: f"IDO Vestiging {n}")
    street = "Stationsplein"
    house_number = factory.Sequence(lambda n: str(n + 1))
    postcode = "3511 ED"
    city = "Utrecht"
    status = LocationStatus.OPEN
    staffing = Staffing.MIXED
    languages = factory.LazyFunction(lambda: ["nl", "en"])


class OpeningHoursFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OpeningHours

    location = factory.SubFactory(LocationFactory)
    weekday = 0
    opens = time(10, 0)
    closes = time(17, 0)


def membership_for_role(role: str, **kwargs) -> Membership:
    """A membership of `role` in a fresh organisation of the right kind."""
    organisation = kwargs.pop("organisation", None)
    if organisation is None:
        organisation = {
            Role.DESK: LibraryFactory,
            Role.COORDINATOR: LibraryFactory,
            Role.PARTNER_STAFF: OrganisationFactory,
            Role.MUNICIPAL_OFFICER: MunicipalityOrganisationFactory,
            Role.NATIONAL_ADMIN: NationalBodyFactory,
        }[role]()
    return MembershipFactory(role=role, organisation=organisation, **kwargs)


class VisitFactory(factory.django.DjangoModelFactory):
    """A visit with one question (DigiD, explained), as the registration service would store it."""

    class Meta:
        model = "registrations.Visit"
        skip_postgeneration_save = True

    location = factory.SubFactory(LocationFactory)
    library = factory.LazyAttribute(lambda o: o.location.library)
    occurred_at = factory.LazyFunction(timezone.now)
    channel = "walk_in"
    duration_band = "10_20"

    @factory.post_generation
    def questions(obj, create, extracted, **kwargs):
        from ido.registrations.models import HelpGiven, Question, Topic
        from ido.registrations.vocabularies import load_national_vocabularies

        if not create:
            return
        if not Topic.objects.exists():  # a browser test's flush removed what the data migration loaded
            load_national_vocabularies()
        for position, (topic, help_given) in enumerate(extracted or [("digid", "explained")], start=1):
            Question.objects.create(
                visit=obj,
                position=position,
                topic=Topic.objects.get(code=topic),
                help_given=HelpGiven.objects.get(code=help_given),
                location_id=obj.location_id,
                library_id=obj.library_id,
                occurred_at=obj.occurred_at,
            )
