#!/usr/bin/env python3
"""Checks that the Kubernetes manifests, the ConfigMap's reshelf.toml and the Dockerfile agree.

Schema validation (field names and types) is kubernetes-validate's job in .ci/check-deploy;
this script checks what a schema cannot: that the pieces fit together. Every manifest parses
and names itself; the probes hit /readyz and /healthz on a port the container declares; the
Services and the PodDisruptionBudget select the Deployment's pods; the ServiceMonitor finds the
metrics Service; the config's listeners are the container's ports (the admin one reachable, not
on loopback); the tokens the config names come from the Secret; the shutdown timings add up;
the config file the image reads is the one the ConfigMap mounts.

Usage: python3 deploy/tools/validate_manifests.py   (from anywhere; exit 1 on any problem)
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

import yaml

DEPLOY = Path(__file__).resolve().parent.parent
K8S = DEPLOY / "kubernetes"
DOCKERFILE = DEPLOY / "Dockerfile"
ALERTS = DEPLOY / "prometheus" / "alerts.yaml"
# reshelf's drain after SIGTERM (src/server/mod.rs SHUTDOWN_GRACE).
DRAIN_GRACE_SECONDS = 10

# The config keys of the README's "Config reference". reshelf rejects unknown keys at start
# (deny_unknown_fields), so a key outside these would fail the rollout.
CONFIG_KEYS = {
    "listen": {"public", "admin", "debug_header", "stream_listings", "request_head_timeout_ms",
               "idle_timeout_ms", "send_timeout_ms", "h2_keepalive_interval_ms",
               "h2_keepalive_timeout_ms", "max_connections", "connection_wait_ms"},
    "origin": {"url", "connect_timeout_ms", "timeout_ms", "max_rewrite_bytes"},
    "fashionai": {"base_url", "token_env", "recommendation_path", "timeout_ms", "search_path",
                  "profile_path"},
    "endpoints": {"prefix", "shop_the_look_timeout_ms", "search_timeout_ms",
                  "rate_limit_per_minute", "trusted_proxies", "cors_origins"},
    "admin": {"token_env"},
    "log": {"format"},
    "cache": {"ttl_seconds", "max_bytes"},
    "identity": {"session_cookie", "user_cookie", "user_header"},
    "experiment": {"name", "holdout_percent", "mode", "cookie", "cookie_key_env", "goals"},
}
PAGE_KEYS = {"path", "id_query", "format", "tiles", "product_id", "product_id_pattern",
             "companions", "slot_classes", "slot_attributes", "array"}
DEFAULTS = {"public": "0.0.0.0:8080", "admin": "127.0.0.1:9100",
            "fashionai_token": "FASHIONAI_APP_TOKEN", "admin_token": "RESHELF_ADMIN_TOKEN",
            "fashionai_timeout_ms": 120, "session_cookie": "reshelf_sid",
            "cache_max_bytes": 268435456}
# Memory a connection costs (BENCHMARKS.md "Connections": RSS with a burst's connections open,
# each with its origin connection, less idle RSS, per connection: 69 KiB, rounded up), and the
# socket buffers the kernel charges to the pod's memory cgroup for the two while they carry data.
PER_CONNECTION_BYTES = 72 * 1024
PER_CONNECTION_KERNEL_BYTES = 32 * 1024
# reshelf's RSS idle after start, plus listing bodies in flight, rounded up.
BASE_RSS_BYTES = 96 * 2**20

problems: list[str] = []


def problem(where: str, text: str) -> None:
    problems.append(f"{where}: {text}")


def load_documents() -> dict[str, list[dict]]:
    """Every YAML document under deploy/kubernetes, by file name."""
    docs = {}
    for path in sorted(K8S.glob("*.yaml")):
        try:
            docs[path.name] = [d for d in yaml.safe_load_all(path.read_text()) if d is not None]
        except yaml.YAMLError as e:
            problem(path.name, f"not YAML: {e}")
    return docs


def quantity(text: str | int) -> float:
    """A Kubernetes quantity ("500m", "2", "256Mi") as a number of base units."""
    units = {"m": 1e-3, "": 1, "k": 1e3, "M": 1e6, "G": 1e9, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30}
    m = re.fullmatch(r"([0-9.]+)([a-zA-Z]*)", str(text))
    if not m or m[2] not in units:
        raise ValueError(f"not a quantity: {text!r}")
    return float(m[1]) * units[m[2]]


def selects(selector: dict, labels: dict) -> bool:
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


def port_of(address: str, where: str) -> tuple[str, int] | None:
    m = re.fullmatch(r"\[?([^\]]*)\]?:(\d+)", address)
    if not m:
        problem(where, f"{address!r} is not host:port")
        return None
    return m[1], int(m[2])


def check_structure(docs: dict[str, list[dict]]) -> dict[str, list[dict]]:
    by_kind: dict[str, list[dict]] = {}
    kustomization = {}
    for name, items in docs.items():
        for d in items:
            if d.get("kind") == "Kustomization":
                kustomization = d
                continue
            for key in ("apiVersion", "kind"):
                if not isinstance(d.get(key), str):
                    problem(name, f"document without {key}")
            if not isinstance(d.get("metadata", {}).get("name"), str):
                problem(name, f"{d.get('kind')} without metadata.name")
            d["_file"] = name
            by_kind.setdefault(d.get("kind"), []).append(d)
    listed = set(kustomization.get("resources", []))
    for res in listed:
        if not (K8S / res).is_file():
            problem("kustomization.yaml", f"resource {res} does not exist")
    for name in docs:
        if name != "kustomization.yaml" and ".example." not in name and name not in listed:
            problem("kustomization.yaml", f"{name} is not listed in resources")
    for kind in ("Deployment", "ConfigMap", "Service", "HorizontalPodAutoscaler",
                 "PodDisruptionBudget", "ServiceMonitor", "PrometheusRule"):
        if kind not in by_kind:
            problem("kubernetes/", f"no {kind}")
    return by_kind


def check_deployment(dep: dict) -> tuple[dict, dict, dict]:
    where = dep["_file"]
    spec = dep["spec"]
    pod = spec["template"]["spec"]
    labels = spec["template"]["metadata"].get("labels", {})
    if not selects(spec["selector"].get("matchLabels", {}), labels):
        problem(where, "selector.matchLabels does not match the pod template's labels")
    (container,) = pod["containers"]
    ports = {p["name"]: p["containerPort"] for p in container.get("ports", [])}
    numbers = set(ports.values())
    for probe, path in (("readinessProbe", "/readyz"), ("livenessProbe", "/healthz")):
        get = container.get(probe, {}).get("httpGet")
        if not get:
            problem(where, f"no {probe} httpGet")
            continue
        port = get.get("port")
        if not (port in ports if isinstance(port, str) else port in numbers):
            problem(where, f"{probe} port {port!r} is not a containerPort")
        elif ports.get(port, port) != ports.get("admin"):
            problem(where, f"{probe} must use the admin port")
        if get.get("path") != path:
            problem(where, f"{probe} path should be {path}, is {get.get('path')!r}")
    pre_stop = container.get("lifecycle", {}).get("preStop", {})
    sleep = pre_stop.get("sleep", {}).get("seconds")
    if sleep is None:
        command = pre_stop.get("exec", {}).get("command", [])
        sleep = int(command[-1]) if command[:1] == ["sleep"] else None
    if sleep is None:
        problem(where, "no preStop sleep to let endpoint removal propagate")
        sleep = 0
    grace = pod.get("terminationGracePeriodSeconds", 30)
    if grace < sleep + DRAIN_GRACE_SECONDS:
        problem(where, f"terminationGracePeriodSeconds {grace} < preStop {sleep} s "
                       f"+ drain {DRAIN_GRACE_SECONDS} s")
    res = container.get("resources", {})
    for kind in ("cpu", "memory"):
        req, lim = res.get("requests", {}).get(kind), res.get("limits", {}).get(kind)
        if req is None:
            problem(where, f"no {kind} request")
        if kind == "memory" and lim is None:
            problem(where, "no memory limit")
        if req is not None and lim is not None and quantity(req) > quantity(lim):
            problem(where, f"{kind} request {req} exceeds limit {lim}")
    psc, csc = pod.get("securityContext", {}), container.get("securityContext", {})
    if not (csc.get("runAsNonRoot") or psc.get("runAsNonRoot")):
        problem(where, "runAsNonRoot is not set")
    if csc.get("runAsUser", psc.get("runAsUser")) == 0:
        problem(where, "runs as uid 0")
    if csc.get("readOnlyRootFilesystem") is not True:
        problem(where, "readOnlyRootFilesystem is not true")
    if csc.get("allowPrivilegeEscalation") is not False:
        problem(where, "allowPrivilegeEscalation is not false")
    if "ALL" not in csc.get("capabilities", {}).get("drop", []):
        problem(where, "capabilities do not drop ALL")
    seccomp = csc.get("seccompProfile", psc.get("seccompProfile", {}))
    if seccomp.get("type") != "RuntimeDefault":
        problem(where, "seccompProfile is not RuntimeDefault")
    return labels, ports, container


def check_config(configmaps: list[dict], container: dict, ports: dict, pod_spec: dict) -> dict:
    """Checks the mounted reshelf.toml; returns it parsed (empty when it cannot be found)."""
    env = {e["name"]: e for e in container.get("env", [])}
    config_path = env.get("RESHELF_CONFIG", {}).get("value")
    docker_env = re.search(r"^ENV\s+RESHELF_CONFIG=(\S+)", DOCKERFILE.read_text(), re.M)
    if docker_env and config_path not in (None, docker_env[1]):
        problem("deployment", f"RESHELF_CONFIG {config_path} differs from the image's {docker_env[1]}")
    config_path = config_path or (docker_env[1] if docker_env else None)
    if config_path is None:
        problem("deployment", "no RESHELF_CONFIG in the container env or the Dockerfile")
        return {}
    mount = next((m for m in container.get("volumeMounts", [])
                  if config_path.startswith(m["mountPath"].rstrip("/") + "/")), None)
    if mount is None:
        problem("deployment", f"no volumeMount holds {config_path}")
        return {}
    if mount.get("subPath"):
        problem("deployment", "config mounted with subPath: ConfigMap edits would never reach the pod")
    volume = next((v for v in pod_spec.get("volumes", []) if v["name"] == mount["name"]), {})
    cm_name = volume.get("configMap", {}).get("name")
    cm = next((c for c in configmaps if c["metadata"]["name"] == cm_name), None)
    key = config_path[len(mount["mountPath"].rstrip("/")) + 1:]
    if cm is None or key not in cm.get("data", {}):
        problem("deployment", f"{config_path} is not a key of a ConfigMap in the kustomization")
        return {}
    where = f"{cm['_file']} {key}"
    try:
        cfg = tomllib.loads(cm["data"][key])
    except tomllib.TOMLDecodeError as e:
        problem(where, f"not TOML: {e}")
        return {}
    for section, value in cfg.items():
        if section == "pages":
            for i, page in enumerate(value):
                for k in set(page) - PAGE_KEYS:
                    problem(where, f"unknown key pages[{i}].{k}")
                if page.get("format") not in ("html", "json"):
                    problem(where, f"pages[{i}].format must be html or json")
        elif section not in CONFIG_KEYS:
            problem(where, f"unknown section [{section}]")
        else:
            for k in set(value) - CONFIG_KEYS[section]:
                problem(where, f"unknown key {section}.{k}")
    if not cfg.get("origin", {}).get("url"):
        problem(where, "origin.url is required")
    if not cfg.get("pages"):
        problem(where, "at least one [[pages]] block is required")
    listen = cfg.get("listen", {})
    for name, default in (("public", DEFAULTS["public"]), ("admin", DEFAULTS["admin"])):
        parsed = port_of(listen.get(name, default), f"{where} listen.{name}")
        if not parsed:
            continue
        host, port = parsed
        want = ports.get("http" if name == "public" else "admin")
        if port != want:
            problem(where, f"listen.{name} port {port} is not the container's "
                           f"{'http' if name == 'public' else 'admin'} port {want}")
        if host.startswith("127.") or host in ("::1", "localhost"):
            problem(where, f"listen.{name} on loopback: kubelet probes and Prometheus cannot reach it")
    tokens = [(cfg.get("fashionai", {}).get("token_env", DEFAULTS["fashionai_token"]), True),
              (cfg.get("admin", {}).get("token_env", DEFAULTS["admin_token"]), False)]
    for var, required in tokens:
        ref = env.get(var, {}).get("valueFrom", {}).get("secretKeyRef")
        if ref is None:
            problem("deployment", f"env {var} (named in reshelf.toml) does not come from a Secret")
        elif required and ref.get("optional"):
            problem("deployment", f"env {var} is required by reshelf but optional in the Secret ref")
    return cfg


def check_secret_example(secrets: list[dict], container: dict) -> None:
    keys = {(s["metadata"]["name"], k) for s in secrets for k in s.get("stringData", {})}
    for e in container.get("env", []):
        ref = e.get("valueFrom", {}).get("secretKeyRef")
        if ref and (ref["name"], ref["key"]) not in keys:
            problem("secret.example.yaml", f"does not show key {ref['key']} of Secret {ref['name']}")


def check_services(by_kind: dict, pod_labels: dict, ports: dict, container: dict) -> None:
    services = by_kind.get("Service", [])
    monitors = by_kind.get("ServiceMonitor", [])
    metrics_services = set()
    for sm in monitors:
        where = sm["_file"]
        selector = sm["spec"].get("selector", {}).get("matchLabels", {})
        matched = [s for s in services if selects(selector, s["metadata"].get("labels", {}))]
        if len(matched) != 1:
            problem(where, f"selector matches {len(matched)} Services, want exactly 1")
            continue
        svc = matched[0]
        metrics_services.add(svc["metadata"]["name"])
        svc_ports = {p.get("name"): p for p in svc["spec"]["ports"]}
        for ep in sm["spec"].get("endpoints", []):
            target = svc_ports.get(ep.get("port"))
            if target is None:
                problem(where, f"endpoint port {ep.get('port')!r} is not a port of {svc['metadata']['name']}")
            elif target.get("targetPort") not in ("admin", ports.get("admin")):
                problem(where, "scrapes a port other than the admin port")
            if ep.get("path", "/metrics") != "/metrics":
                problem(where, "endpoint path must be /metrics")
    for svc in services:
        where = f"{svc['_file']} ({svc['metadata']['name']})"
        if not selects(svc["spec"].get("selector", {}), pod_labels):
            problem(where, "selector does not select the Deployment's pods")
        for p in svc["spec"]["ports"]:
            target = p.get("targetPort", p.get("port"))
            if not (target in ports if isinstance(target, str) else target in ports.values()):
                problem(where, f"targetPort {target!r} is not a containerPort")
            admin = target in ("admin", ports.get("admin"))
            if admin and svc["metadata"]["name"] not in metrics_services:
                problem(where, "exposes the admin port on a Service that is not the metrics Service")
        if svc["metadata"]["name"] in metrics_services and svc["spec"].get("type", "ClusterIP") != "ClusterIP":
            problem(where, "the metrics Service must stay ClusterIP")
    for ing in by_kind.get("Ingress", []):
        for rule in ing["spec"].get("rules", []):
            for path in rule.get("http", {}).get("paths", []):
                backend = path["backend"]["service"]
                svc = next((s for s in services if s["metadata"]["name"] == backend["name"]), None)
                if svc is None:
                    problem(ing["_file"], f"backend Service {backend['name']} is not in kubernetes/")
                elif backend["name"] in metrics_services:
                    problem(ing["_file"], "routes public traffic to the metrics Service")
                elif backend["port"].get("name") not in {p.get("name") for p in svc["spec"]["ports"]}:
                    problem(ing["_file"], f"backend port {backend['port']} is not on {backend['name']}")


def check_scaling(by_kind: dict, dep: dict, pod_labels: dict) -> None:
    for hpa in by_kind.get("HorizontalPodAutoscaler", []):
        ref = hpa["spec"]["scaleTargetRef"]
        if (ref.get("kind"), ref.get("name")) != ("Deployment", dep["metadata"]["name"]):
            problem(hpa["_file"], "scaleTargetRef is not the reshelf Deployment")
        lo, hi = hpa["spec"].get("minReplicas", 1), hpa["spec"]["maxReplicas"]
        if not 2 <= lo <= hi:
            problem(hpa["_file"], f"minReplicas {lo} / maxReplicas {hi}: want 2 <= min <= max")
        replicas = dep["spec"].get("replicas")
        if replicas is not None and not lo <= replicas <= hi:
            problem(dep["_file"], f"replicas {replicas} outside the HPA's {lo}..{hi}")
        if not any(m.get("resource", {}).get("name") == "cpu" for m in hpa["spec"].get("metrics", [])):
            problem(hpa["_file"], "does not scale on CPU")
    for pdb in by_kind.get("PodDisruptionBudget", []):
        if not selects(pdb["spec"].get("selector", {}).get("matchLabels", {}), pod_labels):
            problem(pdb["_file"], "selector does not select the Deployment's pods")


def check_dockerfile(ports: dict) -> None:
    text = DOCKERFILE.read_text()
    instructions = [l for l in text.splitlines() if l and not l.lstrip().startswith("#")]
    body = "\n".join(instructions)
    if re.search(r"^HEALTHCHECK\b", body, re.M):
        problem("Dockerfile", "has a HEALTHCHECK (Kubernetes probes do that)")
    if len(re.findall(r"^FROM\b", body, re.M)) < 2:
        problem("Dockerfile", "is not multi-stage")
    if "cargo build --release --locked" not in body:
        problem("Dockerfile", "does not build with `cargo build --release --locked`")
    users = re.findall(r"^USER\s+(\S+)", body, re.M)
    if not users or users[-1].split(":")[0] in ("root", "0"):
        problem("Dockerfile", "the runtime stage does not switch to a non-root USER")
    exposed = {int(p.split("/")[0]) for l in re.findall(r"^EXPOSE\s+(.+)$", body, re.M) for p in l.split()}
    if exposed != set(ports.values()):
        problem("Dockerfile", f"EXPOSE {sorted(exposed)} differs from the containerPorts {sorted(ports.values())}")


def check_connection_budget(cfg: dict, container: dict) -> None:
    """In a container the nofile limit is the runtime's (often 1048576), so a budget derived
    from it would be far beyond the memory limit: the ConfigMap must set max_connections, and
    the memory limit must hold that many connections beside the ranking cache."""
    where = "configmap.yaml reshelf.toml"
    listen = cfg.get("listen", {})
    max_connections = listen.get("max_connections", 0)
    if not max_connections:
        problem(where, "listen.max_connections is not set: in a container the budget derived from "
                       "the runtime's nofile limit would exceed the memory limit")
        return
    limit = container.get("resources", {}).get("limits", {}).get("memory")
    if limit is None:
        return
    cache = cfg.get("cache", {}).get("max_bytes", DEFAULTS["cache_max_bytes"])
    need = BASE_RSS_BYTES + cache + max_connections * (PER_CONNECTION_BYTES + PER_CONNECTION_KERNEL_BYTES)
    if need > quantity(limit):
        problem("deployment", f"memory limit {limit} < {need / 2**20:.0f} MiB: base "
                              f"{BASE_RSS_BYTES / 2**20:.0f} MiB + cache {cache / 2**20:.0f} MiB + "
                              f"{max_connections} connections x "
                              f"{(PER_CONNECTION_BYTES + PER_CONNECTION_KERNEL_BYTES) / 1024:.0f} KiB")


def check_budget_alert(cfg: dict) -> None:
    """The ranking-latency alert's threshold must stay under the configured budget."""
    budget = cfg.get("fashionai", {}).get("timeout_ms", DEFAULTS["fashionai_timeout_ms"]) / 1000
    for group in yaml.safe_load(ALERTS.read_text())["groups"]:
        for rule in group["rules"]:
            if "reshelf_ranking_duration_seconds_bucket" in rule.get("expr", ""):
                m = re.search(r">\s*([0-9.]+)\s*$", rule["expr"].strip())
                if m and not 0 < float(m[1]) < budget:
                    problem("alerts.yaml", f"{rule.get('alert')}: threshold {m[1]} s is not under "
                                           f"the configured budget {budget} s")


def main() -> int:
    docs = load_documents()
    by_kind = check_structure(docs)
    deployments = by_kind.get("Deployment", [])
    if len(deployments) == 1:
        dep = deployments[0]
        pod_labels, ports, container = check_deployment(dep)
        cfg = check_config(by_kind.get("ConfigMap", []), container, ports, dep["spec"]["template"]["spec"])
        check_secret_example(by_kind.get("Secret", []), container)
        check_services(by_kind, pod_labels, ports, container)
        check_scaling(by_kind, dep, pod_labels)
        check_dockerfile(ports)
        check_budget_alert(cfg)
        check_connection_budget(cfg, container)
        session = cfg.get("identity", {}).get("session_cookie", DEFAULTS["session_cookie"])
        ingress_text = (K8S / "ingress.example.yaml").read_text()
        if f"$cookie_{session}" not in ingress_text:
            problem("ingress.example.yaml", f"does not hash on the session cookie $cookie_{session}")
    else:
        problem("kubernetes/", f"want exactly one Deployment, found {len(deployments)}")
    count = sum(len(v) for v in docs.values())
    for p in problems:
        print(f"  {p}")
    if problems:
        print(f"manifests: {len(problems)} problem(s) in {count} documents")
        return 1
    print(f"manifests: ok ({count} documents in {len(docs)} files)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
