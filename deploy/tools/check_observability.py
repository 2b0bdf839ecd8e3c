#!/usr/bin/env python3
"""Checks the Grafana dashboard, the alert rules and the PrometheusRule against each other and
against reshelf's metric contract (deploy/grafana/metric-names.txt).

Usage (from the repository root; each command exits non-zero with one line per problem):

  check_observability.py dashboard              structure of reshelf-dashboard.json, and every
                                                query on the contract's names, labels and values
  check_observability.py dashboard-rules OUT    write the dashboard's queries as recording rules
                                                to OUT, for `promtool check rules` to parse them
  check_observability.py alerts                 every alert expression on the contract
  check_observability.py prometheusrule         the PrometheusRule embeds alerts.yaml unchanged
  check_observability.py write-prometheusrule   rewrite the PrometheusRule from alerts.yaml
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import yaml

# Import the sibling module without leaving __pycache__ in the repository.
sys.dont_write_bytecode = True
sys.path.insert(0, str(Path(__file__).resolve().parent))
from promql_names import Checker, load_metrics  # noqa: E402

DEPLOY = Path(__file__).resolve().parent.parent
NAMES = DEPLOY / "grafana" / "metric-names.txt"
DASHBOARD = DEPLOY / "grafana" / "reshelf-dashboard.json"
ALERTS = DEPLOY / "prometheus" / "alerts.yaml"
PROMETHEUS_RULE = DEPLOY / "kubernetes" / "prometheusrule.yaml"
DS = "${DS_PROMETHEUS}"

# Metrics the dashboard must chart: the list (traffic, personalized share, fallback
# reasons, latency by phase, cache hit rate, breaker state) plus endpoints and reloads.
REQUIRED_ON_DASHBOARD = {
    "reshelf_requests_total",
    "reshelf_listing_pages_total",
    "reshelf_request_duration_seconds",
    "reshelf_origin_duration_seconds",
    "reshelf_ranking_duration_seconds",
    "reshelf_rewrite_duration_seconds",
    "reshelf_ranking_cache_lookups_total",
    "reshelf_breaker_state",
    "reshelf_endpoint_requests_total",
    "reshelf_config_reloads_total",
}
LABEL_VALUES = re.compile(r"^label_values\((?:(?P<selector>.+),)?\s*(?P<label>[A-Za-z_]\w*)\s*\)$")


def panels(dashboard: dict) -> list[dict]:
    """Every panel, including those nested in collapsed rows."""
    out = []
    for p in dashboard.get("panels", []):
        out.append(p)
        out.extend(p.get("panels", []))
    return out


def check_dashboard(checker: Checker) -> list[str]:
    try:
        dash = json.loads(DASHBOARD.read_text())
    except json.JSONDecodeError as e:
        return [f"{DASHBOARD.name}: not JSON: {e}"]
    problems = []
    if not isinstance(dash.get("schemaVersion"), int) or dash["schemaVersion"] < 36:
        problems.append("schemaVersion must be an integer >= 36")
    for key in ("title", "uid"):
        if not dash.get(key):
            problems.append(f"dashboard has no {key}")
    variables = {v.get("name"): v for v in dash.get("templating", {}).get("list", [])}
    ds_var = variables.get("DS_PROMETHEUS")
    if not ds_var or ds_var.get("type") != "datasource" or ds_var.get("query") != "prometheus":
        problems.append("templating needs a datasource variable DS_PROMETHEUS of type prometheus")
    for name, var in variables.items():
        if var.get("type") != "query":
            continue
        query = var.get("definition") or var.get("query", {}).get("query", "")
        m = LABEL_VALUES.match(query.strip())
        if not m:
            problems.append(f"variable {name}: expected label_values(...), got {query!r}")
            continue
        if m["label"] not in checker.all_labels:
            problems.append(f"variable {name}: label {m['label']!r} is on no reshelf metric")
        if m["selector"]:
            problems += [f"variable {name}: {p}" for p in checker.check(m["selector"])]
        if var.get("datasource", {}).get("uid") != DS:
            problems.append(f"variable {name}: datasource uid must be {DS}")

    ids, cells = set(), {}
    for p in panels(dash):
        title = p.get("title", "?")
        pid = p.get("id")
        if not isinstance(pid, int) or pid in ids:
            problems.append(f"panel {title!r}: id {pid!r} missing or not unique")
        ids.add(pid)
        grid = p.get("gridPos", {})
        x, y, w, h = (grid.get(k) for k in ("x", "y", "w", "h"))
        if not all(isinstance(v, int) for v in (x, y, w, h)) or x < 0 or w < 1 or h < 1 or x + w > 24:
            problems.append(f"panel {title!r}: bad gridPos {grid}")
        else:
            for cx in range(x, x + w):
                for cy in range(y, y + h):
                    if (cx, cy) in cells:
                        problems.append(f"panel {title!r} overlaps {cells[(cx, cy)]!r}")
                        break
                    cells[(cx, cy)] = title
                else:
                    continue
                break
        if p.get("type") == "row":
            continue
        if not p.get("title"):
            problems.append(f"panel {pid}: no title")
        if p.get("datasource", {}).get("uid") != DS:
            problems.append(f"panel {title!r}: datasource uid must be {DS}")
        targets = p.get("targets", [])
        if not targets:
            problems.append(f"panel {title!r}: no queries")
        refs = [t.get("refId") for t in targets]
        if len(set(refs)) != len(refs) or None in refs:
            problems.append(f"panel {title!r}: refIds missing or repeated: {refs}")
        for t in targets:
            if t.get("datasource", {}).get("uid") != DS:
                problems.append(f"panel {title!r} query {t.get('refId')}: datasource uid must be {DS}")
            expr = t.get("expr", "")
            if not expr.strip():
                problems.append(f"panel {title!r} query {t.get('refId')}: empty expr")
            problems += [f"panel {title!r} query {t.get('refId')}: {p}" for p in checker.check(expr)]
    missing = REQUIRED_ON_DASHBOARD - checker.used
    if missing:
        problems.append(f"dashboard charts none of: {', '.join(sorted(missing))}")
    return problems


def grafana_to_promql(expr: str) -> str:
    """Replaces Grafana's variables by values Prometheus accepts, for promtool to parse."""
    expr = re.sub(r"\$\{?__(rate_interval|interval|range)\}?", "5m", expr)
    return re.sub(r"\$\{?\w+\}?", ".+", expr)


def write_dashboard_rules(out: Path) -> list[str]:
    dash = json.loads(DASHBOARD.read_text())
    rules = []
    for p in panels(dash):
        for t in p.get("targets", []):
            if t.get("expr"):
                record = f"dashboard:panel_{p['id']}_{t['refId']}:check"
                rules.append({"record": record, "expr": grafana_to_promql(t["expr"])})
    out.write_text(yaml.safe_dump({"groups": [{"name": "dashboard-queries", "rules": rules}]}))
    print(f"wrote {len(rules)} dashboard queries to {out}")
    return []


def alert_rules() -> list[dict]:
    doc = yaml.safe_load(ALERTS.read_text())
    return [r for g in doc["groups"] for r in g["rules"]]


def check_alerts(checker: Checker) -> list[str]:
    problems = []
    for rule in alert_rules():
        name = rule.get("alert") or rule.get("record")
        problems += [f"{name}: {p}" for p in checker.check(rule["expr"])]
        if "alert" in rule:
            for key in ("summary", "description"):
                if not rule.get("annotations", {}).get(key):
                    problems.append(f"{name}: no {key} annotation")
            if rule.get("labels", {}).get("severity") not in {"info", "warning", "critical"}:
                problems.append(f"{name}: severity label must be info, warning or critical")
    return problems


def check_prometheus_rule() -> list[str]:
    rule = yaml.safe_load(PROMETHEUS_RULE.read_text())
    standalone = yaml.safe_load(ALERTS.read_text())
    problems = []
    if rule.get("apiVersion") != "monitoring.coreos.com/v1" or rule.get("kind") != "PrometheusRule":
        problems.append(f"{PROMETHEUS_RULE.name}: not a monitoring.coreos.com/v1 PrometheusRule")
    if rule.get("spec", {}).get("groups") != standalone["groups"]:
        problems.append(
            f"{PROMETHEUS_RULE.name} does not embed {ALERTS.name} unchanged: run "
            "`python3 deploy/tools/check_observability.py write-prometheusrule`"
        )
    return problems


def write_prometheus_rule() -> list[str]:
    header = (
        "# Generated from deploy/prometheus/alerts.yaml (the source; edit that file) by\n"
        "#   python3 deploy/tools/check_observability.py write-prometheusrule\n"
        "# .ci/check-deploy fails when the two differ. kube-prometheus-stack only loads rules\n"
        "# whose labels match its ruleSelector (by default `release: <helm release name>`).\n"
    )
    doc = {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PrometheusRule",
        "metadata": {
            "name": "reshelf",
            "labels": {
                "app.kubernetes.io/name": "reshelf",
                "app.kubernetes.io/instance": "reshelf",
                "app.kubernetes.io/component": "metrics",
            },
        },
        "spec": {"groups": yaml.safe_load(ALERTS.read_text())["groups"]},
    }
    body = yaml.dump(doc, Dumper=_BlockDumper, sort_keys=False, width=100, allow_unicode=True)
    PROMETHEUS_RULE.write_text(header + body)
    print(f"wrote {PROMETHEUS_RULE}")
    return []


class _BlockDumper(yaml.SafeDumper):
    """Writes multi-line strings (PromQL expressions) as `|` blocks, as a person would."""


def _str(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    style = "|" if "\n" in text else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


_BlockDumper.add_representer(str, _str)


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    checker = Checker(load_metrics(NAMES))
    command = argv[0]
    if command == "dashboard":
        problems = check_dashboard(checker)
    elif command == "dashboard-rules" and len(argv) == 2:
        problems = write_dashboard_rules(Path(argv[1]))
    elif command == "alerts":
        problems = check_alerts(checker)
    elif command == "prometheusrule":
        problems = check_prometheus_rule()
    elif command == "write-prometheusrule":
        problems = write_prometheus_rule()
    else:
        print(__doc__, file=sys.stderr)
        return 2
    for p in problems:
        print(f"  {p}")
    if problems:
        print(f"{command}: {len(problems)} problem(s)")
        return 1
    if command in ("dashboard", "alerts", "prometheusrule"):
        print(f"{command}: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
