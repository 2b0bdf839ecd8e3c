"""Checks that PromQL expressions use only reshelf's published metrics, labels and label values.

The contract is deploy/grafana/metric-names.txt (a copy of METRICS.md): one metric a line,
`name type label=v1|v2 ...`. This is not a PromQL parser (promtool parses; see
check_observability.py); it is a tokenizer that finds every metric name, every label matcher and
every grouping label of an expression, which is what a renamed metric or a misspelt reason value
breaks silently: the query parses and returns nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

# Labels that Prometheus (job, instance) and the Prometheus operator (namespace, pod, service,
# container) attach to every scraped series.
TARGET_LABELS = {"job", "instance", "namespace", "pod", "service", "container"}
HISTOGRAM_SUFFIXES = ("_bucket", "_sum", "_count")
GROUPING = {"by", "without", "on", "ignoring", "group_left", "group_right"}
KEYWORDS = {"and", "or", "unless", "offset", "bool", "inf", "nan", "atan2"}
# PromQL functions and aggregation operators (Prometheus 2.x/3.x). A name outside this set
# followed by "(" is a typo.
FUNCTIONS = set(
    """
    abs absent absent_over_time acos acosh asin asinh atan atanh avg_over_time ceil changes clamp
    clamp_max clamp_min cos cosh count_over_time day_of_month day_of_week day_of_year days_in_month
    deg delta deriv exp floor histogram_avg histogram_count histogram_fraction histogram_quantile
    histogram_stddev histogram_stdvar histogram_sum holt_winters double_exponential_smoothing hour
    idelta increase irate label_join label_replace last_over_time ln log10 log2 mad_over_time
    max_over_time min_over_time minute month pi predict_linear present_over_time quantile_over_time
    rad rate resets round scalar sgn sin sinh sort sort_by_label sort_by_label_desc sort_desc sqrt
    stddev_over_time stdvar_over_time sum_over_time tan tanh time timestamp vector year
    sum min max avg group stddev stdvar count count_values bottomk topk quantile limitk
    limit_ratio start end
    """.split()
)

TOKEN = re.compile(
    r"""
    (?P<ws>\s+|\#[^\n]*)
  | (?P<string>"(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'|`[^`]*`)
  | (?P<var>\$\{[^}]+\}|\$\w+)
  | (?P<number>(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?(?:ms|[smhdwy])*(?:\d+(?:ms|[smhdwy]))*)
  | (?P<ident>[a-zA-Z_:][a-zA-Z0-9_:]*)
  | (?P<op>=~|!~|==|!=|<=|>=|[-+*/%^<>=@,(){}\[\]])
    """,
    re.VERBOSE,
)
LITERAL_ALTERNATIVES = re.compile(r"^[A-Za-z0-9_.+-]+(\|[A-Za-z0-9_.+-]+)*$")


@dataclass
class Metric:
    """One line of metric-names.txt: a metric and the values each of its labels may take."""

    name: str
    kind: str
    labels: dict[str, set[str] | None] = field(default_factory=dict)  # None = any value


def load_metrics(path: Path) -> dict[str, Metric]:
    """Reads metric-names.txt into {name: Metric}."""
    metrics: dict[str, Metric] = {}
    for lineno, line in enumerate(path.read_text().splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, kind, *labels = line.split()
        if kind not in {"counter", "gauge", "histogram", "summary"}:
            raise ValueError(f"{path}:{lineno}: unknown metric type {kind!r}")
        m = Metric(name, kind)
        for spec in labels:
            label, _, values = spec.partition("=")
            m.labels[label] = None if values == "*" else set(values.split("|"))
        metrics[name] = m
    return metrics


def tokenize(expr: str) -> list[tuple[str, str]]:
    """Splits an expression into (kind, text) tokens, whitespace and comments dropped."""
    tokens, pos = [], 0
    while pos < len(expr):
        m = TOKEN.match(expr, pos)
        if not m:
            raise ValueError(f"unexpected character {expr[pos]!r} at offset {pos}")
        if m.lastgroup != "ws":
            tokens.append((m.lastgroup, m.group()))
        pos = m.end()
    return tokens


def unquote(text: str) -> str:
    if text.startswith("`"):
        return text[1:-1]
    return bytes(text[1:-1], "utf-8").decode("unicode_escape")


class Checker:
    """Collects problems of the expressions given to `check`, against one metric contract."""

    def __init__(self, metrics: dict[str, Metric]):
        self.metrics = metrics
        self.all_labels = set(TARGET_LABELS) | {"le", "__name__"}
        for m in metrics.values():
            self.all_labels |= set(m.labels)
        self.used: set[str] = set()  # base metric names seen, for coverage checks

    def resolve(self, name: str) -> tuple[Metric | None, bool]:
        """The metric a series name belongs to, and whether it is a histogram's _bucket."""
        if name in self.metrics:
            return self.metrics[name], False
        for suffix in HISTOGRAM_SUFFIXES:
            base = name[: -len(suffix)]
            if name.endswith(suffix) and self.metrics.get(base, Metric("", "")).kind == "histogram":
                return self.metrics[base], suffix == "_bucket"
        return None, False

    def check(self, expr: str) -> list[str]:
        """Problems of one PromQL expression (empty when it only uses the contract)."""
        try:
            toks = tokenize(expr)
        except ValueError as e:
            return [str(e)]
        problems: list[str] = []
        names = 0
        i = 0
        while i < len(toks):
            kind, text = toks[i]
            nxt = toks[i + 1][1] if i + 1 < len(toks) else ""
            if kind == "ident" and text in GROUPING:
                i += 1
                if nxt == "(":
                    close = _matching(toks, i)
                    for k, label in toks[i + 1 : close]:
                        if k == "ident" and label not in self.all_labels:
                            problems.append(f"grouping label {label!r} is on no reshelf metric")
                    i = close + 1
                continue
            # `sum(...)`, `sum by (job) (...)`, `rate(...)`.
            if kind == "ident" and (nxt == "(" or (text in FUNCTIONS and nxt in GROUPING)):
                if text not in FUNCTIONS:
                    problems.append(f"unknown function {text!r}")
                i += 1
                continue
            if kind == "ident" and text.lower() in KEYWORDS:
                i += 1
                continue
            if kind == "ident":
                names += 1
                metric, bucket = self.resolve(text)
                if metric is None:
                    problems.append(f"metric {text!r} is not in metric-names.txt")
                else:
                    self.used.add(metric.name)
                i += 1
                if nxt == "{":
                    close = _matching(toks, i)
                    if metric is not None:
                        problems += self._matchers(metric, bucket, toks[i + 1 : close])
                    i = close + 1
                continue
            if text == "{":
                problems.append("selector without a metric name")
                i = _matching(toks, i) + 1
                continue
            if text == "[":
                i = _matching(toks, i) + 1
                continue
            i += 1
        if names == 0:
            problems.append("expression selects no metric")
        return problems

    def _matchers(self, metric: Metric, bucket: bool, toks: list[tuple[str, str]]) -> list[str]:
        problems = []
        j = 0
        while j < len(toks):
            if toks[j][1] == ",":
                j += 1
                continue
            if j + 2 >= len(toks) or toks[j + 2][0] != "string":
                return problems + [f"{metric.name}: cannot read matcher near {toks[j][1]!r}"]
            label, op, value = toks[j][1], toks[j + 1][1], unquote(toks[j + 2][1])
            j += 3
            if label in TARGET_LABELS or label == "__name__":
                continue
            if label == "le" and bucket:
                continue
            if label not in metric.labels:
                problems.append(f"{metric.name} has no label {label!r}")
                continue
            allowed = metric.labels[label]
            if allowed is None or "$" in value:
                continue  # free values, or a Grafana variable
            if op in ("=", "!="):
                wanted = [value]
            elif LITERAL_ALTERNATIVES.match(value):
                wanted = value.split("|")
            else:
                continue  # a real regex (".+"): nothing to enumerate
            for v in wanted:
                if v not in allowed:
                    problems.append(f"{metric.name}{{{label}}} never takes the value {v!r}")
        return problems


def _matching(toks: list[tuple[str, str]], open_at: int) -> int:
    """Index of the bracket closing the one at open_at (or the last token if unbalanced)."""
    pairs = {"(": ")", "{": "}", "[": "]"}
    opener = toks[open_at][1]
    depth = 0
    for k in range(open_at, len(toks)):
        if toks[k][1] == opener:
            depth += 1
        elif toks[k][1] == pairs[opener]:
            depth -= 1
            if depth == 0:
                return k
    return len(toks) - 1
