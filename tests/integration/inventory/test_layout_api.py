"""The generated floor over HTTP: bin codes and positions, the geometry routes are measured on, and
the catalogue's own validation (GTINs, duplicate SKUs).

The geometry assertions are the contract's (CONTRACT.md, "Catalogue and layout") and are checked
through the API only, so that anyone measuring a route from GET /layouts/current and
GET /locations/{code} gets the same floor the server routes on.
"""
from __future__ import annotations

import itertools
import re

import pytest

from tests.conftest import Api

SPEC = {"aisles": 3, "bays_per_aisle": 5, "levels": 2, "bay_width_m": 1.2, "aisle_width_m": 3.0,
        "cross_aisles": 1}
CODE = re.compile(r"A(\d\d)-B(\d\d)-L(\d)")


def all_locations(api: Api) -> list[dict]:
    out, cursor = [], None
    while True:
        r = api.get("/locations?limit=500" + (f"&cursor={cursor}" if cursor else ""))
        assert r.status_code == 200
        out += r.json["items"]
        cursor = r.json["next_cursor"]
        if cursor is None:
            return out


def bins(api: Api) -> list[dict]:
    return [loc for loc in all_locations(api) if CODE.fullmatch(loc["code"])]


@pytest.fixture
def floor(any_app):
    api = Api(any_app)
    r = api.post("/layouts", SPEC)
    assert r.status_code == 201, r.json
    return api, r.json


def test_current_layout_is_404_before_one_is_generated(any_app):
    r = Api(any_app).get("/layouts/current")
    assert r.status_code == 404 and r.json["error"]["code"] == "no_layout"


def test_layout_makes_every_bin_once_with_the_contracts_codes(floor):
    api, created = floor
    found = bins(api)
    expected = {f"A{a:02}-B{b:02}-L{lv}" for a in range(1, 4) for b in range(1, 11) for lv in range(1, 3)}
    assert sorted(loc["code"] for loc in found) == sorted(expected)
    assert created["locations_created"] == len(expected) == 3 * 5 * 2 * 2
    for loc in found:
        aisle, bay, level = map(int, CODE.fullmatch(loc["code"]).groups())
        assert (loc["aisle"], loc["bay"], loc["level"]) == (aisle, bay, level)
        assert loc["type"] == "storage" and loc["sellable"] and not loc["virtual"]


def test_a_second_layout_is_409_and_changes_nothing(floor):
    api, _ = floor
    before = bins(api)
    r = api.post("/layouts", {**SPEC, "aisles": 5})
    assert r.status_code == 409 and r.json["error"]["code"] == "layout_exists"
    assert bins(api) == before
    assert len(api.get("/layouts/current").json["aisles"]) == 3


def test_geometry_has_ordered_cross_aisles_aisles_spanning_them_and_the_depot_in_front(floor):
    api, created = floor
    geo = api.get("/layouts/current").json
    # POST answers with the same geometry GET serves later.
    assert {k: created[k] for k in ("aisles", "cross_aisles_y_m", "depot")} == geo
    cross = geo["cross_aisles_y_m"]
    assert len(cross) == SPEC["cross_aisles"] + 2
    assert cross == sorted(cross) and len(set(cross)) == len(cross)
    assert [a["index"] for a in geo["aisles"]] == [1, 2, 3]
    xs = [a["x_m"] for a in geo["aisles"]]
    # Numbered along x, and far enough apart that an aisle and its two racks fit between centre lines.
    assert all(b - a >= SPEC["aisle_width_m"] for a, b in itertools.pairwise(xs))
    for aisle in geo["aisles"]:
        assert (aisle["y_start_m"], aisle["y_end_m"]) == (cross[0], cross[-1])
    assert geo["depot"]["y_m"] == cross[0]
    assert xs[0] <= geo["depot"]["x_m"] <= xs[-1]


def test_each_bin_is_picked_from_its_aisles_centre_line_inside_one_block(floor):
    api, _ = floor
    geo = api.get("/layouts/current").json
    aisle_x = {a["index"]: a["x_m"] for a in geo["aisles"]}
    cross = geo["cross_aisles_y_m"]
    blocks_used = set()
    for loc in bins(api):
        # GET /locations/{code} is what a route checker reads, so read it there and not from the list.
        one = api.get(f"/locations/{loc['code']}").json
        assert one == loc
        assert one["x_m"] == aisle_x[one["aisle"]]
        block = [i for i in range(len(cross) - 1) if cross[i] < one["y_m"] < cross[i + 1]]
        assert len(block) == 1, (one, cross)
        blocks_used.add(block[0])
    assert blocks_used == set(range(len(cross) - 1))  # no empty block between cross aisles


def test_facing_bays_share_y_and_bays_run_front_to_back(floor):
    api, _ = floor
    y = {(loc["aisle"], loc["bay"], loc["level"]): loc["y_m"] for loc in bins(api)}
    for aisle, level in itertools.product(range(1, 4), range(1, 3)):
        # Odd bay 2i-1 (left) faces even bay 2i (right) across the aisle.
        rows = [y[(aisle, 2 * i - 1, level)] for i in range(1, 6)]
        assert rows == [y[(aisle, 2 * i, level)] for i in range(1, 6)]
        assert rows == sorted(rows) and len(set(rows)) == 5
        # Every level of a bay stands at the same spot on the floor; every aisle has the same rows.
        assert rows == [y[(1, 2 * i - 1, 1)] for i in range(1, 6)]
    within_block = [b - a for a, b in itertools.pairwise(sorted({v for v in y.values()}))]
    assert pytest.approx(min(within_block)) == SPEC["bay_width_m"]


def test_pick_face_levels_make_pick_faces(any_app):
    api = Api(any_app)
    r = api.post("/layouts", {**SPEC, "aisles": 1, "pick_face_levels": [1]})
    assert r.status_code == 201, r.json
    kinds = {(loc["level"], loc["type"]) for loc in bins(api)}
    assert kinds == {(1, "pick_face"), (2, "storage")}


@pytest.mark.parametrize("change, field", [
    ({"aisles": 0}, "aisles"),
    ({"bay_width_m": 0}, "bay_width_m"),
    ({"levels": 10}, "levels"),
    ({"cross_aisles": -1}, "cross_aisles"),
    ({"racks": 2}, "racks"),
])
def test_impossible_layouts_are_422_and_make_nothing(any_app, change, field):
    api = Api(any_app)
    r = api.post("/layouts", {**SPEC, **change})
    assert r.status_code == 422 and field in r.json["error"]["details"]["fields"]
    assert bins(api) == [] and api.get("/layouts/current").status_code == 404


def test_more_cross_aisles_than_bay_rows_is_422(any_app):
    # Five bay rows split by five cross aisles would leave a block with no bays at all.
    api = Api(any_app)
    r = api.post("/layouts", {**SPEC, "cross_aisles": 5})
    assert r.status_code == 422 and r.json["error"]["code"] == "invalid_layout"
    assert bins(api) == [] and api.get("/layouts/current").status_code == 404
    assert api.post("/layouts", {**SPEC, "cross_aisles": 4}).status_code == 201


# --- POST /products validation ---

def product(**extra) -> dict:
    return {"sku": "MUG", "name": "Mug", "weight_g": 350, **extra}


@pytest.mark.parametrize("given", [
    "4006381333931",   # GTIN-13
    "614141000012",    # GTIN-12 (UPC-A)
    "96385074",        # GTIN-8
    "10614141000019",  # GTIN-14
    "04006381333931",  # a GTIN-13 written as GTIN-14
])
def test_a_gtin_is_answered_as_it_was_given(any_app, given):
    # CONTRACT.md: a resource answers its fields as they were given. Scans still match by value, whatever
    # the length (tests/integration/receiving, tests/integration/picking).
    api = Api(any_app)
    r = api.post("/products", product(gtin=given))
    assert r.status_code == 201 and r.json["gtin"] == given
    assert api.get("/products/MUG").json["gtin"] == given
    assert [p["gtin"] for p in api.get("/products").json["items"]] == [given]


@pytest.mark.parametrize("gtin", ["4006381333932", "614141000013", "00000000000000", "0000000000000",
                                  "12345"])
def test_a_gtin_with_a_wrong_check_digit_or_form_is_422(any_app, gtin):
    api = Api(any_app)
    r = api.post("/products", product(gtin=gtin))
    assert r.status_code == 422
    assert r.json["error"]["code"] in ("invalid_gtin", "validation_error")
    assert api.get("/products/MUG").status_code == 404


def test_duplicate_sku_is_409_and_keeps_the_first(any_app):
    api = Api(any_app)
    assert api.post("/products", product()).status_code == 201
    r = api.post("/products", product(name="Other mug", weight_g=1))
    assert r.status_code == 409 and r.json["error"]["code"] == "product_exists"
    assert api.get("/products/MUG").json["name"] == "Mug"


@pytest.mark.parametrize("first, second", [("614141000012", "0614141000012"), ("00614141000012", "614141000012"),
                                           ("96385074", "00000096385074"), ("4006381333931", "4006381333931")])
def test_the_same_gtin_in_another_length_is_409(any_app, first, second):
    api = Api(any_app)
    assert api.post("/products", product(gtin=first)).status_code == 201
    r = api.post("/products", {**product(gtin=second), "sku": "MUG-2"})
    assert r.status_code == 409 and r.json["error"]["code"] == "gtin_exists"
    assert [(p["sku"], p["gtin"]) for p in api.get("/products").json["items"]] == [("MUG", first)]


def test_unit_value_needs_a_currency(any_app):
    api = Api(any_app)
    r = api.post("/products", product(unit_value="12.50"))
    assert r.status_code == 422 and r.json["error"]["code"] == "currency_required"
    r = api.post("/products", product(unit_value="12.50", currency="EUR"))
    assert r.status_code == 201 and (r.json["unit_value"], r.json["currency"]) == ("12.5", "EUR")


def test_hand_made_storage_bins_also_block_a_generated_layout(api):
    assert api.post("/locations", {"code": "SHELF-1", "type": "storage"}).status_code == 201
    r = api.post("/layouts", {"aisles": 2, "bays_per_aisle": 3, "levels": 1, "bay_width_m": 1.0,
                              "aisle_width_m": 3.0})
    assert r.status_code == 409 and r.json["error"]["code"] == "layout_exists"
    assert api.get("/layouts/current").status_code == 404
