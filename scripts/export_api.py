"""Write the documents other tools rely on: each service's OpenAPI, each service's AsyncAPI (what it
consumes), and the catalogue of versioned event contracts (what every service publishes).

    .venv/bin/python scripts/export_api.py          # rewrite docs/api/
    .venv/bin/python scripts/export_api.py --check  # exit 1 if docs/api/ is out of date (CI)
"""
from __future__ import annotations

import argparse
import importlib
import json
import sys
import tempfile
from pathlib import Path

SERVICES = ("referrals", "scheduling", "notifications", "audits", "reporting")
OUT = Path(__file__).resolve().parents[1] / "docs" / "api"


def documents() -> dict[str, str]:
    from faststream.specification import AsyncAPI

    from safeguard_shared.contracts import all_contracts

    docs: dict[str, str] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name in SERVICES:
            config = importlib.import_module(f"{name}.config")
            # The broker URL is fixed so that the documents do not depend on the environment they are made in.
            settings = config.load_settings(data_dir=Path(tmp) / name, database_url=f"sqlite+aiosqlite:///{tmp}/{name}.db",
                                            nats_url="nats://127.0.0.1:4250")
            app = importlib.import_module(f"{name}.bootstrap").bootstrap(settings)
            docs[f"{name}.openapi.json"] = json.dumps(app.openapi(), indent=2, sort_keys=True, default=str)
            spec = AsyncAPI(app.state.runtime.bus.broker, title=f"safeguarding {name}", schema_version="3.0.0")
            docs[f"{name}.asyncapi.json"] = json.dumps(json.loads(spec.to_specification().to_json()), indent=2,
                                                       sort_keys=True)
    catalogue = [{"event_type": c.event_type, "schema_version": c.schema_version, "subject": c.subject(),
                  "description": (c.__doc__ or "").strip(), "payload": c.model_json_schema()}
                 for c in all_contracts()]
    docs["events.json"] = json.dumps({"envelope": ["event_id", "event_type", "schema_version", "occurred_at",
                                                   "correlation_id", "causation_id", "producer", "payload"],
                                      "events": catalogue}, indent=2, sort_keys=True)
    return {k: v + "\n" for k, v in docs.items()}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()
    docs = documents()
    if args.check:
        stale = [n for n, text in docs.items() if not (OUT / n).exists() or (OUT / n).read_text() != text]
        if stale:
            print(f"docs/api is out of date: {', '.join(stale)}; run .venv/bin/python scripts/export_api.py")
            return 1
        return 0
    OUT.mkdir(parents=True, exist_ok=True)
    for name, text in docs.items():
        (OUT / name).write_text(text)
    print(f"wrote {len(docs)} documents to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
