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


# The national (KB) categories the export can be laid out in. PROVISIONAL: the official KB field list is not
# public (docs/outputregistratie.md); this list follows the dimensions the KB dashboard shows. National
# administrators correct it on the vocabulary screens once the official list is known.
KB_CATEGORIES = [
    ("topic", "kb-topic-digid", "DigiD", "DigiD"),
    ("topic", "kb-topic-devices", "Digitale vaardigheden en apparaten", "Digital skills and devices"),
    ("topic", "kb-topic-municipality", "Gemeente", "Municipality"),
    ("topic", "kb-topic-money", "Belastingen en toeslagen", "Taxes and allowances"),
    ("topic", "kb-topic-income", "Werk, uitkering en pensioen", "Work, benefits and pension"),
    ("topic", "kb-topic-care", "Zorg", "Care"),
    ("topic", "kb-topic-mobility", "Rijbewijs, voertuig en boetes", "Driving licence, vehicle and fines"),
    ("topic", "kb-topic-education", "Onderwijs en inburgering", "Education and civic integration"),
    ("topic", "kb-topic-other", "Overig", "Other"),
    ("organisation", "kb-org-belastingdienst", "Belastingdienst", "Belastingdienst"),
    ("organisation", "kb-org-toeslagen", "Dienst Toeslagen", "Dienst Toeslagen"),
    ("organisation", "kb-org-svb", "SVB", "SVB"),
    ("organisation", "kb-org-uwv", "UWV", "UWV"),
    ("organisation", "kb-org-duo", "DUO", "DUO"),
    ("organisation", "kb-org-cak", "CAK", "CAK"),
    ("organisation", "kb-org-cjib", "CJIB", "CJIB"),
    ("organisation", "kb-org-rdw", "RDW", "RDW"),
    ("organisation", "kb-org-cbr", "CBR", "CBR"),
    ("organisation", "kb-org-other-national", "Andere landelijke overheid", "Other national government"),
    ("organisation", "kb-org-municipality", "Gemeente", "Municipality"),
    ("organisation", "kb-org-other", "Overige organisatie", "Other organisation"),
    ("help", "kb-help-on-the-spot", "Ter plekke geholpen", "Helped on the spot"),
    ("help", "kb-help-referred", "Doorverwezen naar een organisatie", "Referred to an organisation"),
    ("help", "kb-help-course", "Verwezen naar een cursus", "Referred to a course"),
    ("help", "kb-help-not-helped", "Niet geholpen", "Not helped"),
]

# Which KB category each starting term is counted in.
KB_MAPPING = {
    "topic": {
        "digid": "kb-topic-digid",
        "devices": "kb-topic-devices",
        "mijnoverheid": "kb-topic-devices",
        "banking": "kb-topic-devices",
        "fraud-phishing": "kb-topic-devices",
        "municipal-services": "kb-topic-municipality",
        "housing": "kb-topic-municipality",
        "taxes": "kb-topic-money",
        "allowances": "kb-topic-money",
        "pension": "kb-topic-income",
        "work-benefits": "kb-topic-income",
        "health-care": "kb-topic-care",
        "driving-licence": "kb-topic-mobility",
        "fines": "kb-topic-mobility",
        "student-finance": "kb-topic-education",
        "civic-integration": "kb-topic-education",
        "other": "kb-topic-other",
    },
    "organisation": {
        "belastingdienst": "kb-org-belastingdienst",
        "toeslagen": "kb-org-toeslagen",
        "svb": "kb-org-svb",
        "uwv": "kb-org-uwv",
        "duo": "kb-org-duo",
        "cak": "kb-org-cak",
        "cjib": "kb-org-cjib",
        "rdw": "kb-org-rdw",
        "cbr": "kb-org-cbr",
        "ciz": "kb-org-other-national",
        "huurcommissie": "kb-org-other-national",
        "lbio": "kb-org-other-national",
        "rvr": "kb-org-other-national",
        "logius": "kb-org-other-national",
        "gemeente": "kb-org-municipality",
        "waterschap": "kb-org-other",
        "zorgverzekeraar": "kb-org-other",
        "bank": "kb-org-other",
        "woningcorporatie": "kb-org-other",
        "other": "kb-org-other",
    },
    "help": {
        "explained": "kb-help-on-the-spot",
        "done-together": "kb-help-on-the-spot",
        "self-service": "kb-help-on-the-spot",
        "referred-organisation": "kb-help-referred",
        "referred-course": "kb-help-course",
        "not-helped": "kb-help-not-helped",
    },
}


def load_kb_categories(kb_model=None, topic_model=None, organisation_model=None, help_model=None) -> None:
    """Create the provisional KB categories and map the starting terms that have no category yet."""
    from ido.registrations.models import HelpGiven, KbCategory, ServiceOrganisation, Topic

    kb_model = kb_model or KbCategory
    categories = {}
    for order, (dimension, code, nl, en) in enumerate(KB_CATEGORIES, start=1):
        categories[code], _ = kb_model.objects.get_or_create(
            code=code, defaults={"dimension": dimension, "label_nl": nl, "label_en": en, "sort_order": order * 10}
        )
    for dimension, model in (
        ("topic", topic_model or Topic),
        ("organisation", organisation_model or ServiceOrganisation),
        ("help", help_model or HelpGiven),
    ):
        for term_code, category_code in KB_MAPPING[dimension].items():
            model.objects.filter(code=term_code, kb_category__isnull=True).update(kb_category=categories[category_code])


def load_national_vocabularies(topic_model=None, organisation_model=None, help_model=None) -> None:
    """Create or update the starting terms. The migration passes its historical models."""
    from ido.registrations.models import HelpGiven, ServiceOrganisation, Topic

    at_runtime = topic_model is None
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
    if at_runtime:
        # Migration 0002 runs before the KB categories exist; migration 0004 loads them there.
        load_kb_categories()
