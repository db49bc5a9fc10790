"""`ido demo`: a believable region to try the platform with. Safe to run again: it reuses what exists."""

import logging
import random
import secrets
from datetime import date, time, timedelta
from decimal import Decimal
from io import StringIO
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import BaseCommand, CommandError, call_command
from django.db import transaction
from django.utils import timezone

from ido.appointments import selectors as appointment_selectors
from ido.appointments import services as appointment_services
from ido.courses import rules as course_rules
from ido.courses import services as course_services
from ido.funding import services as funding_services
from ido.locations import services as location_services
from ido.locations.models import Location, LocationStatus, Staffing
from ido.locations.opening_hours import periods_on
from ido.locations.selectors import schedule_for
from ido.organisations import services as organisation_services
from ido.organisations.models import Membership, Municipality, Organisation
from ido.organisations.roles import OrganisationKind, Role
from ido.public import services as public_services
from ido.referrals import network_services
from ido.referrals import services as referral_services
from ido.registrations import services as registration_services
from ido.registrations.models import HelpGiven, Question, ServiceOrganisation, Topic, Visit

User = get_user_model()

NATIONAL_BODY = "Landelijk beheer IDO"
PASSWORD_FILE = "demo-password.txt"

DEMO_USERS = [
    ("desk@demo.test", "Daan de Vries", "Bibliotheek Utrecht", Role.DESK, False),
    ("desk@demo.test", "Daan de Vries", "Bibliotheek Eemland", Role.DESK, True),
    ("coordinator@demo.test", "Carla Jansen", "Bibliotheek Utrecht", Role.COORDINATOR, False),
    ("partner@demo.test", "Priya Bakker", "Buurtteams Utrecht", Role.PARTNER_STAFF, False),
    ("municipality@demo.test", "Mohamed El Amrani", "Gemeente Utrecht", Role.MUNICIPAL_OFFICER, False),
]

LIBRARIES = {
    "Bibliotheek Utrecht": ["GM0344"],
    "Bibliotheek Eemland": ["GM0307", "GM0327"],
}

PARTNERS = [
    ("Belastingdienst", True),
    ("UWV", True),
    ("SVB", True),
    ("DUO", True),
    ("CJIB", True),
    ("Buurtteams Utrecht", False),
    ("Schuldhulpverlening Amersfoort", False),
    ("Humanitas Eemland", False),
]

# Demo components of the grant (inhabitants; inhabitants aged 15–75 with at most vmbo): plausible, not official.
DEMO_COMPONENTS = {
    "GM0344": (374_000, 52_000),
    "GM0307": (160_000, 27_000),
    "GM0327": (30_500, 4_800),
    "GM0356": (64_000, 12_500),
}
WEEKDAY_HOURS = {
    "short": {1: [(10, 0, 12, 30)], 3: [(13, 30, 16, 30)], 5: [(10, 0, 12, 0)]},
    "long": {
        0: [(13, 0, 17, 0)],
        1: [(10, 0, 12, 30), (13, 30, 17, 0)],
        3: [(10, 0, 17, 0)],
        4: [(10, 0, 12, 0)],
    },
    "centre": {2: [(9, 30, 12, 0)]},
}

LOCATIONS = [
    # library, municipality, name, street, number, postcode, city, lat, lon, in library, venue, hours, status
    (
        "Bibliotheek Utrecht",
        "GM0344",
        "IDO Bibliotheek Neude",
        "Neude",
        "11",
        "3512 AE",
        "Utrecht",
        "52.092700",
        "5.119200",
        True,
        "",
        "long",
        LocationStatus.OPEN,
    ),
    (
        "Bibliotheek Utrecht",
        "GM0344",
        "IDO Bibliotheek Overvecht",
        "Zamenhofdreef",
        "7",
        "3562 JW",
        "Utrecht",
        "52.113800",
        "5.111300",
        True,
        "",
        "short",
        LocationStatus.OPEN,
    ),
    (
        "Bibliotheek Utrecht",
        "GM0344",
        "IDO Buurtcentrum De Leeuw",
        "Leeuwstraat",
        "1",
        "3523 AA",
        "Utrecht",
        "52.071500",
        "5.124700",
        False,
        "Buurtcentrum De Leeuw",
        "centre",
        LocationStatus.OPEN,
    ),
    (
        "Bibliotheek Utrecht",
        "GM0344",
        "IDO Bibliotheek Kanaleneiland",
        "Marshallaan",
        "9",
        "3527 TJ",
        "Utrecht",
        "52.068800",
        "5.100900",
        True,
        "",
        "short",
        LocationStatus.PLANNED,
    ),
    (
        "Bibliotheek Eemland",
        "GM0307",
        "IDO Bibliotheek Eemhuis",
        "Coninckstraat",
        "60",
        "3811 WK",
        "Amersfoort",
        "52.157300",
        "5.386800",
        True,
        "",
        "long",
        LocationStatus.OPEN,
    ),
    (
        "Bibliotheek Eemland",
        "GM0307",
        "IDO Bibliotheek Vathorst",
        "Bombaystraat",
        "2",
        "3825 EA",
        "Amersfoort",
        "52.197100",
        "5.428800",
        True,
        "",
        "short",
        LocationStatus.OPEN,
    ),
    (
        "Bibliotheek Eemland",
        "GM0327",
        "IDO Bibliotheek Leusden",
        "Hamersveldseweg",
        "55",
        "3833 GM",
        "Leusden",
        "52.132700",
        "5.430700",
        True,
        "",
        "short",
        LocationStatus.OPEN,
    ),
]


class Command(BaseCommand):
    help = "Load a demo region (municipalities, libraries, locations, partners, users); print the logins."

    def add_arguments(self, parser):
        parser.add_argument("--quiet-logins", action="store_true", help="Do not print the demo logins.")
        parser.add_argument("--force", action="store_true", help="Load the demo even when DEBUG is off.")

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["force"]:
            # Demo accounts have a known password: never on a production site by accident.
            raise CommandError("The demo is for development (DEBUG=true). Use --force to load it anyway.")
        # The demo queues course confirmations; the task runner's log lines would bury the logins printed below.
        logging.getLogger("django_tasks").setLevel(logging.WARNING)
        if not Municipality.objects.exists():
            call_command("import_municipalities", stdout=StringIO())
            self.stdout.write(f"Imported {Municipality.objects.count()} municipalities.")
        password, generated = self._password()
        created = self._build_region()
        self._set_passwords(password)
        if created:
            self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        else:
            self.stdout.write("Demo data was already there; reused it.")
        if not options["quiet_logins"]:
            self._print_logins(password, generated)

    def _password(self) -> tuple[str, bool]:
        if settings.IDO_DEMO_PASSWORD:
            return settings.IDO_DEMO_PASSWORD, False
        path = Path(settings.DATA_DIR) / PASSWORD_FILE
        if path.exists():
            return path.read_text().strip(), False
        password = "demo-" + secrets.token_urlsafe(9)
        path.write_text(password + "\n")
        path.chmod(0o600)
        return password, True

    @transaction.atomic
    def _build_region(self) -> bool:
        if Organisation.objects.filter(kind=OrganisationKind.NATIONAL, name=NATIONAL_BODY).exists():
            return False
        # Bootstrap: the first national administrator cannot be added by a service, as nobody may yet.
        national = Organisation.objects.create(kind=OrganisationKind.NATIONAL, name=NATIONAL_BODY)
        admin_user = User.objects.create_user(email="national@demo.test", name="Noor Visser")
        admin = Membership.objects.create(user=admin_user, organisation=national, role=Role.NATIONAL_ADMIN)

        municipalities = {
            m.cbs_code: m for m in Municipality.objects.filter(cbs_code__in=["GM0344", "GM0307", "GM0327", "GM0356"])
        }
        organisations: dict[str, Organisation] = {}
        for name, codes in LIBRARIES.items():
            organisations[name] = organisation_services.create_organisation(
                actor=admin,
                kind=OrganisationKind.LIBRARY,
                name=name,
                served_municipalities=[municipalities[code] for code in codes],
                email=f"ido@{name.split()[-1].lower()}.bibliotheek.example",
            )
        for code in ["GM0344", "GM0307", "GM0356"]:
            municipality = municipalities[code]
            organisations[f"Gemeente {municipality.name}"] = organisation_services.create_organisation(
                actor=admin,
                kind=OrganisationKind.MUNICIPALITY,
                name=f"Gemeente {municipality.name}",
                municipality=municipality,
            )
        for name, national_partner in PARTNERS:
            organisations[name] = organisation_services.create_organisation(
                actor=admin, kind=OrganisationKind.PARTNER, name=name, is_national_partner=national_partner
            )
        for email, name, organisation, role, volunteer in DEMO_USERS:
            organisation_services.add_member(
                actor=admin,
                organisation=organisations[organisation],
                email=email,
                name=name,
                role=role,
                is_volunteer=volunteer,
                send_invitation=False,
            )
        self._build_locations(admin, organisations, municipalities)
        self._build_registrations()
        self._build_favourites()
        self._build_consultation_hours(organisations)
        self._build_network(organisations)
        self._build_referrals(organisations)
        self._build_courses(organisations)
        self._build_funding(admin, organisations)
        self._build_promotion()
        return True

    def _build_promotion(self) -> None:
        """Utrecht's website may show its IDO widget (and this demo itself, so the widget can be tried out)."""
        officer = Membership.objects.get(user__email="municipality@demo.test")
        for origin in ("https://www.utrecht.nl", "http://localhost:8000"):
            public_services.add_embedding_site(actor=officer, origin=origin)

    def _build_consultation_hours(self, organisations) -> None:
        """A partner hour at a library (the Belastingdienst, Tuesdays) and the IDO's own hour at a community
        centre (every other Thursday), with a few bookings in the coming weeks."""
        coordinator = Membership.objects.get(user__email="coordinator@demo.test")
        today = timezone.localdate()
        hours = [
            appointment_services.create_consultation_hour(
                actor=coordinator,
                location=Location.objects.get(name="IDO Bibliotheek Neude"),
                data=appointment_services.ConsultationHourInput(
                    provider=organisations["Belastingdienst"],
                    title="Belastingspreekuur",
                    frequency="weekly",
                    weekdays=(1,),
                    starts_on=today,
                    start_time=time(13, 0),
                    end_time=time(16, 0),
                    slot_minutes=20,
                    description="Hulp bij de aangifte inkomstenbelasting en bij brieven van de Belastingdienst.",
                    topics=tuple(Topic.objects.filter(code__in=["taxes", "allowances"])),
                    what_to_bring="Uw DigiD (app), brieven van de Belastingdienst, jaaropgaven.",
                ),
            ),
            appointment_services.create_consultation_hour(
                actor=coordinator,
                location=Location.objects.get(name="IDO Buurtcentrum De Leeuw"),
                data=appointment_services.ConsultationHourInput(
                    provider=organisations["Bibliotheek Utrecht"],
                    title="Formulierenspreekuur",
                    frequency="every_other_week",
                    weekdays=(3,),
                    starts_on=today,
                    start_time=time(10, 0),
                    end_time=time(12, 0),
                    slot_minutes=30,
                    capacity=2,
                    description="Vrijwilligers helpen met formulieren van de overheid.",
                    topics=tuple(Topic.objects.filter(code__in=["digid", "mijnoverheid", "pension"])),
                    public_booking=True,
                ),
            ),
        ]
        # The library hosts the neighbourhood team's own hour; the partner adds it itself, citizens book online.
        partner = Membership.objects.get(user__email="partner@demo.test")
        neude = Location.objects.get(name="IDO Bibliotheek Neude")
        appointment_services.agree_to_host(actor=coordinator, location=neude, provider=partner.organisation)
        hours.append(
            appointment_services.create_consultation_hour(
                actor=partner,
                location=neude,
                data=appointment_services.ConsultationHourInput(
                    provider=partner.organisation,
                    title="Spreekuur geldzaken",
                    frequency="monthly_nth_weekday",
                    weekdays=(0,),
                    nth=1,
                    starts_on=today,
                    start_time=time(14, 0),
                    end_time=time(16, 0),
                    slot_minutes=30,
                    book_ahead_days=42,
                    description="Het buurtteam helpt bij rekeningen, betalingsregelingen en toeslagen.",
                    topics=tuple(Topic.objects.filter(code__in=["fines", "allowances", "banking"])),
                    what_to_bring="Brieven over de schuld of de toeslag, en uw bankafschriften.",
                    public_booking=True,
                ),
            )
        )
        desk = Membership.objects.get(user__email="desk@demo.test", organisation__name="Bibliotheek Utrecht")
        now = timezone.now()
        for hour, names in zip(hours, (["A.", "M.B."], ["Fatima"], ["J."]), strict=True):
            free = [
                slot
                for slot in appointment_selectors.slots_with_places(hour, today, today + timedelta(days=21), now=now)
                if slot.bookable
            ]
            for slot, name in zip(free, names, strict=False):
                appointment_services.book(
                    actor=desk,
                    consultation_hour=hour,
                    starts_at=slot.starts_at,
                    details=appointment_services.VisitorDetails(name=name),
                    now=now,
                )

    def _build_network(self, organisations) -> None:
        """The partner directory and the referral agreements of Bibliotheek Utrecht: the neighbourhood team for money
        matters and allowances, the Belastingdienst for taxes, an ended one with the SVB. DigiD, pension and more
        keep no partner in Utrecht, so the municipality's overview shows white spots."""
        national = Membership.objects.get(user__email="national@demo.test")
        partner = Membership.objects.get(user__email="partner@demo.test")
        coordinator = Membership.objects.get(user__email="coordinator@demo.test")
        municipalities = {
            m.cbs_code: m for m in Municipality.objects.filter(cbs_code__in=["GM0344", "GM0307", "GM0327"])
        }

        def topics(*codes):
            return tuple(Topic.objects.filter(code__in=codes))

        network_services.create_partner_service(
            actor=partner,
            organisation=partner.organisation,
            data=network_services.PartnerServiceInput(
                name="Geldzaken en toeslagen",
                description="Hulp bij rekeningen, betalingsregelingen, schulden en toeslagen.",
                topics=topics("fines", "allowances", "banking"),
                municipalities=(municipalities["GM0344"],),
                how_to_reach="Inloop op maandagmiddag in de wijk, of bel voor een afspraak.",
                phone="030 123 4567",
                email="geldzaken@buurtteams.example",
                languages=("nl", "en", "ar", "tr"),
            ),
        )
        for organisation, data in [
            (
                "Belastingdienst",
                network_services.PartnerServiceInput(
                    name="BelastingTelefoon",
                    description="Vragen over aangifte, aanslagen en betalingsregelingen.",
                    topics=topics("taxes", "allowances"),
                    nationwide=True,
                    phone="0800 0543",
                    website="https://www.belastingdienst.nl",
                    languages=("nl", "en"),
                ),
            ),
            (
                "UWV",
                network_services.PartnerServiceInput(
                    name="Hulp bij WW en uitkeringen",
                    topics=topics("work-benefits"),
                    nationwide=True,
                    how_to_reach="Bel of maak een afspraak op een UWV-kantoor.",
                    website="https://www.uwv.nl",
                ),
            ),
            (
                "SVB",
                network_services.PartnerServiceInput(
                    name="AOW en kinderbijslag",
                    topics=topics("pension"),
                    nationwide=True,
                    website="https://www.svb.nl",
                ),
            ),
            (
                "Schuldhulpverlening Amersfoort",
                network_services.PartnerServiceInput(
                    name="Schuldhulp",
                    topics=topics("fines", "banking"),
                    municipalities=(municipalities["GM0307"],),
                    email="schuldhulp@amersfoort.example",
                    languages=("nl",),
                ),
            ),
            (
                "Humanitas Eemland",
                network_services.PartnerServiceInput(
                    name="Thuisadministratie",
                    description="Vrijwilligers helpen thuis met de post en de administratie.",
                    topics=topics("allowances", "fines"),
                    municipalities=(municipalities["GM0307"], municipalities["GM0327"]),
                    phone="033 765 4321",
                    languages=("nl", "tr"),
                ),
            ),
        ]:
            network_services.create_partner_service(actor=national, organisation=organisations[organisation], data=data)

        today = timezone.localdate()
        for data in [
            network_services.AgreementInput(
                partner=organisations["Buurtteams Utrecht"],
                topics=topics("fines", "allowances", "banking"),
                valid_from=today - timedelta(days=120),
                response_days=3,
                contact_name="Priya Bakker",
                contact_email="geldzaken@buurtteams.example",
                notification_email="verwijzingen@buurtteams.example",
            ),
            network_services.AgreementInput(
                partner=organisations["Belastingdienst"],
                topics=topics("taxes"),
                valid_from=today - timedelta(days=60),
                valid_until=today + timedelta(days=300),
                location=Location.objects.get(name="IDO Bibliotheek Neude"),
                delivery="email",
                response_days=5,
                contact_name="Team Landelijke Dienstverlening",
                notification_email="ido-verwijzingen@belastingdienst.example",
            ),
            network_services.AgreementInput(
                partner=organisations["SVB"],
                topics=topics("pension"),
                valid_from=today - timedelta(days=400),
                valid_until=today - timedelta(days=35),
                delivery="phone",
                response_days=10,
                contact_name="Regiokantoor Utrecht",
                contact_phone="030 111 2233",
            ),
        ]:
            network_services.create_agreement(
                actor=coordinator, library=organisations["Bibliotheek Utrecht"], data=data
            )

    def _build_referrals(self, organisations) -> None:
        """Referrals from the desk to the neighbourhood team in every state, one overdue, one with its personal
        data deleted; and a referral from the municipality's counter into the IDO (an expected visitor)."""
        desk = Membership.objects.get(user__email="desk@demo.test", organisation__name="Bibliotheek Utrecht")
        partner = Membership.objects.get(user__email="partner@demo.test")
        officer = Membership.objects.get(user__email="municipality@demo.test")
        buurtteams = organisations["Buurtteams Utrecht"]
        allowances = Topic.objects.get(code="allowances")
        now = timezone.now()
        people = [
            ("Fatima", "0612345678", "Terugvordering huurtoeslag, wil een betalingsregeling", ()),
            ("Jan", "0687654321", "Aanmaningen van drie organisaties", ("accepted",)),
            ("Ayse", "0611122233", "Kan de rekeningen niet meer betalen", ("accepted", "contacted")),
            ("Piet", "0622233344", "Hulp bij budgetplan", ("accepted", "appointment_made")),
            ("Mira", "0633344455", "Vraag over zorgtoeslag", ("accepted", "contacted", "completed")),
            ("Kees", "0644455566", "Schuld bij de energieleverancier", ("accepted", "not_reached")),
            ("Sanne", "0655566677", "Brief over kinderopvangtoeslag", ("declined",)),
            ("Omar", "0666677788", "Betalingsregeling CJIB", ("withdrawn",)),
        ]
        for days_ago, (name, phone, reason, steps) in enumerate(people):
            sent_at = now - timedelta(days=days_ago * 2 + (6 if not steps else 1))
            referral = referral_services.refer(
                actor=desk,
                data=referral_services.ReferralInput(
                    receiver=buurtteams,
                    topic=allowances,
                    reason=reason,
                    contact=referral_services.ContactDetails(name=name, phone=phone),
                    consent_given=True,
                ),
                now=sent_at,
            )
            for number, step in enumerate(steps, start=1):
                actor = desk if step == "withdrawn" else partner
                note = "Geen plek deze maand; probeer de Voedselbank" if step == "declined" else ""
                referral_services.move(
                    actor=actor, referral=referral, status=step, note=note, now=sent_at + timedelta(hours=5 * number)
                )
        # A closed referral from long ago: its personal data is deleted, the skeleton counts in the figures.
        old = referral_services.refer(
            actor=desk,
            data=referral_services.ReferralInput(
                receiver=buurtteams,
                topic=allowances,
                reason="Oude vraag",
                contact=referral_services.ContactDetails(name="Anna", phone="0677788899"),
                consent_given=True,
            ),
            now=now - timedelta(days=80),
        )
        referral_services.move(actor=partner, referral=old, status="accepted", now=now - timedelta(days=79))
        referral_services.move(actor=partner, referral=old, status="completed", now=now - timedelta(days=70))
        referral_services.delete_expired_personal_data(now=now)
        # The municipality's counter refers a citizen to the IDO.
        referral_services.refer(
            actor=officer,
            data=referral_services.ReferralInput(
                receiver=organisations["Bibliotheek Utrecht"],
                receiver_location=Location.objects.get(name="IDO Bibliotheek Neude"),
                topic=Topic.objects.get(code="digid"),
                reason="Wil DigiD aanvragen, heeft hulp nodig met de app",
                contact=referral_services.ContactDetails(name="Henk", phone="0698765432"),
                consent_given=True,
            ),
            now=now - timedelta(hours=3),
        )

    def _build_courses(self, organisations) -> None:
        """Digisterker, Klik & Tik and a language course of the library, and the neighbourhood team's course on
        safe online banking at Neude (hosted there already). The Digisterker session at Neude is full with three
        people on the waitlist; a Klik & Tik session ended last month, with attendance and certificates."""
        coordinator = Membership.objects.get(user__email="coordinator@demo.test")
        desk = Membership.objects.get(user__email="desk@demo.test", organisation__name="Bibliotheek Utrecht")
        partner = Membership.objects.get(user__email="partner@demo.test")
        neude = Location.objects.get(name="IDO Bibliotheek Neude")
        overvecht = Location.objects.get(name="IDO Bibliotheek Overvecht")
        leeuw = Location.objects.get(name="IDO Buurtcentrum De Leeuw")
        now = timezone.now()
        today = timezone.localdate()

        def course(actor, **fields):
            defaults = {"level": "beginner", "language": "nl", "device": "borrow", "meetings_to_complete": None}
            return course_services.create_course(
                actor=actor, data=course_services.CourseInput(**{**defaults, **fields})
            )

        def session(actor, course, location, *, first, count, start, capacity, at=None):
            meetings = course_rules.meeting_times(first=first, start=start, end=time(start.hour + 2), count=count)
            return course_services.create_session(
                actor=actor,
                course=course,
                location=location,
                capacity=capacity,
                meetings=meetings,
                teacher="Ellen (vrijwilliger)",
                now=at,
            )

        digisterker = course(
            coordinator,
            title="Digisterker: werken met de e-overheid",
            description="U leert inloggen met DigiD, berichten lezen in MijnOverheid en zaken regelen op websites "
            "van de overheid. In vier lessen, in een kleine groep.",
            kind="e_government",
            meetings_to_complete=3,
            intake_needed=True,
        )
        klik_tik = course(
            coordinator,
            title="Klik & Tik: de basis",
            description="Voor wie (bijna) nooit een computer gebruikt. U leert de muis, het toetsenbord en "
            "internet gebruiken. In uw eigen tempo.",
            kind="digital_basics",
            device="none",
            meetings_to_complete=4,
            public_enrolment=True,
        )
        language = course(
            coordinator,
            title="Nederlands oefenen met de computer",
            description="Oefen lezen en schrijven in het Nederlands met oefenprogramma's op de computer. Voor "
            "iedereen die Nederlands leert.",
            kind="language",
            language="nl-easy",
            device="none",
            meetings_to_complete=6,
        )
        banking = course(
            partner,
            title="Veilig online bankieren",
            description="Hoe herkent u valse berichten? Hoe betaalt u veilig met de app van de bank?",
            kind="safe_online",
            level="some",
            device="own",
        )
        full = session(
            coordinator, digisterker, neude, first=today + timedelta(days=6), count=4, start=time(10), capacity=8
        )
        people = [("Anna", 1), ("Bram", 1), ("Cor", 2), ("Dilan", 1), ("Els", 1), ("Fenna", 1), ("Gert", 1)]
        questions = list(
            Question.objects.filter(
                visit__location__library=organisations["Bibliotheek Utrecht"], help_given__code="referred-course"
            ).order_by("-visit__occurred_at")[:4]
        )
        for number, (name, places) in enumerate(people):
            course_services.enrol(
                actor=desk,
                session=full,
                details=course_services.PersonDetails(name=name),
                places=places,
                question=questions[number] if number < len(questions) else None,
            )
        for name, phone in [("Hasan", "0612340001"), ("Ineke", ""), ("Joost", "0302345678")]:
            course_services.enrol(
                actor=desk,
                session=full,
                details=course_services.PersonDetails(name=name, phone=phone, consent_given=bool(phone)),
                waitlist_if_full=True,
            )
        later = session(
            coordinator, digisterker, overvecht, first=today + timedelta(days=20), count=4, start=time(14), capacity=8
        )
        for name in ("Kim", "Lotte"):
            course_services.enrol(actor=desk, session=later, details=course_services.PersonDetails(name=name))
        open_session = session(
            coordinator, klik_tik, leeuw, first=today + timedelta(days=9), count=4, start=time(10), capacity=6
        )
        for name in ("Marja", "Nico", "Olga"):
            course_services.enrol(actor=desk, session=open_session, details=course_services.PersonDetails(name=name))
        taal = session(
            coordinator, language, neude, first=today + timedelta(days=3), count=8, start=time(13), capacity=10
        )
        for name in ("Rasha", "Oleksandr", "Mehmet", "Agnieszka"):
            course_services.enrol(actor=desk, session=taal, details=course_services.PersonDetails(name=name))
        session(partner, banking, neude, first=today + timedelta(days=13), count=2, start=time(14), capacity=12)
        # Last month's Klik & Tik: four meetings, marked; three of five completed.
        started = now - timedelta(days=45)
        past = session(
            coordinator,
            klik_tik,
            leeuw,
            first=(started + timedelta(days=1)).date(),
            count=4,
            start=time(10),
            capacity=6,
            at=started,
        )
        enrolled = [
            course_services.enrol(
                actor=desk, session=past, details=course_services.PersonDetails(name=name), now=started
            )
            for name in ("Piet", "Quinty", "Rob", "Sara", "Tom")
        ]
        presence = [(0, 1, 2, 3), (0, 1, 2, 3), (0, 1, 2), (0, 1), (0,)]
        for index, meeting in enumerate(past.meetings.order_by("starts_at")):
            present = {enrolment.pk for enrolment, days in zip(enrolled, presence, strict=True) if index in days}
            course_services.mark_attendance(
                actor=desk, meeting=meeting, present=present, now=meeting.starts_at + timedelta(minutes=15)
            )
        # The municipality's counter refers a citizen into the IDO and proposes the Klik & Tik course.
        referral_services.refer(
            actor=Membership.objects.get(user__email="municipality@demo.test"),
            data=referral_services.ReferralInput(
                receiver=organisations["Bibliotheek Utrecht"],
                receiver_location=leeuw,
                topic=Topic.objects.get(code="devices"),
                reason="Heeft nog nooit een computer gebruikt, wil het leren",
                contact=referral_services.ContactDetails(name="Truus", phone="0687650000"),
                consent_given=True,
                session=open_session,
            ),
            now=now - timedelta(hours=1),
        )

    def _build_funding(self, admin, organisations) -> None:
        """The specific grant for 2025 and 2026 with allocations computed from demo components (plausible, not the
        real annex: marked as demo); Utrecht's grant to its library, spending across the three purposes, 2025
        closed with a reserve carried into 2026."""
        officer = Membership.objects.get(user__email="municipality@demo.test")
        utrecht = officer.organisation.municipality
        today = timezone.localdate()
        for year in (today.year - 1, today.year):
            scheme = funding_services.save_scheme(
                actor=admin,
                data=funding_services.SchemeInput(
                    year=year,
                    name="Specifieke uitkering Informatiepunten Digitale Overheid",
                    legal_reference="Regeling specifieke uitkering IDO, Stcrt. 2022, 33992",
                    rate_per_inhabitant=Decimal("0.83"),
                    rate_per_low_educated=Decimal("0.70"),
                    accounting_deadline=date(year + 1, 7, 15),
                ),
            )
            for code, (inhabitants, low_educated) in DEMO_COMPONENTS.items():
                funding_services.set_allocation(
                    actor=admin,
                    scheme=scheme,
                    municipality=Municipality.objects.get(cbs_code=code),
                    inhabitants=inhabitants,
                    low_educated=low_educated,
                    is_demo=True,
                )
        library = organisations["Bibliotheek Utrecht"]
        for year in (today.year - 1, today.year):
            grant = funding_services.save_library_grant(
                actor=officer,
                municipality=utrecht,
                library=library,
                data=funding_services.GrantInput(
                    year=year,
                    starts_on=date(year, 1, 1),
                    ends_on=date(year, 12, 31),
                    amount=Decimal("240000"),
                    activities="Drie IDO-locaties met vaste openingstijden, een spreekuur in de wijk, cursussen "
                    "Digisterker en Klik & Tik.",
                    locations=3,
                    hours_per_week=Decimal("38"),
                    promotion="Folders in wijkcentra, berichten in de wijkkrant, samen met de gemeente.",
                    reporting_dates=(date(year, 7, 1), date(year + 1, 3, 1)),
                    quality_review="Certificering IDO volgens het kwaliteitskader van de KB.",
                    internal_note="Afgestemd met wethouder; evaluatie in het najaar.",
                ),
            )
            funding_services.decide_grant(actor=officer, grant=grant, on=date(year - 1, 12, 15))
            for month in (1, 7):
                funding_services.add_instalment(
                    actor=officer, grant=grant, due_on=date(year, month, 1), amount=Decimal("120000")
                )
        last_year, this_year = today.year - 1, today.year
        lines = [
            (last_year, "library", "paid", date(last_year, 1, 15), "120000", "Subsidie bibliotheek, eerste termijn"),
            (last_year, "library", "paid", date(last_year, 7, 1), "120000", "Subsidie bibliotheek, tweede termijn"),
            (last_year, "promotion", "paid", date(last_year, 3, 10), "8500", "Folders en posters IDO"),
            (last_year, "network", "paid", date(last_year, 10, 2), "12000", "Netwerkbijeenkomsten met partners"),
            (this_year, "library", "paid", date(this_year, 1, 15), "120000", "Subsidie bibliotheek, eerste termijn"),
            (this_year, "library", "paid", date(this_year, 7, 1), "120000", "Subsidie bibliotheek, tweede termijn"),
            (this_year, "promotion", "paid", date(this_year, 4, 20), "6200", "Campagne in de wijkkrant"),
            (
                this_year,
                "network",
                "committed",
                date(this_year, 9, 1),
                "15000",
                "Regie netwerk: opdracht kwartiermaker",
            ),
        ]
        for year, purpose, stage, day, amount, description in lines:
            if day > today:
                continue
            funding_services.record_expenditure(
                actor=officer,
                municipality=utrecht,
                data=funding_services.ExpenditureInput(
                    year=year, purpose=purpose, stage=stage, date=day, amount=Decimal(amount), description=description
                ),
            )
        funding_services.close_year(
            actor=officer,
            municipality=utrecht,
            year=last_year,
            final=True,
            submitted_on=min(date(this_year, 7, 10), today),
        )

    def _build_favourites(self) -> None:
        """The demo desk worker's favourite topics: one click registers a common visit about them."""
        desk = Membership.objects.get(user__email="desk@demo.test", organisation__name="Bibliotheek Utrecht")
        registration_services.set_favourite_topics(
            actor=desk, topics=list(Topic.objects.filter(code__in=["digid", "devices", "allowances"]))
        )

    def _build_registrations(self, days: int = 90) -> None:
        """A few months of anonymous registrations at the open locations, so overviews are not empty.
        Seeded, so every demo has the same figures; bulk inserts, so it takes a second."""
        rng = random.Random(2023)  # noqa: S311 - demo figures, not security
        topics = list(Topic.objects.filter(retired_on__isnull=True))
        topic_weights = [
            30 if t.code == "digid" else 12 if t.code in ("devices", "allowances", "taxes") else 3 for t in topics
        ]
        organisations = {o.code: o for o in ServiceOrganisation.objects.all()}
        topic_organisation = {
            "digid": "logius",
            "taxes": "belastingdienst",
            "allowances": "toeslagen",
            "pension": "svb",
            "work-benefits": "uwv",
            "student-finance": "duo",
            "fines": "cjib",
            "driving-licence": "rdw",
            "municipal-services": "gemeente",
            "health-care": "zorgverzekeraar",
            "banking": "bank",
        }
        helps = list(HelpGiven.objects.filter(retired_on__isnull=True))
        help_weights = [50 if h.code == "explained" else 15 if h.code == "done-together" else 8 for h in helps]
        desk = User.objects.filter(email="desk@demo.test").first()
        now = timezone.now()
        for location in Location.objects.filter(status=LocationStatus.OPEN).select_related("library"):
            schedule = schedule_for(location)
            visits, question_sets = [], []
            for offset in range(days, 0, -1):
                day = timezone.localdate() - timedelta(days=offset)
                for period in periods_on(schedule, day):
                    minutes = int((period.end - period.start).total_seconds() // 60)
                    for _ in range(rng.randint(1, max(2, minutes // 40))):
                        occurred_at = period.start + timedelta(minutes=rng.randrange(minutes))
                        visits.append(
                            Visit(
                                location=location,
                                library_id=location.library_id,
                                registered_by=desk,
                                occurred_at=occurred_at,
                                channel=rng.choices(["walk_in", "appointment", "phone"], [80, 15, 5])[0],
                                duration_band=rng.choices(["under_10", "10_20", "20_40", "over_40"], [20, 45, 25, 10])[
                                    0
                                ],
                                age_band=rng.choices(
                                    ["", "under_25", "25_44", "45_64", "65_plus"], [30, 5, 10, 15, 40]
                                )[0],
                            )
                        )
                        question_sets.append(
                            rng.choices(topics, topic_weights, k=rng.choices([1, 2, 3], [70, 25, 5])[0])
                        )
            created = Visit.objects.bulk_create(visits)
            questions = []
            for visit, chosen in zip(created, question_sets, strict=True):
                for position, topic in enumerate(chosen, start=1):
                    questions.append(
                        Question(
                            visit=visit,
                            position=position,
                            topic=topic,
                            service_organisation=organisations.get(topic_organisation.get(topic.code, "")),
                            help_given=rng.choices(helps, help_weights)[0],
                            solved=rng.choices(["yes", "no", ""], [70, 10, 20])[0],
                            location_id=visit.location_id,
                            library_id=visit.library_id,
                            occurred_at=visit.occurred_at,
                        )
                    )
            Question.objects.bulk_create(questions, batch_size=2000)
            # created_at is "now" for all of them; back-dated registrations are final for staff anyway.
            Visit.objects.filter(pk__in=[v.pk for v in created]).update(created_at=now - timedelta(days=8))

    def _build_locations(self, admin, organisations, municipalities) -> None:
        today = timezone.localdate()
        for (
            library,
            code,
            name,
            street,
            number,
            postcode,
            city,
            lat,
            lon,
            in_library,
            venue,
            hours,
            status,
        ) in LOCATIONS:
            location = location_services.create_location(
                actor=admin,
                library=organisations[library],
                municipality=municipalities[code],
                name=name,
                street=street,
                house_number=number,
                postcode=postcode,
                city=city,
                latitude=Decimal(lat),
                longitude=Decimal(lon),
                in_library=in_library,
                venue=venue,
                step_free=True,
                hearing_loop=in_library,
                accessible_toilet=in_library,
                quiet_room=hours == "long",
                languages=["nl", "en", "ar", "tr"] if hours == "long" else ["nl", "en"],
                staffing=Staffing.MIXED if in_library else Staffing.VOLUNTEERS,
                status=status,
            )
            blocks = [
                location_services.HoursBlock(weekday, time(h1, m1), time(h2, m2))
                for weekday, day_blocks in WEEKDAY_HOURS[hours].items()
                for h1, m1, h2, m2 in day_blocks
            ]
            location_services.set_opening_hours(actor=admin, location=location, blocks=blocks)
            if hours == "long":
                # A Thursday about two weeks ahead: a day these locations would otherwise be open.
                in_two_weeks = today + timedelta(days=14)
                location_services.add_opening_exception(
                    actor=admin,
                    location=location,
                    day=in_two_weeks + timedelta(days=(3 - in_two_weeks.weekday()) % 7),
                    is_closed=True,
                    reason="Studiedag medewerkers",
                )

    def _set_passwords(self, password: str) -> None:
        users = list(User.objects.filter(email__endswith="@demo.test").order_by("email"))
        # Checking one hash is enough to know whether the password changed; hashing is slow on purpose.
        if users and users[0].check_password(password):
            return
        for user in users:
            user.set_password(password)
            user.save(update_fields=["password"])

    def _print_logins(self, password: str, generated: bool) -> None:
        self.stdout.write("")
        self.stdout.write("Demo logins (e-mail / password):")
        for email, role in [
            ("desk@demo.test", "desk staff (two libraries: choose one after login)"),
            ("coordinator@demo.test", "library coordinator"),
            ("partner@demo.test", "partner staff"),
            ("municipality@demo.test", "municipal officer"),
            ("national@demo.test", "national administrator"),
        ]:
            self.stdout.write(f"  {email:<26} {password}   {role}")
        if generated:
            self.stdout.write(
                f"The password was generated and saved in {Path(settings.DATA_DIR) / PASSWORD_FILE}; "
                "set IDO_DEMO_PASSWORD to choose your own."
            )
        self.stdout.write("")
