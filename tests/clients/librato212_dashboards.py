"""Run by tests/test_librato_dashboards.py with an interpreter that has librato-metrics==2.1.2
(it cannot share a venv with 3.1.0: both install the package ``librato``).

Usage: python librato212_dashboards.py URL EMAIL KEY  -> prints one JSON object of results.
"""

import json
import sys

import librato

url, email, key = sys.argv[1:4]
api = librato.connect(email, key, hostname=url.split("//", 1)[1], protocol="http")
out = {"version": librato.__version__}

inst = api.create_instrument("Temp", streams=[{"metric": "cpu", "source": "web-*"}],
                             attributes={"display_stacked": False})
out["created"] = [inst.id, inst.name, [(s.metric, s.source) for s in inst.streams], inst.attributes]
plain = api.create_instrument("Plain")
out["plain"] = [plain.id, plain.name, plain.streams]
out["listed"] = sorted(i.name for i in api.list_instruments(length=10))
got = api.get_instrument(inst.id)
out["got_type"] = got.streams[0].type
api.update_instrument(got, name="Temp2")
got = api.get_instrument(inst.id)
got.new_stream("mem", group_function="sum")
got.save()
again = api.get_instrument(inst.id)
out["updated"] = [again.name, [(s.metric, s.group_function) for s in again.streams]]

dash = api.create_dashboard("Main", instruments=[inst.id, plain.id])
out["dash"] = [dash.id, dash.name, dash.instrument_ids]
out["dash_list"] = [(d.name, d.instrument_ids) for d in api.list_dashboards()]
d = api.get_dashboard(dash.id)
api.update_dashboard(d, name="Main2", instruments=[plain.id])
d = api.get_dashboard(dash.id)
out["dash_updated"] = [d.name, d.instrument_ids, [i.name for i in d.get_instruments()]]
api._mexe("instruments/%d" % plain.id, method="DELETE")
out["after_instrument_delete"] = api.get_dashboard(dash.id).instrument_ids
api._mexe("dashboards/%d" % dash.id, method="DELETE")
try:
    api.get_dashboard(dash.id)
    out["deleted"] = False
except librato.exceptions.NotFound:
    out["deleted"] = True
print(json.dumps(out))
