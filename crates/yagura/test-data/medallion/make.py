"""Writes backend.json: a medallion 3.0.0 memory-backend file made by
medallion's own code (MemoryBackend.add_objects fills the manifests and the
status resources), for `yagura import --format medallion` tests.
Run with a Python that has medallion 3.0.0: python make.py > backend.json"""
import datetime, io, json, sys
from medallion.backends.memory_backend import MemoryBackend

R = "http://127.0.0.1:5000/"
seed = {
    "/discovery": {"title": "Partner TAXII", "description": "a medallion deployment",
                   "default": R + "trustgroup1/", "api_roots": [R + "api1/", R + "trustgroup1/"]},
    "api1": {"information": {"title": "General", "description": "nothing here yet",
                             "versions": ["application/taxii+json;version=2.1"],
                             "max_content_length": 9765625},
             "status": [], "collections": []},
    "trustgroup1": {"information": {"title": "Trust group 1",
                                    "versions": ["application/taxii+json;version=2.1"],
                                    "max_content_length": 9765625},
                    "status": [], "collections": []},
}
coll = lambda i, title, r, w: {"id": i, "title": title, "can_read": r, "can_write": w,
                               "media_types": ["application/stix+json;version=2.1"],
                               "objects": [], "manifest": []}
seed["trustgroup1"]["collections"] = [
    coll("91a7b528-80eb-42ed-a74d-c6fbd5a26116", "Shared indicators", True, True),
    coll("52892447-4d7e-4f70-b94d-d7f22742ff63", "Read-only feed", True, False),
    coll("472c94ae-3113-4e3e-a4dd-a9f4ac7471d4", "Drop box", False, True),
]
backend = MemoryBackend()
backend.data = seed

def ind(n, modified, value):
    return {"type": "indicator", "spec_version": "2.1",
            "id": f"indicator--{n:08x}-0000-4000-8000-000000000000",
            "created": "2026-01-01T00:00:00.000Z", "modified": modified,
            "name": f"indicator {n}", "pattern": f"[ipv4-addr:value = '{value}']",
            "pattern_type": "stix", "valid_from": "2026-01-01T00:00:00Z"}

t0 = datetime.datetime(2026, 3, 1, 9, 0, 0, 123456, tzinfo=datetime.timezone.utc)
at = lambda s: t0 + datetime.timedelta(seconds=s)
shared, feed, box = [c["id"] for c in seed["trustgroup1"]["collections"]]
backend.add_objects("trustgroup1", shared, {"objects": [ind(1, "2026-01-01T00:00:00.000Z", "198.51.100.1"),
                                                        ind(2, "2026-01-01T00:00:00.000Z", "198.51.100.2")]}, at(0))
backend.add_objects("trustgroup1", shared, {"objects": [ind(1, "2026-02-01T00:00:00.000Z", "198.51.100.11")]}, at(60))
backend.add_objects("trustgroup1", feed, {"objects": [ind(n, "2026-01-05T00:00:00.000Z", f"203.0.113.{n}")
                                                      for n in range(10, 15)]}, at(120))
backend.add_objects("trustgroup1", box, {"objects": [ind(20, "2026-01-06T00:00:00.000Z", "192.0.2.20")]}, at(180))
out = io.StringIO()
backend.save_data_to_file(out, indent=1, sort_keys=True)
data = json.loads(out.getvalue())
data["users"] = {"alice": "alice-long-passphrase", "bob": "Password0"}
json.dump(data, sys.stdout, indent=1, sort_keys=True)
print()
sys.stdout.flush()
import os; os._exit(0)  # medallion's session checker thread never ends
