"""Evaluation results from tables and model cards → plain rows: a model and its results, each with the
benchmark, metric, value, unit and setting, and the line it came from.

* **Tables** (CSV or TSV), wide — a column of model names and one column per benchmark or metric, its setting in
  parentheses ("MMLU (5-shot)") — or long — one result per line, with columns for model, benchmark, metric,
  value and setting. A mapping (a dict, from a YAML or JSON file) says what the columns mean; without one the common
  layouts are recognised: the model column by its name ("model", "name") or as the first text column, score columns
  as numeric ones that are not counts, errors, lengths or links.
* **model-index** metadata (the Papers-with-Code / model-card YAML): model name, results → dataset (name, config,
  split, revision, few-shot), metrics (type, name, value), source.

Values such as "71.0%", "0.713", "82.461" are read exactly (Decimal); "%" marks a percentage, a column whose values
all lie in [0, 1] holds fractions. A cell that is empty, "-", "NA" or "NaN" has no result; any other text in a score
column is an error naming its line and column. Rows are yielded one at a time, so a large table is read in bounded
memory.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from claimgraph.errors import DossierSyntaxError, InputError
from claimgraph.extract.assertions import Setting
from claimgraph.extract.claim_text import parse_setting
from claimgraph.extract.dossier import normalise_text

__all__ = ["Result", "ResultRow", "read_table", "read_model_index", "TABLE_SUFFIXES", "MISSING"]

TABLE_SUFFIXES = {".csv": ",", ".tsv": "\t", ".tab": "\t"}
MISSING = {"", "-", "—", "na", "n/a", "nan", "none", "null", "?"}
_NOT_SCORES = re.compile(r"^(?:average|avg|mean|#?\s*param(?:eter)?s?|size|n_\w+|\w*_?errors?|\w*stderr\w*|"
                         r"standard_error|\w*_length|avg_\w+|\w*count|rank(?:ing)?|date|url|link|license|"
                         r"tokens?|#?\s*tokens|rating_q\d+|ci|votes?|\w*_id|id|release\w*|model\w*|type|mode|"
                         r"precision|hub\w*|architecture|weight\w*|flagged|moe|available\w*|\w*_date)$", re.IGNORECASE)
_MODEL_HEADERS = ("model", "model_name", "model name", "name", "model_id", "model id", "hf_repo_id", "")
_LONG = {"model": ("model", "model_name", "name"),
         "benchmark": ("benchmark", "dataset_name", "dataset", "task", "dataset_type", "task_name"),
         "metric": ("metric", "metric_name", "metric_type"), "value": ("value", "score", "metric_value", "result"),
         "setting": ("setting", "settings"), "shots": ("shots", "num_few_shot", "n_shot", "few_shot")}


@dataclass(frozen=True)
class Result:
    benchmark: str
    value: Decimal
    unit: str | None  # percent | fraction | None (as given)
    metric: str | None = None
    setting: Setting = field(default_factory=Setting)
    column: str = ""  # where it was read: a column header, or a model-index path
    source_url: str | None = None  # a model-index result's own source


@dataclass(frozen=True)
class ResultRow:
    line: int  # 1-based line of the source the row starts on
    model: str
    results: tuple[Result, ...]


def _decimal(raw: str) -> tuple[Decimal, str | None] | None:
    """(value, unit) of a cell, None when it holds no result; raises ValueError on other text."""
    text = raw.strip().replace("\u2212", "-")
    if text.lower() in MISSING:
        return None
    unit = None
    if text.endswith("%"):
        text, unit = text[:-1].strip(), "percent"
    try:
        value = Decimal(text.replace(",", "") if re.fullmatch(r"-?\d{1,3}(?:,\d{3})+(?:\.\d+)?", text) else text)
    except InvalidOperation:
        raise ValueError(raw) from None
    if not value.is_finite():
        raise ValueError(raw)
    return value, unit


def _header(name: str) -> tuple[str, Setting]:
    """'MMLU (5-shot)' → ('MMLU', shots 5); 'ARC(25-shot)' → ('ARC', shots 25); 'win_rate' → ('win_rate', none)."""
    found = re.fullmatch(r"\s*(?P<name>.*?)\s*\((?P<setting>[^()]*)\)\s*", name)
    if not found:
        return name.strip(), Setting()
    return found["name"], parse_setting(found["setting"])


def _is_text(values: list[str]) -> bool:
    present = [v for v in values if v.strip().lower() not in MISSING]
    numeric = 0
    for v in present:
        try:
            numeric += _decimal(v) is not None
        except ValueError:
            pass
    return bool(present) and numeric < len(present) / 2


def _sniff(sample: str, suffix: str) -> str:
    if suffix in TABLE_SUFFIXES:
        return TABLE_SUFFIXES[suffix]
    first = sample.split("\n", 1)[0]
    return "\t" if first.count("\t") > first.count(",") else ","


def _text(data: str | bytes | Path, source: str) -> str:
    """A file's (or given) text, decoded as a dossier is: UTF-8 (a bad byte named by its line), no BOM, LF."""
    if isinstance(data, Path):
        try:
            data = data.read_bytes()
        except OSError as exc:
            raise InputError(f"{data}: cannot read: {exc.strerror or exc}") from None
    return normalise_text(data, source)


def read_table(data: str | bytes | Path, *, source: str = "<table>", mapping: dict[str, Any] | None = None,
               sample_rows: int = 200) -> Iterator[ResultRow]:
    """The rows of a table, one at a time. Raises DossierSyntaxError (file and line) on a malformed row."""
    text = _text(data, source)
    suffix = data.suffix.lower() if isinstance(data, Path) else ""
    mapping = dict(mapping or {})
    delimiter = {"csv": ",", "tsv": "\t"}.get(str(mapping.get("format", "")).lower()) or _sniff(text[:4096], suffix)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise DossierSyntaxError(source, 1, "expected a header line naming the columns") from None
    except csv.Error as exc:
        raise DossierSyntaxError(source, 1, f"not a readable table: {exc}") from None
    header = [h.strip() for h in header]
    if len(set(header)) < len(header):
        duplicate = next(h for h in header if header.count(h) > 1)
        raise DossierSyntaxError(source, 1, f"the column {duplicate!r} appears twice")
    rows: list[tuple[int, list[str]]] = []
    for record in _records(reader, source, len(header)):
        rows.append(record)
        if len(rows) >= sample_rows:
            break
    layout = _layout(header, rows, mapping, source)
    yield from (row for row in (layout.row(n, cells) for n, cells in rows) if row)
    for n, cells in _records(reader, source, len(header)):
        row = layout.row(n, cells)
        if row:
            yield row


def _records(reader: Any, source: str, width: int) -> Iterator[tuple[int, list[str]]]:
    while True:
        try:
            start = reader.line_num + 1
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise DossierSyntaxError(source, reader.line_num, f"not a readable table row: {exc}") from None
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != width:
            raise DossierSyntaxError(source, start, f"expected {width} cells as in the header, found {len(cells)}")
        yield start, cells


class _Layout:
    def __init__(self, source: str, model: int, columns: list[tuple[int, str, str, Setting, str | None, str | None]],
                 long: dict[str, int] | None = None) -> None:
        self.source = source
        self.model = model
        self.columns = columns  # (index, header, benchmark, setting, metric, unit)
        self.long = long
        self.alternates: list[int] = []  # other columns that can name the benchmark when its own is empty
        self.fractions: dict[int, bool] = {}

    def row(self, line: int, cells: list[str]) -> ResultRow | None:
        model = cells[self.model].strip()
        if not model:
            raise DossierSyntaxError(self.source, line, "expected a model name in the model column")
        if self.long is not None:
            return self._long_row(line, model, cells)
        results = []
        for index, header, benchmark, setting, metric, unit in self.columns:
            try:
                read = _decimal(cells[index])
            except ValueError:
                raise DossierSyntaxError(self.source, line, f"expected a number in column {header!r}, "
                                                            f"found {cells[index]!r}") from None
            if read is None:
                continue
            value, cell_unit = read
            results.append(Result(benchmark, value, cell_unit or unit or self._fraction(index, value), metric, setting,
                                  header))
        return ResultRow(line, model, tuple(results))

    def _fraction(self, index: int, value: Decimal) -> str | None:
        return "fraction" if self.fractions.get(index) else None

    def _long_row(self, line: int, model: str, cells: list[str]) -> ResultRow:
        assert self.long is not None
        get = lambda name: cells[self.long[name]].strip() if name in self.long else ""  # type: ignore[index]  # noqa: E731
        benchmark = get("benchmark") or next((cells[i].strip() for i in self.alternates if cells[i].strip()), "")
        if not benchmark:
            raise DossierSyntaxError(self.source, line, "expected a benchmark in the benchmark column")
        try:
            read = _decimal(get("value"))
        except ValueError:
            raise DossierSyntaxError(self.source, line, f"expected a number as the value, found {get('value')!r}") from None
        if read is None:
            return ResultRow(line, model, ())
        name, setting = _header(benchmark)
        if get("setting"):
            setting = parse_setting(get("setting"))
        if get("shots"):
            try:
                setting = Setting(int(get("shots")), setting.chain_of_thought, setting.judge, setting.version,
                                  setting.harness, setting.other)
            except ValueError:
                raise DossierSyntaxError(self.source, line, f"expected a whole number of shots, found {get('shots')!r}") from None
        value, unit = read
        return ResultRow(line, model, (Result(name, value, unit, get("metric") or None, setting, benchmark),))


def _layout(header: list[str], rows: list[tuple[int, list[str]]], mapping: dict[str, Any], source: str) -> _Layout:
    lowered = [h.lower() for h in header]

    def column(name: str) -> int:
        if name not in header:
            raise InputError(f"{source}: the mapping names a column {name!r} that the table lacks "
                             f"(columns: {', '.join(header)})")
        return header.index(name)

    long_map = mapping.get("long")
    if long_map is None and not mapping.get("columns"):
        found = {k: next((lowered.index(n) for n in names if n in lowered), None) for k, names in _LONG.items()}
        if found["model"] is not None and found["benchmark"] is not None and found["value"] is not None:
            long_map = {k: header[v] for k, v in found.items() if v is not None}
    if long_map:
        long = {k: column(v) for k, v in long_map.items() if k in _LONG}
        layout = _Layout(source, long["model"], [], long)
        layout.alternates = [lowered.index(n) for n in _LONG["benchmark"] if n in lowered
                             and lowered.index(n) != long.get("benchmark")]
        return layout
    if "model" in mapping:
        model = column(str(mapping["model"]))
    else:
        named = [i for i, h in enumerate(lowered) if h in _MODEL_HEADERS]
        texts = [i for i in range(len(header)) if _is_text([cells[i] for _, cells in rows])]
        candidates = [i for i in named if i in texts] or texts or named
        if not candidates:
            raise InputError(f"{source}: no column of model names found; say which with a mapping ('model: COLUMN')")
        model = candidates[0]
    skip = {str(s) for s in mapping.get("skip", [])}
    given = mapping.get("columns") or {}
    benchmark_of_all = mapping.get("benchmark")
    columns = []
    for index, name in enumerate(header):
        if index == model or name in skip:
            continue
        spec = given.get(name)
        if given and spec is None:
            continue  # a mapping that lists columns takes only those
        if spec is None:
            values = [cells[index] for _, cells in rows]
            if _is_text(values) or _NOT_SCORES.match(name.strip()) or not any(v.strip() for v in values):
                continue
            spec = {}
        if not isinstance(spec, dict):
            raise InputError(f"{source}: the mapping of column {name!r} must be a mapping (benchmark, metric, shots …)")
        bench_name, setting = _header(name)
        if "setting" in spec:
            setting = parse_setting(str(spec["setting"]))
        if "shots" in spec:
            setting = Setting(int(spec["shots"]), setting.chain_of_thought, setting.judge, setting.version,
                              setting.harness, setting.other)
        metric = spec.get("metric")
        benchmark = spec.get("benchmark") or benchmark_of_all or bench_name
        if benchmark_of_all and "benchmark" not in spec and metric is None:
            metric = bench_name  # every column a metric of the one benchmark the mapping names
        columns.append((index, name, str(benchmark), setting, str(metric) if metric else None, spec.get("unit")))
    if not columns:
        raise InputError(f"{source}: no score columns found; name them in a mapping ('columns: …')")
    layout = _Layout(source, model, columns)
    for index, *_ in columns:
        values = []
        for _, cells in rows:
            try:
                read = _decimal(cells[index])
            except ValueError:
                continue
            if read is not None and read[1] is None:
                values.append(read[0])
        layout.fractions[index] = bool(values) and all(Decimal(0) <= v <= Decimal(1) for v in values) and \
            any(v != v.to_integral_value() for v in values)
    return layout


def read_model_index(data: str | bytes | Path, *, source: str = "<model-index>") -> list[ResultRow]:
    """The results of a model card's ``model-index`` (its YAML front matter, or a standalone YAML file)."""
    import yaml

    raw = _text(data, source)
    text, offset = raw, 0
    front = re.match(r"\A---\s*\n(.*?)\n---\s*(?:\n|\Z)", raw, re.S)
    if front:
        text, offset = front.group(1), 1
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = (mark.line + 1 + offset) if mark is not None else 1
        raise DossierSyntaxError(source, line, f"not valid YAML: {getattr(exc, 'problem', None) or exc}") from None
    entries = document.get("model-index") if isinstance(document, dict) else document
    if not isinstance(entries, list):
        raise DossierSyntaxError(source, 1, "expected a 'model-index' list of models with their results")
    rows = []
    for n, entry in enumerate(entries):
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            raise DossierSyntaxError(source, 1, f"model-index[{n}]: expected a model with a 'name'")
        results = []
        for r, result in enumerate(entry.get("results") or []):
            where = f"model-index[{n}].results[{r}]"
            dataset = (result or {}).get("dataset") or {}
            if not isinstance(dataset, dict) or not dataset.get("name") and not dataset.get("type"):
                raise DossierSyntaxError(source, 1, f"{where}: expected a dataset with a name")
            name, setting = _header(str(dataset.get("name") or dataset.get("type")))
            args = dataset.get("args") if isinstance(dataset.get("args"), dict) else {}
            shots = args.get("num_few_shot", setting.shots)
            notes = list(setting.other) + [f"{k} {dataset[k]}" for k in ("config", "split") if dataset.get(k)]
            setting = Setting(int(shots) if shots is not None else None, setting.chain_of_thought, setting.judge,
                              str(dataset["revision"]) if dataset.get("revision") else setting.version,
                              setting.harness, tuple(notes))
            src = (result.get("source") or {}) if isinstance(result.get("source"), dict) else {}
            for m, metric in enumerate(result.get("metrics") or []):
                if not isinstance(metric, dict) or "value" not in metric:
                    raise DossierSyntaxError(source, 1, f"{where}.metrics[{m}]: expected a metric with a value")
                try:
                    read = _decimal(str(metric["value"]))
                except ValueError:
                    raise DossierSyntaxError(source, 1, f"{where}.metrics[{m}]: expected a number, found "
                                                        f"{metric['value']!r}") from None
                if read is None:
                    continue
                value, unit = read
                results.append(Result(name, value, unit, str(metric.get("type") or metric.get("name") or "") or None,
                                      setting, f"{where}.metrics[{m}]", src.get("url")))
        rows.append(ResultRow(1, entry["name"], tuple(results)))
    return rows
