"""Views of one recorded trace (explain.py records it): the levels, which are filters over the
trace, and its lineage graph. Nothing here evaluates anything."""

from __future__ import annotations

from typing import Any

# which events each level shows: a filter over the one trace
LEVEL_EVENTS = {
    "answer": {"answer", "conflict", "change"},
    "fired": {"answer", "conflict", "change", "fire", "outcome"},
    "full": {"answer", "conflict", "change", "fire", "outcome", "fact", "not_fired"},
}


def lineage(trace: list[dict[str, Any]]) -> dict[str, Any]:
    """The graph fact -> rule -> fact -> ... -> answer part, from the trace's firings."""
    nodes: dict[str, dict[str, Any]] = {}
    edges: list[dict[str, str]] = []
    for ev in trace:
        if ev["event"] == "fact":
            nodes[f"fact:{ev['fact']}"] = {"id": f"fact:{ev['fact']}", "kind": "fact", "value": ev["value"]}
        elif ev["event"] == "fire" and not ev["repeat"]:
            rid = f"rule:{ev['rule']}"
            nodes[rid] = {"id": rid, "kind": "rule"}
            for m in ev["matched"]:
                src = f"fact:{m['fact']}" if "from_rule" not in m else f"derived:{m['fact']}={m['actual']}"
                if src.startswith("derived:"):
                    nodes.setdefault(src, {"id": src, "kind": "derived", "value": m["actual"]})
                edges.append({"from": src, "to": rid})
            for a in ev["asserted"]:
                dst = f"derived:{a['fact']}={a['value']}"
                nodes.setdefault(dst, {"id": dst, "kind": "derived", "value": a["value"]})
                edges.append({"from": rid, "to": dst})
        elif ev["event"] == "answer":
            for part, rid in sorted(ev["decided_by"].items()):
                dst = f"answer:{part}"
                nodes[dst] = {"id": dst, "kind": "answer", "value": show_value(ev.get(part))}
                edges.append({"from": f"rule:{rid}", "to": dst})
    return {"nodes": list(nodes.values()), "edges": edges}


def filter_level(trace: list[dict[str, Any]], level: str) -> list[dict[str, Any]]:
    keep = LEVEL_EVENTS[level]
    return [ev for ev in trace if ev["event"] in keep]


def show_value(value: Any) -> str:
    """A trace value as text: true/false, ISO dates, lists in brackets."""
    import datetime as dt

    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(show_value(v) for v in value) + "]"
    return str(value)
