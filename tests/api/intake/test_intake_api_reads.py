"""Reads for the agent desk: filtered lists with cursor pagination, and the queue order."""

from __future__ import annotations

from datetime import timedelta


def arrived(desk, hours_ago: float, **fields) -> dict:
    when = (desk.clock.now() - timedelta(hours=hours_ago)).isoformat()
    return desk.new_request(received_at=when, **fields)


def qualify(desk, request: dict, impact: str, workaround: str = "none") -> dict:
    response = desk.command(
        request,
        "qualification",
        {
            "category": "technical",
            "profile": "b2b",
            "impact": impact,
            "urgency": "high",
            "workaround": workaround,
        },
    )
    assert response.status_code == 200, response.text
    return response.json()


def ids(items: list[dict]) -> list[str]:
    return [item["request_id"] for item in items]


def test_lists_page_with_a_cursor_newest_arrival_first(desk):
    requests = [arrived(desk, hours_ago=h) for h in range(5)]
    first = desk.get("/requests", limit=2).json()
    second = desk.get("/requests", limit=2, cursor=first["next_cursor"]).json()
    third = desk.get("/requests", limit=2, cursor=second["next_cursor"]).json()
    assert ids(first["items"] + second["items"] + third["items"]) == ids(requests)
    assert third["next_cursor"] is None


def test_a_forged_cursor_is_422_naming_cursor(desk):
    response = desk.get("/requests", cursor="not-a-cursor")
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "cursor"


def test_lists_filter_by_status_priority_channel_team_customer_and_dates(desk):
    customer = desk.new_customer()
    old_letter = arrived(desk, 48, channel="letter", customer_id=customer["customer_id"])
    p1 = qualify(desk, arrived(desk, 2), "critical")
    p2 = qualify(desk, arrived(desk, 1), "high")

    def listed(**params) -> list[str]:
        response = desk.get("/requests", **params)
        assert response.status_code == 200, response.text
        return ids(response.json()["items"])

    assert listed(priority="p1") == [p1["request_id"]]
    assert listed(priority=["p1", "p2"]) == [p2["request_id"], p1["request_id"]]
    assert listed(channel="letter") == [old_letter["request_id"]]
    assert listed(customer_id=customer["customer_id"]) == [old_letter["request_id"]]
    assert listed(team="technical_support") == [p2["request_id"], p1["request_id"]]
    desk.command(old_letter, "acknowledge")
    assert listed(status="acknowledged") == [old_letter["request_id"]]
    assert listed(status=["received", "acknowledged"]) == ids([p2, p1, old_letter])
    since = (desk.clock.now() - timedelta(hours=3)).isoformat()
    assert listed(received_from=since) == [p2["request_id"], p1["request_id"]]
    assert listed(received_to=since) == [old_letter["request_id"]]
    assert desk.get("/requests", received_from="2026-03-01T00:00:00").status_code == 422


def test_the_queue_serves_priority_first_then_first_come_first_served(desk):
    late_p1 = qualify(desk, arrived(desk, 1), "critical")
    early_p3 = arrived(desk, 5)
    early_p2 = qualify(desk, arrived(desk, 4), "high")
    late_p2 = qualify(desk, arrived(desk, 2), "high")
    queue = desk.get("/queue").json()["items"]
    assert ids(queue) == ids([late_p1, early_p2, late_p2, early_p3])


def test_a_documented_exception_moves_a_request_ahead_of_its_own_priority_only(desk):
    p1 = qualify(desk, arrived(desk, 1), "critical")
    early_p2 = qualify(desk, arrived(desk, 4), "high")
    late_p2 = qualify(desk, arrived(desk, 2), "high")
    response = desk.command(
        late_p2, "queue-exception", {"exception": "security_risk", "reason": "fuite de mots de passe"}
    )
    assert response.status_code == 200, response.text
    assert ids(desk.get("/queue").json()["items"]) == ids([p1, late_p2, early_p2])
    refused = desk.command(early_p2, "queue-exception", {"exception": "validated_p1", "reason": "x"})
    assert refused.status_code == 409


def test_requests_awaiting_the_customer_leave_the_queue(desk):
    request = arrived(desk, 1)
    request = desk.command(request, "acknowledge").json()
    assert ids(desk.get("/queue").json()["items"]) == [request["request_id"]]
    desk.command(request, "awaiting-customer", {"expected": "photo du compteur"})
    assert desk.get("/queue").json()["items"] == []
