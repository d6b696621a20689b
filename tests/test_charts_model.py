"""The one chart/dashboard model: pure folds, and the commands over a real log."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.charts import commands
from app.errors import Invalid
from app.runtime import Runtime
from events import charts as cev
from events import dashboards as dev
from events.charts import SeriesRef
from events.dashboards import Tile
from projections.aggregates import evolver
from projections.charts import evolve_chart
from projections.dashboards import evolve_dashboard
from projections.registry import build
from projections.runner import Projector
from tests.conftest import make_config

S = (SeriesRef(source="a" * 32, metric="temperature", color="#ff0000"),)


def test_chart_fold_create_update_delete():
    c = evolve_chart(None, cev.ChartCreated(chart_id=1, uid="f" * 32, org_id=2, name="T", series=S), 10)
    assert (c.id, c.uid, c.org_id, c.name, c.kind, c.version, c.created_at) == (1, "f" * 32, 2, "T", "line", 1, 10)
    c = evolve_chart(c, cev.ChartUpdated(chart_id=1, name="U", kind="stacked", series=(), attributes={"min": 0}), 20)
    assert (c.name, c.kind, c.series, c.attributes, c.version, c.updated_at) == ("U", "stacked", (), {"min": 0}, 2, 20)
    c = evolve_chart(c, cev.ChartDeleted(chart_id=1), 30)
    assert c.deleted and c.version == 3
    assert evolve_chart(None, cev.ChartUpdated(chart_id=1, name="x"), 1) is None
    assert evolver("chart-1") is evolve_chart and evolver("dashboard-1") is evolve_dashboard


def test_dashboard_fold_tiles():
    d = evolve_dashboard(None, dev.DashboardCreated(dashboard_id=1, uid="abc", org_id=1, title="Ops"), 1)
    d = evolve_dashboard(d, dev.TileAdded(dashboard_id=1, tile=Tile(chart_id=5)), 2)
    d = evolve_dashboard(d, dev.TileAdded(dashboard_id=1, tile=Tile(kind="text", text="hello")), 3)
    assert d.chart_ids() == [5] and len(d.tiles) == 2 and d.version == 3
    d = evolve_dashboard(d, dev.TileRemoved(dashboard_id=1, chart_id=5), 4)
    assert d.chart_ids() == [] and [t.kind for t in d.tiles] == ["text"]
    d = evolve_dashboard(d, dev.DashboardUpdated(dashboard_id=1, title="Ops 2", tags=("a",)), 5)
    assert (d.title, d.tags, len(d.tiles)) == ("Ops 2", ("a",), 1)  # tiles=None keeps them


@pytest.fixture
async def rt(tmp_path: Path):
    runtime = await Runtime.open(make_config(tmp_path / "d"))
    yield runtime
    await runtime.close()


async def test_space_chart_is_created_with_its_tile_and_deleted_with_it(rt, tmp_path):
    space = await commands.create_dashboard(rt, 1, title="Ops", origin="space", actor="t")
    chart = await commands.create_chart(rt, 1, name="CPU", series=S, origin="space", dashboard=space, actor="t")
    assert len(chart.uid) == 32 and rt["charts"].get(1, chart.id) is chart
    assert rt["charts"].get(2, chart.id) is None  # another organization sees nothing
    assert rt["dashboards"].get(1, space.id).chart_ids() == [chart.id]
    legacy = await commands.create_dashboard(rt, 1, title="L", origin="legacy", actor="t",
                                             tiles=commands.chart_tiles(rt, 1, [chart.id], "instruments"))
    await commands.delete_chart(rt, chart, actor="t")
    assert rt["charts"].get(1, chart.id) is None
    assert rt["dashboards"].get(1, space.id).chart_ids() == []
    assert rt["dashboards"].get(1, legacy.id).chart_ids() == []
    with pytest.raises(Invalid):
        commands.chart_tiles(rt, 1, [chart.id], "instruments")
    rebuilt = Projector(build())
    await rebuilt.build(rt.store, use_checkpoint=False)
    assert rebuilt.state() == rt.projector.state()


async def test_bad_chart_is_refused_and_nothing_stored(rt):
    before = rt.projector.position
    for kwargs in ({"name": ""}, {"name": "x" * 256}, {"name": "ok", "kind": "pie"}):
        with pytest.raises(Invalid):
            await commands.create_chart(rt, 1, **{"kind": "line", **kwargs}, origin="m2x", actor="t")
    assert rt.projector.position == before


async def space_of_two_and_one_apart(rt):
    """A space holding charts A and B, and chart K on no space: (space, A, B, K)."""
    space = await commands.create_dashboard(rt, 1, title="Ops", origin="space", actor="t")
    a = await commands.create_chart(rt, 1, name="A", origin="space", dashboard=space, actor="t")
    space = rt["dashboards"].get(1, space.id)
    b = await commands.create_chart(rt, 1, name="B", origin="space", dashboard=space, actor="t")
    keep = await commands.create_chart(rt, 1, name="K", origin="instrument", actor="t")
    return rt["dashboards"].get(1, space.id), a, b, keep


async def test_deleting_a_space_takes_its_charts(rt):
    space, a, b, keep = await space_of_two_and_one_apart(rt)
    assert [(t.x, t.y) for t in space.tiles] == [(0, 0), (6, 0)]
    await commands.delete_dashboard(rt, space, with_charts=True, actor="t")
    assert rt["charts"].of_org(1) == [keep] and rt["dashboards"].of_org(1) == []
    assert a.id != b.id


async def test_views_survive_a_checkpoint_round_trip(rt):
    import msgspec

    from projections.charts import Charts
    from projections.dashboards import Dashboards

    space = await commands.create_dashboard(rt, 1, title="Ops", origin="space", actor="t", attributes={"tags": True})
    chart = await commands.create_chart(rt, 1, name="CPU", series=S, origin="space", dashboard=space, actor="t",
                                        attributes={"min": 0, "label": "%"})
    for view in (Charts(), Dashboards()):
        live = rt[view.name]
        view.load(msgspec.msgpack.decode(msgspec.msgpack.encode(live.dump())))
        assert msgspec.to_builtins(view.dump()) == msgspec.to_builtins(live.dump())
    restored = Charts()
    restored.load(msgspec.msgpack.decode(msgspec.msgpack.encode(rt["charts"].dump())))
    assert restored.by_uid_any(chart.uid) == chart and restored.get(1, chart.id) == chart


async def test_http_traffic_rebuilds_to_the_same_views(client):
    """Charts and dashboards made through both dialects: a from-zero rebuild equals the live views."""
    import base64

    from app.http import RUNTIME
    from tests.conftest import make_org_key
    from tests.m2x_chart_factories import make_chart, make_device

    made = await make_org_key(client, "acme")
    h = {"Authorization": "Basic " + base64.b64encode(f"{made['email']}:{made['key']}".encode()).decode()}
    dev = await make_device(client, made["key"])
    m2x = await make_chart(client, made["key"], [(dev, "temperature")])
    await client.put(f"/v2/charts/{m2x['id']}", headers={"X-M2X-KEY": made["key"]},
                     json={"name": "R", "series": [{"device": dev, "stream": "temperature"}]})
    r = await client.post("/v1/instruments", headers=h, json={"name": "i", "streams": [{"metric": "m"}]})
    inst = await r.json()
    space = await (await client.post("/v1/spaces", headers=h, json={"name": "s"})).json()
    await client.post(f"/v1/spaces/{space['id']}/charts", headers=h, json={"name": "c", "streams": [{"metric": "m"}]})
    doomed = await (await client.post(f"/v1/spaces/{space['id']}/charts", headers=h, json={"name": "d"})).json()
    await client.delete(f"/v1/spaces/{space['id']}/charts/{doomed['id']}", headers=h)
    await client.post("/v1/dashboards", headers=h, json={"name": "d", "instruments": [inst["id"]]})
    rt = client.server.app[RUNTIME]
    rebuilt = Projector(build())
    await rebuilt.build(rt.store, use_checkpoint=False)
    assert rebuilt.state()["charts"] == rt.projector.state()["charts"]
    assert rebuilt.state()["dashboards"] == rt.projector.state()["dashboards"]
    assert len(rt["charts"].of_org(made["org"]["id"])) == 3


async def test_deleting_a_space_takes_its_charts_off_the_other_dashboards(rt):
    space, a, b, keep = await space_of_two_and_one_apart(rt)
    both = await commands.create_dashboard(rt, 1, title="Both", origin="legacy", actor="t",
                                           tiles=commands.chart_tiles(rt, 1, [a.id, keep.id, b.id], "instruments"))
    only_b = await commands.create_dashboard(rt, 1, title="B", origin="legacy", actor="t",
                                             tiles=(*commands.chart_tiles(rt, 1, [b.id], "instruments"),
                                                    Tile(kind="text", text="note", y=4)))
    assert [(t.chart_id, t.x, t.y) for t in both.tiles] == [(a.id, 0, 0), (keep.id, 6, 0), (b.id, 0, 4)]
    await commands.delete_dashboard(rt, rt["dashboards"].get(1, space.id), with_charts=True, actor="t")
    assert rt["charts"].of_org(1) == [keep]
    assert rt["dashboards"].get(1, both.id).chart_ids() == [keep.id]
    left = rt["dashboards"].get(1, only_b.id)
    assert left.chart_ids() == [] and [t.kind for t in left.tiles] == ["text"]
    assert [d.id for d in rt["dashboards"].of_org(1)] == [both.id, only_b.id]
