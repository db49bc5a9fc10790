"""The starting national vocabularies, from the topics and organisations that public sources on the IDO name.

Loaded by a data migration; tests that flush the database (browser tests) load them again with
`load_national_vocabularies()`. National administrators can change the terms; retired terms stay.
"""

TOPICS = [
    ("digid", "DigiD (aanvragen, activeren, app)", "DigiD (apply, activate, app)"),
    ("devices", "Computer, tablet of smartphone gebruiken", "Using a computer, tablet or smartphone"),
    ("municipal-services", "Gemeentelijke dienstverlening", "Municipal services"),
    ("taxes", "Belastingen en aangifte", "Taxes and tax returns"),
    ("allowances", "Toeslagen", "Allowances (toeslagen)"),
    ("pension", "AOW en pensioen", "State pension and pension"),
    ("work-benefits", "Werk en uitkering", "Work and benefits"),
    ("health-care", "Zorg en zorgverzekering", "Health care and health insurance"),
    ("driving-licence", "Rijbewijs en voertuig", "Driving licence and vehicle"),
    ("fines", "Boetes en betalingsregelingen", "Fines and payment plans"),
    ("student-finance", "Studiefinanciering", "Student finance"),
    ("mijnoverheid", "MijnOverheid en Berichtenbox", "MijnOverheid and message box"),
    ("civic-integration", "Inburgering", "Civic integration"),
    ("banking", "Bankzaken en online betalen", "Banking and paying online"),
    ("fraud-phishing", "Fraude en phishing", "Fraud and phishing"),
    ("housing", "Wonen en huur", "Housing and rent"),
    ("other", "Iets anders", "Something else"),
]

ORGANISATIONS = [
    ("belastingdienst", "Belastingdienst", "Tax Administration (Belastingdienst)", "national"),
    ("toeslagen", "Dienst Toeslagen", "Benefits Agency (Dienst Toeslagen)", "national"),
    ("svb", "SVB", "SVB (Social Insurance Bank)", "national"),
    ("uwv", "UWV", "UWV (Employee Insurance Agency)", "national"),
    ("duo", "DUO", "DUO (Education Executive Agency)", "national"),
    ("cak", "CAK", "CAK", "national"),
    ("cjib", "CJIB", "CJIB (Central Fine Collection Agency)", "national"),
    ("rdw", "RDW", "RDW (Vehicle Authority)", "national"),
    ("cbr", "CBR", "CBR (Driving Test Organisation)", "national"),
    ("ciz", "CIZ", "CIZ (Care Assessment Centre)", "national"),
    ("huurcommissie", "Huurcommissie", "Rent Tribunal (Huurcommissie)", "national"),
    ("lbio", "LBIO", "LBIO (Child Support Agency)", "national"),
    ("rvr", "Raad voor Rechtsbijstand", "Legal Aid Board", "national"),
    ("logius", "Logius (DigiD, MijnOverheid)", "Logius (DigiD, MijnOverheid)", "national"),
    ("gemeente", "Gemeente", "Municipality", "municipal"),
    ("waterschap", "Waterschap", "Water authority", "other_public"),
    ("zorgverzekeraar", "Zorgverzekeraar", "Health insurer", "private"),
    ("bank", "Bank", "Bank", "private"),
    ("woningcorporatie", "Woningcorporatie", "Housing association", "private"),
    ("other", "Andere organisatie", "Another organisation", "private"),
]

HELP_GIVEN = [
    ("explained", "Uitgelegd of gecoacht", "Explained or coached on the spot", ""),
    ("done-together", "Samen gedaan, met toestemming", "Done together, with consent", ""),
    (
        "referred-organisation",
        "Warm doorverwezen naar een organisatie",
        "Referred warmly to an organisation",
        "referral",
    ),
    ("referred-course", "Doorverwezen naar een cursus", "Referred to a course", "course"),
    ("self-service", "Gewezen op informatie om zelf verder te gaan", "Pointed to information to carry on alone", ""),
    ("not-helped", "Kon niet geholpen worden", "Could not be helped", ""),
]


def load_national_vocabularies(topic_model=None, organisation_model=None, help_model=None) -> None:
    """Create or update the starting terms. The migration passes its historical models."""
    from ido.registrations.models import HelpGiven, ServiceOrganisation, Topic

    topic_model = topic_model or Topic
    organisation_model = organisation_model or ServiceOrganisation
    help_model = help_model or HelpGiven
    for order, (code, nl, en) in enumerate(TOPICS, start=1):
        topic_model.objects.update_or_create(
            code=code, defaults={"label_nl": nl, "label_en": en, "sort_order": order * 10}
        )
    for order, (code, nl, en, layer) in enumerate(ORGANISATIONS, start=1):
        organisation_model.objects.update_or_create(
            code=code, defaults={"label_nl": nl, "label_en": en, "sort_order": order * 10, "government_layer": layer}
        )
    for order, (code, nl, en, link) in enumerate(HELP_GIVEN, start=1):
        help_model.objects.update_or_create(
            code=code, defaults={"label_nl": nl, "label_en": en, "sort_order": order * 10, "link_point": link}
        )
