"""Picking by scan over HTTP: confirm, wrong scans, replay, shorts with and without other stock."""
from __future__ import annotations

import json

from sqlalchemy import select

from tests.conftest import Api
from tests.integration.picking.conftest import (
    adjust,
    current,
    ledger_is_clean,
    measured_walk,
    pick,
    pick_all,
    place_order,
    snapshot,
)

GS = "\x1d"


def stock_at(api: Api, sku: str) -> dict:
    return {(s["location"], s["lot"]): (s["on_hand"], s["reserved"])
            for s in api.get(f"/stock?sku={sku}").json["items"]}


def released(api: Api, **body) -> int:
    r = api.post("/waves", body)
    assert r.status_code == 201, r.json
    return r.json["picklists"][0]["id"]


def events(app, order_id: int) -> list[str]:
    from wms.db import db
    from wms.webhooks.models import WebhookEvent

    with app.app_context():
        return [json.loads(e.body)["type"] for e in db.session.scalars(
            select(WebhookEvent).where(WebhookEvent.aggregate == f"order:{order_id}").order_by(WebhookEvent.id))]


def test_confirming_every_task_picks_the_order_into_staging(floor, any_app):
    floor.post("/webhooks", {"url": "http://127.0.0.1:9/hook", "events": ["order.picked"]})
    adjust(floor, "MUG", "A04-B11-L1", 5)
    adjust(floor, "CAP", "A01-B02-L1", 5)
    order = place_order(floor, "SO-1", [("MUG", 2), ("CAP", 1)])
    list_id = released(floor)
    picker = Api(any_app, "picker")
    replies = pick_all(picker, list_id)
    assert len(replies) == 2 and replies[-1]["next"] is None
    assert replies[-1]["picklist"]["status"] == "done" and replies[-1]["order"]["status"] == "picked"
    got = floor.get(f"/orders/{order['id']}").json
    assert got["status"] == "picked" and [ln["picked"] for ln in got["lines"]] == [2, 1]
    assert stock_at(floor, "MUG") == {("A04-B11-L1", None): (3, 0), ("STAGE-01", None): (2, 0)}
    assert stock_at(floor, "CAP") == {("A01-B02-L1", None): (4, 0), ("STAGE-01", None): (1, 0)}
    assert [t["status"] for t in floor.get(f"/picklists/{list_id}").json["tasks"]] == ["picked", "picked"]
    assert events(any_app, order["id"]) == ["order.allocated", "order.picked"]
    moves = floor.get("/moves?sku=MUG").json["items"]
    assert moves[-1]["kind"] == "pick" and moves[-1]["to_location"] == "STAGE-01"
    ledger_is_clean(any_app)


def test_item_may_be_scanned_as_gtin_or_gs1_and_quantity_may_come_in_parts(floor, any_app):
    adjust(floor, "MUG", "A02-B05-L1", 5)
    adjust(floor, "TEA", "A03-B01-L1", 5, lot="L7")
    place_order(floor, "SO-1", [("MUG", 3), ("TEA", 2)])
    list_id = released(floor)
    first = current(floor, list_id)
    by_sku = {t["sku"]: t for t in floor.get(f"/picklists/{list_id}").json["tasks"]}
    assert by_sku["TEA"]["lot"] == "L7" and by_sku["MUG"]["lot"] is None
    scans = {"MUG": ["4006381333931", "]E04006381333931", "(01)04006381333931"],
             "TEA": ["]C1" + "0109506000134352" + "10L7", "0109506000134352", "]C1" + "0109506000134352" + "10L7"]}
    for k, scan in enumerate(scans[first["sku"]][:first["quantity"]]):
        r = pick(floor, list_id, first, item_barcode=scan, quantity=1)
        assert r.status_code == 200, (scan, r.json)
    assert r.json["task"]["status"] == "picked" and r.json["next"]["sku"] != first["sku"]
    rest = r.json["next"]
    for scan in scans[rest["sku"]][:rest["quantity"]]:
        r = pick(floor, list_id, rest, item_barcode=scan, quantity=1)
        assert r.status_code == 200, (scan, r.json)
    assert r.json["next"] is None and r.json["order"]["status"] == "picked"
    ledger_is_clean(any_app)


def test_wrong_bin_item_lot_or_quantity_is_409_saying_what_is_expected_and_changes_nothing(floor, any_app):
    adjust(floor, "TEA", "A03-B01-L1", 5, lot="L7")
    adjust(floor, "MUG", "A03-B02-L1", 5)
    place_order(floor, "SO-1", [("TEA", 2)])
    list_id = released(floor)
    task = current(floor, list_id)
    before = snapshot(floor)
    wrong = [
        ({"location_barcode": "A03-B02-L1"}, "wrong_location", "A03-B01-L1"),
        ({"item_barcode": "MUG"}, "wrong_item", {"sku": "TEA", "gtin": "09506000134352", "lot": "L7"}),
        ({"item_barcode": "4006381333931"}, "wrong_item", {"sku": "TEA", "gtin": "09506000134352", "lot": "L7"}),
        ({"item_barcode": "]C1" + "0109506000134352" + "10L8"}, "wrong_lot",
         {"sku": "TEA", "gtin": "09506000134352", "lot": "L7"}),
        ({"quantity": 3}, "over_pick", 2),
    ]
    for change, code, expected in wrong:
        r = pick(floor, list_id, task, **change)
        assert r.status_code == 409, (change, r.json)
        assert r.json["error"]["code"] == code and r.json["error"]["details"]["expected"] == expected
    bad = pick(floor, list_id, task, item_barcode="0109506000134353")  # check digit wrong
    assert bad.status_code == 422 and bad.json["error"]["code"] == "invalid_barcode"
    assert snapshot(floor) == before
    ledger_is_clean(any_app)


def test_a_wrong_item_is_told_with_the_gtin_as_the_catalogue_was_given_it(floor, any_app):
    # MUG was created with a GTIN-13: the picker is told those 13 digits, as printed under its EAN-13.
    adjust(floor, "MUG", "A02-B05-L1", 5)
    place_order(floor, "SO-1", [("MUG", 1)])
    list_id = released(floor)
    task = current(floor, list_id)
    r = pick(floor, list_id, task, item_barcode="09506000134352")
    assert r.status_code == 409 and r.json["error"]["code"] == "wrong_item"
    assert r.json["error"]["details"]["expected"] == {"sku": "MUG", "gtin": "4006381333931", "lot": None}
    assert "4006381333931" in r.json["error"]["message"]
    r = pick(floor, list_id, task, item_barcode="]C1" + "0104006381333931", quantity=1)
    assert r.status_code == 200 and r.json["task"]["status"] == "picked", r.json
    ledger_is_clean(any_app)


def test_scan_id_replays_the_first_reply_for_picks_and_rejections(floor, any_app):
    adjust(floor, "MUG", "A01-B07-L1", 5)
    place_order(floor, "SO-1", [("MUG", 2)])
    list_id = released(floor)
    task = current(floor, list_id)
    rejected = pick(floor, list_id, task, location_barcode="A01-B01-L1", scan_id="s-1")
    assert rejected.status_code == 409
    assert pick(floor, list_id, task, location_barcode="A01-B01-L1", scan_id="s-1").json == rejected.json
    first = pick(floor, list_id, task, quantity=1, scan_id="s-2")
    assert first.status_code == 200
    after = snapshot(floor)
    again = pick(floor, list_id, task, quantity=1, scan_id="s-2")
    assert (again.status_code, again.json) == (200, first.json)
    assert snapshot(floor) == after
    assert stock_at(floor, "MUG")[("STAGE-01", None)] == (1, 0)
    reused = pick(floor, list_id, task, quantity=2, scan_id="s-2")
    assert reused.status_code == 422 and reused.json["error"]["code"] == "scan_id_reused"
    ledger_is_clean(any_app)


def test_short_with_other_stock_adds_a_task_in_the_same_tote(floor, any_app):
    adjust(floor, "MUG", "A01-B03-L1", 4)
    adjust(floor, "CAP", "A02-B09-L1", 2)
    order = place_order(floor, "SO-1", [("MUG", 4), ("CAP", 1)])
    adjust(floor, "MUG", "A04-B12-L1", 10)  # arrives later: allocation took the older, whole bin
    list_id = released(floor)
    mug = next(t for t in floor.get(f"/picklists/{list_id}").json["tasks"] if t["sku"] == "MUG")
    assert mug["location"] == "A01-B03-L1"
    picker = Api(any_app, "picker")
    r = picker.post(f"/picklists/{list_id}/short", {"task_id": mug["id"], "quantity_found": 1, "scan_id": "sh-1"})
    assert r.status_code == 200, r.json
    assert r.json["task"]["status"] == "short" and r.json["task"]["picked"] == 1 and r.json["task"]["short"] == 3
    (added,) = r.json["added"]
    assert (added["location"], added["sku"], added["quantity"], added["tote"]) == ("A04-B12-L1", "MUG", 3,
                                                                                  mug["tote"])
    assert r.json["order"]["status"] == "picking"
    again = picker.post(f"/picklists/{list_id}/short", {"task_id": mug["id"], "quantity_found": 1, "scan_id": "sh-1"})
    assert again.json == r.json
    assert stock_at(floor, "MUG") == {("A04-B12-L1", None): (10, 3), ("STAGE-01", None): (1, 0)}
    loss = [m for m in floor.get("/moves?sku=MUG").json["items"] if m["to_location"] == "VIRTUAL-LOSS"]
    assert [(m["from_location"], m["quantity"]) for m in loss] == [("A01-B03-L1", 3)]
    pl = floor.get(f"/picklists/{list_id}").json
    assert [t["seq"] for t in pl["tasks"]] == [1, 2, 3]
    assert abs(measured_walk(floor, [t["location"] for t in pl["tasks"]]) - pl["route_length_m"]) < 0.0005
    pick_all(picker, list_id)
    got = floor.get(f"/orders/{order['id']}").json
    assert got["status"] == "picked" and [ln["picked"] for ln in got["lines"]] == [4, 1]
    ledger_is_clean(any_app)


def test_short_without_other_stock_sends_the_order_to_exception(floor, any_app):
    adjust(floor, "PEN", "A02-B02-L1", 3)
    order = place_order(floor, "SO-1", [("PEN", 3)])
    list_id = released(floor)
    task = current(floor, list_id)
    r = floor.post(f"/picklists/{list_id}/short", {"task_id": task["id"], "quantity_found": 0})
    assert r.status_code == 200, r.json
    assert r.json["added"] == [] and r.json["order"]["status"] == "exception"
    assert r.json["picklist"]["status"] == "done" and r.json["next"] is None
    got = floor.get(f"/orders/{order['id']}").json
    assert got["status"] == "exception" and got["lines"][0]["allocated"] == 0
    assert stock_at(floor, "PEN") == {}
    ledger_is_clean(any_app)
    closed = floor.post(f"/picklists/{list_id}/short", {"task_id": task["id"], "quantity_found": 0})
    assert closed.status_code == 409 and closed.json["error"]["code"] == "picklist_done"


def test_short_that_is_not_short_and_unknown_task_are_409(floor):
    adjust(floor, "PEN", "A02-B02-L1", 3)
    place_order(floor, "SO-1", [("PEN", 2)])
    list_id = released(floor)
    task = current(floor, list_id)
    r = floor.post(f"/picklists/{list_id}/short", {"task_id": task["id"], "quantity_found": 2})
    assert r.status_code == 409 and r.json["error"]["code"] == "not_short"
    r = floor.post(f"/picklists/{list_id}/short", {"task_id": task["id"] + 100, "quantity_found": 0})
    assert r.status_code == 409 and r.json["error"]["code"] == "unknown_task"
    assert floor.get("/picklists/999").status_code == 404


def test_roles(floor, any_app):
    adjust(floor, "PEN", "A02-B02-L1", 3)
    place_order(floor, "SO-1", [("PEN", 1)])
    list_id = released(floor)
    for role in ("packer", "receiver", "storefront"):
        other = Api(any_app, role)
        assert other.get(f"/picklists/{list_id}").status_code == 403
        assert pick(other, list_id, current(floor, list_id)).status_code == 403
    assert Api(any_app, "picker").get(f"/picklists/{list_id}").status_code == 200


def test_a_cancelled_order_is_skipped(floor, any_app):
    adjust(floor, "PEN", "A01-B01-L1", 5)
    adjust(floor, "CAP", "A04-B12-L1", 5)
    keep = place_order(floor, "SO-1", [("PEN", 1)])
    gone = place_order(floor, "SO-2", [("CAP", 1)])
    list_id = released(floor)
    assert floor.post(f"/orders/{gone['id']}/cancel", {}).status_code == 200
    task = next(t for t in floor.get(f"/picklists/{list_id}").json["tasks"] if t["order_id"] == keep["id"])
    r = pick(floor, list_id, task)
    assert r.status_code == 200, r.json
    assert r.json["next"] is None and r.json["picklist"]["status"] == "done"
    assert floor.get(f"/orders/{keep['id']}").json["status"] == "picked"
    ledger_is_clean(any_app)
