"""The offline geocoder on the real CBS reference data, and the PDOK adapter against a local stand-in server."""

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from ido.geo.geocoder import OfflineGeocoder, PdokGeocoder, Problem
from ido.geo.reference import Gazetteer, PostcodeArea, gazetteer, normalise_name


@pytest.fixture(scope="module")
def geocoder():
    return OfflineGeocoder()


@pytest.mark.parametrize("query", ["3512 AE", "3512AE", "3512 ae", " 3512ae ", "3512", "3512 AE Utrecht"])
def test_every_postcode_format_finds_the_area(geocoder, query):
    result = geocoder.geocode(query)
    assert result.problem == ""
    assert result.spot.kind == "postcode"
    assert result.spot.query == "3512"
    assert result.spot.label == "3512 Utrecht"
    assert result.spot.cbs_code == "GM0344"
    assert result.spot.latitude == pytest.approx(52.09, abs=0.01)
    assert result.spot.longitude == pytest.approx(5.12, abs=0.01)


def test_a_postcode_below_1000_is_not_dutch(geocoder):
    result = geocoder.geocode("0123 AB")
    assert result.spot is None
    assert result.problem == Problem.NOT_A_DUTCH_POSTCODE


def test_an_unknown_postcode_suggests_the_postcodes_around_it(geocoder):
    # 1099 is not in the CBS set (no area in 2020); its neighbours are in Amsterdam.
    result = geocoder.geocode("1099 AB")
    assert result.spot is None
    assert result.problem == Problem.UNKNOWN_POSTCODE
    assert [spot.query for spot in result.suggestions] == ["1097", "1098", "1101", "1102"]
    assert all("Amsterdam" in spot.label for spot in result.suggestions)


def test_a_postcode_area_without_a_point_is_treated_as_unknown(geocoder):
    # 1623 (Hoorn) has broken geometry in the source: no centroid.
    result = geocoder.geocode("1623")
    assert result.problem == Problem.UNKNOWN_POSTCODE
    assert result.suggestions


@pytest.mark.parametrize(
    ("query", "label", "kind"),
    [
        ("Utrecht", "Utrecht", "place"),
        ("utrecht", "Utrecht", "place"),
        ("Den Haag", "Den Haag", "place"),
        ("'s-Gravenhage", "'s-Gravenhage", "municipality"),
        ("Den Bosch", "'s-Hertogenbosch", "place"),
        ("Súdwest-Fryslân", "Súdwest-Fryslân", "municipality"),
        ("sudwest fryslan", "Súdwest-Fryslân", "municipality"),
    ],
)
def test_places_and_municipalities_by_name(geocoder, query, label, kind):
    result = geocoder.geocode(query)
    assert result.spot.label == label
    assert result.spot.kind == kind


def test_a_place_name_shared_by_two_municipalities_takes_the_bigger_and_offers_the_other(geocoder):
    result = geocoder.geocode("Hengelo")
    assert result.spot.label == "Hengelo"  # Hengelo in Overijssel, the municipality of the same name
    assert result.spot.cbs_code == "GM0164"
    assert [spot.label for spot in result.alternatives] == ["Hengelo (Gld), Bronckhorst"]
    chosen = geocoder.geocode(result.alternatives[0].query)
    assert chosen.spot.cbs_code == "GM1876"  # Bronckhorst
    assert chosen.alternatives == ()


def test_ties_are_broken_by_inhabitants_then_name_and_are_stable():
    def area(pc4, place, municipality, code, lat, inhabitants):
        return PostcodeArea(pc4, place, municipality, code, lat, 5.0, inhabitants)

    data = Gazetteer(
        [
            area("1001", "Oosterend", "Texel", "GM0448", 53.0, 1000),
            area("1002", "Oosterend", "Terschelling", "GM0093", 53.4, 1000),
            area("1003", "Oosterend", "Aaland", "GM0001", 52.0, 1000),
        ]
    )
    result = OfflineGeocoder(data).geocode("Oosterend")
    # Equal inhabitants: the municipality name decides, alphabetically.
    assert result.spot.label == "Oosterend, Aaland"
    assert [spot.label for spot in result.alternatives] == ["Oosterend, Terschelling", "Oosterend, Texel"]
    assert OfflineGeocoder(data).geocode("Oosterend, Texel").spot.latitude == 53.0
    assert OfflineGeocoder(data).geocode("Oosterend (Terschelling)").spot.latitude == 53.4


def test_a_misspelt_place_gets_did_you_mean(geocoder):
    result = geocoder.geocode("Amsterdm")
    assert result.spot is None
    assert result.problem == Problem.UNKNOWN_NAME
    assert result.suggestions[0].label == "Amsterdam"


def test_the_start_of_a_name_gets_suggestions(geocoder):
    result = geocoder.geocode("Amersf")
    assert "Amersfoort" in [spot.label for spot in result.suggestions]


@pytest.mark.parametrize("query", ["xyzzy qwv", "!!!", "<script>"])
def test_nonsense_is_unknown_without_an_error(geocoder, query):
    result = geocoder.geocode(query)
    assert result.spot is None
    assert result.problem == Problem.UNKNOWN_NAME


def test_empty_and_overlong_input(geocoder):
    assert geocoder.geocode("   ").problem == Problem.EMPTY
    assert geocoder.geocode("a" * 101).problem == Problem.TOO_LONG


def test_normalised_names():
    assert normalise_name("'s-Gravenhage") == "s gravenhage"
    assert normalise_name("Beek (L.)") == "beek"
    assert normalise_name("Súdwest-Fryslân") == "sudwest fryslan"


def test_the_reference_data_is_complete():
    data = gazetteer()
    assert len(data.areas) == 4067
    assert sum(1 for area in data.areas.values() if area.has_point) == 4064
    assert len(data.municipality_by_code) == 342


class _Locatieserver(BaseHTTPRequestHandler):
    answers: dict = {}
    asked: list = []

    def do_GET(self):
        self.asked.append(self.path)
        body = json.dumps(self.answers.get("body", {"response": {"numFound": 0, "docs": []}})).encode()
        self.send_response(self.answers.get("status", 200))
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def locatieserver():
    server = HTTPServer(("127.0.0.1", 0), _Locatieserver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Locatieserver.answers = {}
    _Locatieserver.asked = []
    yield server, _Locatieserver
    server.shutdown()


def test_pdok_gives_a_full_address(locatieserver):
    server, handler = locatieserver
    handler.answers["body"] = {
        "response": {
            "docs": [
                {
                    "type": "adres",
                    "weergavenaam": "Neude 11, 3512AE Utrecht",
                    "centroide_ll": "POINT(5.11916 52.09274)",
                    "gemeentecode": "0344",
                }
            ]
        }
    }
    geocoder = PdokGeocoder(f"http://127.0.0.1:{server.server_port}/search/v3_1")
    result = geocoder.geocode("Neude 11 Utrecht")
    assert result.spot.kind == "address"
    assert result.spot.label == "Neude 11, 3512AE Utrecht"
    assert (result.spot.latitude, result.spot.longitude) == (52.09274, 5.11916)
    assert result.spot.cbs_code == "GM0344"
    assert handler.asked[0].startswith("/search/v3_1/free?q=Neude+11+Utrecht")


def test_pdok_without_an_answer_falls_back_to_the_offline_data(locatieserver):
    server, _handler = locatieserver
    geocoder = PdokGeocoder(f"http://127.0.0.1:{server.server_port}")
    assert geocoder.geocode("3512").spot.label == "3512 Utrecht"


def test_pdok_unreachable_falls_back_to_the_offline_data():
    geocoder = PdokGeocoder("http://127.0.0.1:9", timeout=0.5)  # the discard port: nothing listens
    result = geocoder.geocode("Utrecht")
    assert result.spot.label == "Utrecht"


def test_pdok_answering_garbage_falls_back(locatieserver):
    server, handler = locatieserver
    handler.answers["body"] = {"unexpected": True}
    geocoder = PdokGeocoder(f"http://127.0.0.1:{server.server_port}")
    assert geocoder.geocode("Amsterdm").problem == Problem.UNKNOWN_NAME


@pytest.mark.parametrize("query", ["٣٥١٢ AE", "۳۵۱۲", "３５１２ AE"])
def test_a_postcode_typed_with_arabic_or_full_width_digits_is_found(geocoder, query):
    # Arabic and Persian keyboards on phones type their own digits; "٣٥١٢" is 3512.
    result = geocoder.geocode(query)
    assert result.problem == ""
    assert result.spot.query == "3512"
    assert result.spot.cbs_code == "GM0344"


@pytest.mark.parametrize(
    ("query", "cbs_code"),
    [
        ("Hengelo (Gld)", "GM1876"),  # the place in Bronckhorst, as the finder itself writes it
        ("Bergen (L.)", "GM0893"),  # the municipality in Limburg, not Bergen (NH.)
        ("Bergen (L)", "GM0893"),
        ("Bergen (NH)", "GM0373"),
        ("Rijswijk (GLD)", "GM0214"),  # the village in Buren, not the town of Rijswijk (ZH.)
    ],
)
def test_a_name_with_its_bracket_finds_that_place_not_the_bigger_one(geocoder, query, cbs_code):
    result = geocoder.geocode(query)
    assert result.spot.cbs_code == cbs_code
    assert geocoder.geocode(result.spot.query).spot.cbs_code == cbs_code  # its link finds it again


@pytest.mark.parametrize("query", ["3512 AE, Utrecht", "3512AE,Utrecht", "3512, Utrecht"])
def test_a_postcode_followed_by_a_comma_and_the_place_is_a_postcode(geocoder, query):
    result = geocoder.geocode(query)
    assert result.problem == ""
    assert result.spot.query == "3512"


def test_pdok_answering_something_that_is_not_http_falls_back():
    """A proxy or a broken server in between can answer anything; the finder must not break on it."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()

    def answer():
        connection, _address = listener.accept()
        connection.recv(4096)
        connection.sendall(b"this is no HTTP\r\n\r\n")
        connection.close()

    thread = threading.Thread(target=answer, daemon=True)
    thread.start()
    try:
        geocoder = PdokGeocoder(f"http://127.0.0.1:{listener.getsockname()[1]}", timeout=2)
        assert geocoder.geocode("3512").spot.label == "3512 Utrecht"
    finally:
        thread.join(timeout=2)
        listener.close()


@pytest.mark.parametrize("query", ["Neude 11, 3512 AE Utrecht", "Neude 11 3512AE", "Bibliotheek Neude (3512 ae)"])
def test_a_pasted_address_is_found_by_its_postcode(geocoder, query):
    result = geocoder.geocode(query)
    assert result.spot.label == "3512 Utrecht"


def test_a_house_number_alone_is_not_taken_for_a_postcode(geocoder):
    # "Neude 1234" has four digits but no letters after them: it stays a name, and an unknown one.
    assert geocoder.geocode("Neude 1234").problem == Problem.UNKNOWN_NAME


def test_a_municipality_sharing_a_name_without_its_bracket_is_offered(geocoder):
    # "Bergen" the place lies in Bergen (NH.); the municipality Bergen (L.) has no place of that name.
    result = geocoder.geocode("Bergen")
    assert result.spot.cbs_code == "GM0373"
    assert "Bergen (L.)" in [spot.label for spot in result.alternatives]
    chosen = geocoder.geocode(next(spot.query for spot in result.alternatives if spot.label == "Bergen (L.)"))
    assert chosen.spot.cbs_code == "GM0893"
