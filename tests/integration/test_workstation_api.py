"""Counter workstation over HTTP: who sits where, pause and close, walk-ins, park and resume,
transfers to an agent or placed first, agents' services, the board, and level-2 cases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from guichet.models import Appointment, Case, TicketEvent

from .test_api_actions import act, call_next, issue


def post(client, world, path: str, who: str = "agent", **body):  # type: ignore[no-untyped-def]
    return client.post(f"/api/v1{path}", json=body, headers=world.auth(who))


def get(client, world, path: str, who: str = "agent"):  # type: ignore[no-untyped-def]
    return client.get(f"/api/v1{path}", headers=world.auth(who))


def serving(client, world, who: str = "agent", counter: int = 1) -> dict:  # type: ignore[no-untyped-def]
    issue(client, world)
    called = call_next(client, world, counter, who)
    assert called.status_code == 200, called.json
    started = act(client, world, called.json["id"], "start", who)
    assert started.status_code == 200
    return started.json


DAYTIME = datetime(2027, 3, 22, 8, 0, tzinfo=UTC)  # Monday 09:00 in Paris

CASE = {"services": ["CAF", "CPAM"], "description": "Changement de situation, droits CAF et CPAM"}


# --- counters --------------------------------------------------------------------------------


def test_an_agent_occupies_a_counter_and_another_agent_cannot_use_it(client, world) -> None:
    c1, c2 = world.counters[1], world.counters[2]
    sat = post(client, world, f"/counters/{c1}/occupy")
    assert sat.status_code == 200
    assert sat.json["status"] == "open" and sat.json["agent"]["id"] == world.user_ids["agent"]
    assert get(client, world, "/me").json["counter"]["id"] == c1

    taken = post(client, world, f"/counters/{c1}/occupy", "agent2")
    assert taken.status_code == 409 and taken.json["error"] == "counter_occupied"
    issue(client, world)
    refused = call_next(client, world, 1, "agent2")
    assert refused.status_code == 403 and refused.json["error"] == "counter_of_other_agent"

    # Moving to another counter closes the first one and frees it for a colleague.
    assert post(client, world, f"/counters/{c2}/occupy").status_code == 200
    counters = {c["id"]: c for c in get(client, world, f"/sites/{world.slug}/counters").json["counters"]}
    assert counters[c1]["status"] == "closed" and counters[c1]["agent"] is None
    assert counters[c2]["agent"]["id"] == world.user_ids["agent"]
    assert post(client, world, f"/counters/{c1}/occupy", "agent2").status_code == 200


def test_a_manager_may_take_over_an_occupied_counter(client, world) -> None:
    c1 = world.counters[1]
    assert post(client, world, f"/counters/{c1}/occupy").status_code == 200
    took = post(client, world, f"/counters/{c1}/occupy", "manager")
    assert took.status_code == 200 and took.json["agent"]["id"] == world.user_ids["manager"]


def test_a_manager_calling_from_a_free_counter_does_not_take_it_from_the_agents(client, world) -> None:
    issue(client, world)
    t = call_next(client, world, 1, "manager")
    assert t.status_code == 200
    counters = {c["id"]: c for c in get(client, world, f"/sites/{world.slug}/counters").json["counters"]}
    assert counters[world.counters[1]]["agent"] is None
    assert act(client, world, t.json["id"], "start", "manager").status_code == 200
    assert act(client, world, t.json["id"], "finish", "manager", outcome="resolved").status_code == 200
    assert post(client, world, f"/counters/{world.counters[1]}/occupy").status_code == 200


def test_pause_and_close_are_refused_while_a_ticket_is_held(client, world) -> None:
    t = serving(client, world)
    c1 = world.counters[1]
    for status in ("paused", "closed"):
        r = post(client, world, f"/counters/{c1}/status", status=status)
        assert r.status_code == 409 and r.json["error"] == "counter_busy"
        assert t["number"] in r.json["message"]
    assert act(client, world, t["id"], "finish", outcome="resolved").status_code == 200
    paused = post(client, world, f"/counters/{c1}/status", status="paused")
    assert paused.status_code == 200 and paused.json["status"] == "paused"
    assert paused.json["agent"]["id"] == world.user_ids["agent"]
    bad = post(client, world, f"/counters/{c1}/status", status="lunch")
    assert bad.status_code == 422


def test_closing_a_counter_releases_tickets_sent_to_it_to_the_others(client, world, ctx) -> None:
    c2 = world.counters[2]
    assert post(client, world, f"/counters/{c2}/occupy", "agent2").status_code == 200
    t = serving(client, world)
    moved = act(client, world, t["id"], "transfer", counter=c2)
    assert moved.status_code == 200 and moved.json["target_counter"] == c2
    assert act(client, world, t["id"], "transfer", counter=c2).status_code == 409  # already transferred
    # Only counter 2 may call it...
    assert call_next(client, world, 1).status_code == 204
    closed = post(client, world, f"/counters/{c2}/status", "agent2", status="closed")
    assert closed.status_code == 200 and closed.json["agent"] is None
    # ...until it closes: the ticket stays in its queue for the others, its arrival time kept.
    again = call_next(client, world, 1)
    assert again.status_code == 200 and again.json["id"] == moved.json["id"]
    assert again.json["target_counter"] is None
    with ctx.db.session() as s:
        actions = list(s.scalars(select(TicketEvent.action).where(TicketEvent.ticket_id == moved.json["id"])))
    assert actions == ["transfer_in", "release", "call"]


def test_a_walk_in_without_ticket_is_numbered_and_served_at_once_never_announced(
    client, world, published
) -> None:
    r = post(client, world, f"/counters/{world.counters[1]}/walk-in", service="CPAM")
    assert r.status_code == 201, r.json
    assert r.json["status"] == "serving" and r.json["source"] == "counter" and r.json["number"] == "M001"
    assert r.json["counter"]["id"] == world.counters[1]
    assert "ticket_called" not in [e.name for e in published]
    busy = post(client, world, f"/counters/{world.counters[1]}/walk-in", service="CPAM")
    assert busy.status_code == 409 and busy.json["error"] == "counter_busy"
    unknown = post(client, world, f"/counters/{world.counters[2]}/walk-in", service="NOPE")
    assert unknown.status_code == 404
    # The next kiosk ticket of the service continues the numbering: none repeats.
    assert issue(client, world, "CPAM")["number"] == "M002"


def test_park_frees_the_counter_and_resume_takes_the_ticket_back(client, world) -> None:
    t = serving(client, world)
    parked = act(client, world, t["id"], "park")
    assert parked.status_code == 200 and parked.json["status"] == "parked"
    assert get(client, world, f"/counters/{world.counters[1]}/current").json == {"ticket": None}
    listing = get(client, world, f"/sites/{world.slug}/parked").json["tickets"]
    assert [x["id"] for x in listing] == [t["id"]]
    # Meanwhile the counter serves someone else.
    other = issue(client, world)
    assert call_next(client, world).json["id"] == other["id"]
    busy = act(client, world, t["id"], "resume", counter=world.counters[1])
    assert busy.status_code == 409 and busy.json["error"] == "counter_busy"
    assert act(client, world, other["id"], "start").status_code == 200
    assert act(client, world, other["id"], "finish", outcome="resolved").status_code == 200
    resumed = act(client, world, t["id"], "resume", counter=world.counters[1])
    assert resumed.status_code == 200 and resumed.json["status"] == "serving"
    assert resumed.json["counter"]["id"] == world.counters[1]
    assert get(client, world, f"/sites/{world.slug}/parked").json["tickets"] == []
    assert act(client, world, t["id"], "finish", outcome="resolved").json["status"] == "done"


def test_resume_needs_a_counter_and_the_agent_sitting_there(client, world) -> None:
    t = serving(client, world)
    assert act(client, world, t["id"], "park").status_code == 200
    assert act(client, world, t["id"], "resume").status_code == 422
    assert post(client, world, f"/counters/{world.counters[2]}/occupy", "agent2").status_code == 200
    other = act(client, world, t["id"], "resume", counter=world.counters[2])
    assert other.status_code == 403 and other.json["error"] == "counter_of_other_agent"


def test_transfer_to_an_agent_only_their_counter_calls_it(client, world) -> None:
    assert post(client, world, f"/counters/{world.counters[2]}/occupy", "agent2").status_code == 200
    t = serving(client, world)
    moved = act(client, world, t["id"], "transfer", agent=world.user_ids["agent2"])
    assert moved.status_code == 200 and moved.json["target_agent"] == world.user_ids["agent2"]
    assert moved.json["number"] == t["number"]
    assert call_next(client, world, 1).status_code == 204
    got = call_next(client, world, 2, "agent2")
    assert got.status_code == 200 and got.json["id"] == moved.json["id"]
    both = act(client, world, got.json["id"], "transfer", "agent2", counter=world.counters[1], agent=1)
    assert both.status_code == 422


def test_transfer_placed_first_goes_before_older_walk_ins(client, world, ctx) -> None:
    clock = {"now": DAYTIME}  # a fixed weekday morning: the business day must not change mid-test
    ctx.clock = lambda: clock["now"]
    waiting = [issue(client, world) for _ in range(3)]
    clock["now"] += timedelta(minutes=5)
    t = serving(client, world)  # the oldest of the queue is called first
    assert t["id"] == waiting[0]["id"]
    issue(client, world)  # a newer walk-in
    moved = act(client, world, t["id"], "transfer", service="CAF", placement="first")
    assert moved.status_code == 200 and moved.json["placed_first"] is True
    assert call_next(client, world, 2, "agent2").json["id"] == moved.json["id"]
    # Placed by arrival instead, a transfer keeps its original arrival time but no head start.
    assert act(client, world, moved.json["id"], "start", "agent2").status_code == 200
    back = act(client, world, moved.json["id"], "transfer", "agent2", service="CPAM")
    assert back.status_code == 200 and back.json["placed_first"] is False
    bad = act(client, world, waiting[1]["id"], "transfer", service="CAF", placement="last")
    assert bad.status_code == 422


def test_an_agent_restricted_to_some_services_calls_only_those(client, world) -> None:
    uid = world.user_ids["agent"]
    r = client.put(
        f"/api/v1/users/{uid}/services", json={"services": ["CPAM"]}, headers=world.auth("manager")
    )
    assert r.status_code == 200 and r.json["services"] == ["CPAM"]
    caf = issue(client, world, "CAF")
    cpam = issue(client, world, "CPAM")
    assert call_next(client, world).json["id"] == cpam["id"]
    staff = get(client, world, f"/sites/{world.slug}/staff", "manager").json["users"]
    assert next(u for u in staff if u["id"] == uid)["services"] == ["CPAM"]
    # An agent may not change the rules.
    refused = client.put(f"/api/v1/users/{uid}/services", json={"services": []}, headers=world.auth("agent"))
    assert refused.status_code == 403
    # The older CAF ticket was passed over, and stays for a colleague who serves CAF.
    agent2 = call_next(client, world, 2, "agent2")
    assert agent2.status_code == 200 and agent2.json["id"] == caf["id"]


def test_managers_set_a_counters_services_and_weights(client, world) -> None:
    cid = world.counters[3]
    r = client.put(
        f"/api/v1/counters/{cid}/services",
        json={"services": [{"code": "CAF", "weight": 2}, {"code": "ANTS"}]},
        headers=world.auth("manager"),
    )
    assert r.status_code == 200
    assert {(x["code"], x["weight"]) for x in r.json["services"]} == {("CAF", 2.0), ("ANTS", 1.0)}
    caf = issue(client, world, "CAF")
    assert call_next(client, world, 3).json["id"] == caf["id"]
    for body, status in (
        ({"services": [{"code": "NOPE"}]}, 404),
        ({"services": [{"code": "CAF"}, {"code": "CAF"}]}, 400),
        ({"services": [{"code": "CAF", "weight": 0}]}, 422),
    ):
        bad = client.put(f"/api/v1/counters/{cid}/services", json=body, headers=world.auth("manager"))
        assert bad.status_code == status, bad.json


def test_board_counts_waiting_longest_wait_and_tickets_over_target(client, world, ctx) -> None:
    clock = {"now": DAYTIME}  # a fixed weekday morning: the business day must not change mid-test
    ctx.clock = lambda: clock["now"]
    issue(client, world, "CAF")
    clock["now"] += timedelta(minutes=10)
    issue(client, world, "CAF")
    clock["now"] += timedelta(minutes=10)  # first: 20 min, second: 10 min; the target is 15 min
    assert post(client, world, f"/counters/{world.counters[2]}/occupy", "agent2").status_code == 200
    board = get(client, world, f"/sites/{world.slug}/board").json
    caf = next(x for x in board["services"] if x["code"] == "CAF")
    assert caf["waiting"] == 2 and caf["longest_wait_s"] == 1200
    assert caf["target_wait_s"] == 900 and caf["over_target"] == 1 and caf["open_counters"] == 1
    counters = {c["number"]: c for c in board["counters"]}
    assert counters[2]["status"] == "open" and counters[2]["agent"]["id"] == world.user_ids["agent2"]
    assert board["parked"] == 0


def test_workstation_configuration_lists_outcomes_in_french_and_experts(client, world) -> None:
    r = get(client, world, f"/sites/{world.slug}/workstation")
    assert r.status_code == 200
    outcomes = {o["code"]: o["label"] for o in r.json["outcomes"]}
    assert outcomes["escalated"] == "Transmis au niveau 2" and outcomes["resolved"] == "Résolu"
    assert [e["id"] for e in r.json["experts"]] == [world.user_ids["expert"]]
    assert r.json["min_recalls_before_no_show"] >= 0
    assert {c["number"] for c in r.json["counters"]} == {1, 2, 3}


def test_the_current_ticket_carries_its_appointment(client, world, ctx) -> None:
    from guichet.services import checkin

    def add(s, _e):  # type: ignore[no-untyped-def]
        s.add(
            Appointment(
                site_id=world.site_id,
                service_id=world.services["CAF"],
                expert_id=world.user_ids["expert"],
                starts_at=ctx.clock() + timedelta(minutes=2),
                code="RDV2CASE",
                created_at=ctx.clock(),
            )
        )

    ctx.transact(add)
    result = checkin.check_in(ctx, world.actors["kiosk"], world.slug, "RDV2CASE")
    # A checked-in appointment waits for its own expert (issue 10): another agent does not get it.
    assert call_next(client, world, 1, "agent").status_code == 204
    called = call_next(client, world, 2, "expert")
    assert called.status_code == 200 and called.json["source"] == "appointment", result
    current = get(client, world, f"/counters/{world.counters[2]}/current", "expert").json["ticket"]
    assert current["appointment"]["code"] == "RDV2CASE"
    assert current["appointment"]["expert"]["id"] == world.user_ids["expert"]
    day = get(client, world, "/experts/me/day", "expert").json
    assert [a["code"] for a in day["appointments"]] == ["RDV2CASE"]
    assert day["appointments"][0]["ticket"]["status"] == "called"


# --- level-2 cases -----------------------------------------------------------------------------


def escalate(client, world, who: str = "agent", **case):  # type: ignore[no-untyped-def]
    t = serving(client, world, who, 1 if who == "agent" else 2)
    return act(client, world, t["id"], "finish", who, outcome="escalated", case={**CASE, **case})


def test_finishing_escalated_opens_a_case_with_its_deadline_in_the_same_transaction(
    client, world, ctx
) -> None:
    t = serving(client, world)
    missing = act(client, world, t["id"], "finish", outcome="escalated")
    assert missing.status_code == 400 and missing.json["error"] == "case_required"
    wrong = act(client, world, t["id"], "finish", outcome="resolved", case=CASE)
    assert wrong.status_code == 400 and wrong.json["error"] == "case_needs_escalated_outcome"
    no_consent = act(
        client, world, t["id"], "finish", outcome="escalated", case={**CASE, "contact": {"name": "A. Martin"}}
    )
    assert no_consent.status_code == 400 and no_consent.json["error"] == "consent_required"
    # Every refusal rolled back: the ticket is still being served, no case exists.
    assert get(client, world, f"/counters/{world.counters[1]}/current").json["ticket"]["status"] == "serving"
    with ctx.db.session() as s:
        assert s.scalar(select(Case.id)) is None

    done = act(
        client,
        world,
        t["id"],
        "finish",
        outcome="escalated",
        note="pièces fournies",
        case={**CASE, "consent": True, "contact": {"name": "A. Martin", "email": "a.martin@example.org"}},
    )
    assert done.status_code == 200, done.json
    case = done.json["case"]
    assert done.json["status"] == "done" and done.json["outcome"] == "escalated"
    assert case["reference"].startswith("N2-") and case["status"] == "open"
    assert case["ticket"] == t["number"] and case["contact"]["email"] == "a.martin@example.org"
    assert [x["code"] for x in case["services"]] == ["CAF", "CPAM"]
    assert case["missing"] == ["CAF", "CPAM"]
    opened = ctx.clock()
    from datetime import datetime

    due = datetime.fromisoformat(case["due_at"])
    assert timedelta(hours=71, minutes=59) < due - opened <= timedelta(hours=72)
    with ctx.db.session() as s:
        actions = list(s.scalars(select(TicketEvent.action).where(TicketEvent.ticket_id == t["id"])))
    assert actions[-2:] == ["finish", "escalate"]


def test_the_strictest_service_deadline_applies(client, world, ctx) -> None:
    from guichet.models import Service

    def shorten(s, _e):  # type: ignore[no-untyped-def]
        s.get(Service, world.services["CPAM"]).sla_hours = 24

    ctx.transact(shorten)
    case = escalate(client, world).json["case"]
    from datetime import datetime

    assert datetime.fromisoformat(case["due_at"]) - datetime.fromisoformat(case["opened_at"]) == timedelta(
        hours=24
    )


def test_who_sees_a_case(client, world, ctx) -> None:
    case = escalate(client, world).json["case"]
    cid = case["id"]
    for who in ("agent", "expert", "manager", "admin"):
        assert get(client, world, f"/cases/{cid}", who).status_code == 200, who
        assert [c["id"] for c in get(client, world, "/cases", who).json["cases"]] == [cid], who
    # Another agent did not open it.
    assert get(client, world, f"/cases/{cid}", "agent2").status_code == 403
    assert get(client, world, "/cases", "agent2").json["cases"] == []
    # An expert restricted to other services does not see it either.
    r = client.put(
        f"/api/v1/users/{world.user_ids['expert']}/services",
        json={"services": ["ANTS"]},
        headers=world.auth("manager"),
    )
    assert r.status_code == 200
    assert get(client, world, f"/cases/{cid}", "expert").status_code == 403
    assert get(client, world, "/cases", "expert").json["cases"] == []
    assert get(client, world, "/cases/999999", "manager").status_code == 404
    assert get(client, world, "/cases?status=nope", "manager").status_code == 400


def test_a_case_on_two_services_closes_with_one_grouped_answer_once_both_contributed(client, world) -> None:
    cid = escalate(client, world).json["case"]["id"]
    early = post(client, world, f"/cases/{cid}/answer", "expert", text="Réponse")
    assert early.status_code == 409 and early.json["error"] == "contributions_missing"
    assert early.json["details"]["services"] == ["CAF", "CPAM"]
    assert "Service CAF, Service CPAM" in early.json["message"]
    agent = post(client, world, f"/cases/{cid}/contributions", "agent", service="CAF", text="x")
    assert agent.status_code == 403 and agent.json["error"] == "experts_only"
    one = post(
        client, world, f"/cases/{cid}/contributions", "expert", service="CAF", text="Droits CAF ouverts."
    )
    assert one.status_code == 200 and one.json["missing"] == ["CPAM"]
    assert one.json["services"][0]["contributed_by"]["id"] == world.user_ids["expert"]
    still = post(client, world, f"/cases/{cid}/answer", "expert", text="Réponse")
    assert still.status_code == 409 and still.json["details"]["services"] == ["CPAM"]
    unknown = post(client, world, f"/cases/{cid}/contributions", "expert", service="ANTS", text="?")
    assert unknown.status_code == 404
    two = post(
        client,
        world,
        f"/cases/{cid}/contributions",
        "manager",
        service="CPAM",
        text="Carte Vitale mise à jour.",
    )
    assert two.status_code == 200 and two.json["missing"] == []
    done = post(client, world, f"/cases/{cid}/answer", "expert", text="Vos droits CAF et CPAM sont à jour.")
    assert done.status_code == 200 and done.json["status"] == "answered" and done.json["overdue"] is False
    assert done.json["answered_by"]["id"] == world.user_ids["expert"]
    again = post(client, world, f"/cases/{cid}/answer", "expert", text="Encore")
    assert again.status_code == 409 and again.json["error"] == "case_closed"
    assert [c["id"] for c in get(client, world, "/cases?status=answered", "expert").json["cases"]] == [cid]
    assert get(client, world, "/cases", "expert").json["cases"] == []


def test_overdue_cases_stand_out_first_for_managers(client, world, ctx) -> None:
    clock = {"now": DAYTIME}  # a fixed weekday morning: the business day must not change mid-test
    ctx.clock = lambda: clock["now"]
    old = escalate(client, world).json["case"]["id"]
    clock["now"] += timedelta(hours=48)
    fresh = escalate(client, world, "agent2").json["case"]["id"]
    clock["now"] += timedelta(hours=30)  # the first is 78 h old: 6 h late
    cases = get(client, world, "/cases", "manager").json["cases"]
    assert [c["id"] for c in cases] == [old, fresh]
    assert cases[0]["overdue"] is True and cases[0]["remaining_s"] == -6 * 3600
    assert cases[1]["overdue"] is False


def test_a_case_without_ticket_and_case_events_carry_no_personal_data(client, world, published) -> None:
    r = post(
        client,
        world,
        f"/sites/{world.slug}/requests",
        channel="phone",
        services=["CAF"],
        summary="Appel téléphonique",
        consent=True,
        contact={"name": "B. Durand", "phone": "06 12 34 56 78"},
    )
    assert r.status_code == 201 and r.json["case"]["ticket"] is None
    events = [e for e in published if e.name == "case_changed"]
    assert events and all(set(e.payload) == {"case", "status"} for e in events)
    bad_mail = post(
        client,
        world,
        f"/sites/{world.slug}/requests",
        channel="phone",
        services=["CAF"],
        summary="x",
        consent=True,
        contact={"name": "B", "email": "pas-un-mail"},
    )
    assert bad_mail.status_code == 422
    path = f"/sites/{world.slug}/requests"
    no_service = post(client, world, path, channel="phone", services=[], summary="x")
    assert no_service.status_code == 422
