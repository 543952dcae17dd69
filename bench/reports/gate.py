"""Release gates: thresholds on a run's metrics (overall or per slice) and regression limits.

A gate is only useful in CI if it is strict about its own input: a typo in a metric name or a slice that
does not exist must not pass silently, so every such problem is a :class:`GateConfigError` naming the file
and key (exit 2), distinct from a threshold that is not met (exit 1).
"""

from __future__ import annotations

import difflib
import fnmatch
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from bench.reports.rundir import Run
from bench.reports.specs import MetricSpec, resolve_specs

Bound = Literal["point", "lower", "upper", "conservative"]
BOUNDS: tuple[str, ...] = ("point", "lower", "upper", "conservative")
_CHECK_KEYS = {"metric", "slice", "min", "max", "max_drop", "bound", "name", "missing", "rule"}
_RULE = re.compile(r"^\s*([A-Za-z0-9_.\-]+)\s*(>=|<=)\s*([-+0-9.eE]+)\s*$")


class GateConfigError(ValueError):
    """Unusable gate input (bad TOML, unknown metric or slice, missing baseline); exit code 2."""


@dataclass(frozen=True)
class Check:
    """One comparison: ``kind`` is ``min``, ``max`` or ``max_drop``; ``where`` is ``check[i]`` for errors."""

    metric: str
    kind: Literal["min", "max", "max_drop"]
    limit: float
    slice: str | None
    bound: Bound
    missing: Literal["error", "skip", "fail"]
    name: str
    where: str


@dataclass
class CheckResult:
    check: Check
    status: Literal["pass", "fail", "skip"]
    observed: float | None
    baseline: float | None
    detail: str


@dataclass
class GateReport:
    run_id: str
    config: str
    results: list[CheckResult] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(r.status != "fail" for r in self.results)

    def counts(self) -> dict[str, int]:
        out = {"pass": 0, "fail": 0, "skip": 0}
        for r in self.results:
            out[r.status] += 1
        return out


def _fmt(x: float) -> str:
    return f"{x:g}"


def load_config(path: str | Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Parse the TOML file: ``[gate]`` defaults and the list of ``[[check]]`` tables."""
    p = Path(path)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise GateConfigError(f"{p}: file not found") from exc
    except tomllib.TOMLDecodeError as exc:
        raise GateConfigError(f"{p}: invalid TOML: {exc}") from exc
    unknown = sorted(set(data) - {"gate", "check"})
    if unknown:
        raise GateConfigError(f"{p}: {unknown[0]}: unknown top-level key (expected [gate] and [[check]])")
    defaults = data.get("gate", {})
    if not isinstance(defaults, dict):
        raise GateConfigError(f"{p}: gate: expected a table")
    checks = data.get("check", [])
    if not isinstance(checks, list) or not checks:
        raise GateConfigError(f"{p}: check: expected at least one [[check]] table")
    return defaults, checks


def parse_checks(path: str | Path, run: Run, specs: dict[str, MetricSpec]) -> list[Check]:
    """Expand the config into concrete checks against ``run`` (slice patterns resolved)."""
    p = Path(path)
    defaults, raw_checks = load_config(p)
    default_bound = defaults.get("bound", "point")
    if default_bound not in BOUNDS:
        raise GateConfigError(f"{p}: gate.bound: {default_bound!r} is not one of {', '.join(BOUNDS)}")
    out: list[Check] = []
    for i, raw in enumerate(raw_checks):
        where = f"check[{i}]"
        if not isinstance(raw, dict):
            raise GateConfigError(f"{p}: {where}: expected a table")
        bad = sorted(set(raw) - _CHECK_KEYS)
        if bad:
            hint = difflib.get_close_matches(bad[0], sorted(_CHECK_KEYS), n=1)
            raise GateConfigError(
                f"{p}: {where}.{bad[0]}: unknown key" + (f" (did you mean {hint[0]!r}?)" if hint else "")
            )
        raw = dict(raw)
        if "rule" in raw:
            m = _RULE.match(str(raw["rule"]))
            if not m:
                raise GateConfigError(f"{p}: {where}.rule: expected '<metric> >= <number>' or '<= <number>'")
            raw.setdefault("metric", m.group(1))
            raw["min" if m.group(2) == ">=" else "max"] = float(m.group(3))
        metric = raw.get("metric")
        if not isinstance(metric, str) or not metric:
            raise GateConfigError(f"{p}: {where}.metric: missing")
        if metric not in specs:
            hint = difflib.get_close_matches(metric, list(specs), n=1)
            raise GateConfigError(
                f"{p}: {where}.metric: {metric!r} is not reported by run {run.run_id} "
                + (f"(did you mean {hint[0]!r}?)" if hint else f"(known: {', '.join(specs)})")
            )
        bound = raw.get("bound", default_bound)
        if bound not in BOUNDS:
            raise GateConfigError(f"{p}: {where}.bound: {bound!r} is not one of {', '.join(BOUNDS)}")
        missing = raw.get("missing", defaults.get("missing", "error"))
        if missing not in ("error", "skip", "fail"):
            raise GateConfigError(f"{p}: {where}.missing: expected 'error', 'skip' or 'fail'")
        kinds = [k for k in ("min", "max", "max_drop") if k in raw]
        if not kinds:
            raise GateConfigError(f"{p}: {where}: needs one of min, max, max_drop (or rule)")
        for k in kinds:
            if not isinstance(raw[k], int | float) or isinstance(raw[k], bool):
                raise GateConfigError(f"{p}: {where}.{k}: expected a number, got {raw[k]!r}")
        for slice_key in _slices(p, where, raw.get("slice"), run):
            for kind in kinds:
                out.append(_make_check(raw, metric, kind, slice_key, bound, missing, where))
    return out


def _slices(p: Path, where: str, value: Any, run: Run) -> list[str | None]:
    if value is None:
        return [None]
    patterns = [value] if isinstance(value, str) else value
    if not isinstance(patterns, list) or not all(isinstance(v, str) for v in patterns):
        raise GateConfigError(f"{p}: {where}.slice: expected a string or a list of strings")
    found: list[str | None] = []
    for pattern in patterns:
        matches = sorted(k for k in run.slices if fnmatch.fnmatchcase(k, pattern))
        if not matches:
            hint = difflib.get_close_matches(pattern, sorted(run.slices), n=1)
            raise GateConfigError(
                f"{p}: {where}.slice: no slice {pattern!r} in run {run.run_id}"
                + (f" (did you mean {hint[0]!r}?)" if hint else "")
            )
        found.extend(m for m in matches if m not in found)
    return found


def _make_check(
    raw: dict[str, Any], metric: str, kind: str, slice_key: str | None, bound: str, missing: str, where: str
) -> Check:
    limit = float(raw[kind])
    op = {"min": ">=", "max": "<=", "max_drop": "drop <="}[kind]
    name = raw.get("name") or f"{metric} {op} {_fmt(limit)}"
    if slice_key:
        name += f" on {slice_key}"
    if bound != "point":
        name += f" ({bound} bound)"
    return Check(
        metric=metric,
        kind=kind,
        limit=limit,
        slice=slice_key,
        bound=bound,  # type: ignore[arg-type]
        missing=missing,
        name=str(name),
        where=where,
    )  # type: ignore[arg-type]


def _pick(entry: dict[str, Any], bound: str, kind: str, hib: bool) -> tuple[float | None, str]:
    if bound == "conservative":
        if kind == "min":
            bound = "lower"
        elif kind == "max":
            bound = "upper"
        else:
            bound = "lower" if hib else "upper"
    key = {"point": "value", "lower": "ci_low", "upper": "ci_high"}[bound]
    value = entry.get(key)
    return (None if value is None else float(value)), key


def evaluate(run: Run, config: str | Path, baseline: Run | None = None) -> GateReport:
    """Judge ``run`` against the gate file; raises GateConfigError for unusable input."""
    specs = resolve_specs([run] + ([baseline] if baseline else []))
    checks = parse_checks(config, run, specs)
    report = GateReport(run_id=run.run_id, config=str(config))
    if baseline is not None and (baseline.suite_name, baseline.suite_version) != (
        run.suite_name,
        run.suite_version,
    ):
        report.warnings.append(
            f"baseline {baseline.run_id} is on {baseline.suite_name}@{baseline.suite_version}, "
            f"run on {run.suite_name}@{run.suite_version}: max_drop compares different suites"
        )
    for check in checks:
        spec = specs[check.metric]
        if check.kind == "min" and not spec.higher_is_better or check.kind == "max" and spec.higher_is_better:
            report.warnings.append(
                f"{check.where}: {check.metric} is "
                f"{'higher' if spec.higher_is_better else 'lower'}-is-better "
                f"but the check sets a {check.kind}imum; is that intended?"
            )
        report.results.append(_judge(run, baseline, check, spec, Path(config)))
    return report


def _unavailable(check: Check, text: str, config: Path) -> CheckResult:
    if check.missing == "error":
        raise GateConfigError(f'{config}: {check.where}: {text} (set missing = "skip" or "fail" to allow)')
    status = "skip" if check.missing == "skip" else "fail"
    return CheckResult(check, status, None, None, text)  # type: ignore[arg-type]


def _judge(run: Run, baseline: Run | None, check: Check, spec: MetricSpec, config: Path) -> CheckResult:
    where = f" on {check.slice}" if check.slice else ""
    entry = run.metric(check.metric, check.slice)
    if entry is None:
        return _unavailable(check, f"run {run.run_id} has no {check.metric}{where}", config)
    observed, key = _pick(entry, check.bound, check.kind, spec.higher_is_better)
    if observed is None:
        return _unavailable(
            check, f"run {run.run_id}: {check.metric}{where}: {key} is null (n={entry.get('n')})", config
        )
    if check.kind == "min":
        ok = observed >= check.limit
        detail = f"{key} {observed:.4f} {'>=' if ok else '<'} {_fmt(check.limit)}"
        return CheckResult(check, "pass" if ok else "fail", observed, None, detail + f" (n={entry.get('n')})")
    if check.kind == "max":
        ok = observed <= check.limit
        detail = f"{key} {observed:.4f} {'<=' if ok else '>'} {_fmt(check.limit)}"
        return CheckResult(check, "pass" if ok else "fail", observed, None, detail + f" (n={entry.get('n')})")
    if baseline is None:
        # An error by default (exit 2); `missing = "skip"` makes a regression check optional.
        if check.missing == "error":
            raise GateConfigError(
                f"{config}: {check.where}.max_drop: needs a baseline run (--baseline or gate.baseline)"
            )
        return _unavailable(check, "max_drop needs a baseline run (--baseline or gate.baseline)", config)
    base_entry = baseline.metric(check.metric, check.slice)
    base = None if base_entry is None else base_entry.get("value")
    if base is None:
        return _unavailable(check, f"baseline {baseline.run_id} has no {check.metric}{where}", config)
    base = float(base)
    drop = (base - observed) if spec.higher_is_better else (observed - base)
    ok = drop <= check.limit + 1e-12
    detail = (
        f"baseline {base:.4f} → {key} {observed:.4f}: drop {drop:+.4f} "
        f"{'<=' if ok else '>'} {_fmt(check.limit)} "
        f"({'higher' if spec.higher_is_better else 'lower'} is better)"
    )
    return CheckResult(check, "pass" if ok else "fail", observed, base, detail)
