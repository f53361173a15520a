"""Short text and HTML views of karstmodel's objects (``__repr__`` and Jupyter's ``_repr_html_``).

A catchment or a run result holds thousands of numbers; its ``repr`` shows a few lines instead (name, area,
period, the sink with its unit, the balances), and a notebook shows the same rows as a small table. Each class
builds its rows (:data:`Rows`: label, value text) and calls :func:`text` or :func:`html`. Below every layer of
karstmodel (it imports nothing from it).
"""
from __future__ import annotations

import html as _html
import math

#: (title, [(label, value text), ...])
Rows = tuple[str, list[tuple[str, str]]]


def number(value, fmt: str = ".3g", unit: str = "") -> str:
    """``value`` formatted with ``fmt`` and ``unit``; "n/a" for None, NaN or a non-number.

    Parameters
    ----------
    value : float or None
        The number.
    fmt : str, default ".3g"
        Format specification of the number.
    unit : str, default ""
        Unit written after the number (with a space).

    Returns
    -------
    str
        The text, e.g. ``"12.3 t C km-2 yr-1"``.
    """
    try:
        v = float(value)
    except (TypeError, ValueError):
        return "n/a"
    if math.isnan(v):
        return "n/a"
    return f"{v:{fmt}}" + (f" {unit}" if unit else "")


def text(rows: Rows) -> str:
    """The plain-text view: the title, then one indented ``label: value`` line per row.

    Parameters
    ----------
    rows : Rows
        Title and rows.

    Returns
    -------
    str
        The lines joined by newlines.
    """
    title, items = rows
    return "\n".join([title] + [f"  {k}: {v}" for k, v in items])


def html(rows: Rows) -> str:
    """The HTML view: a two-column table with the title as its caption (text escaped).

    Parameters
    ----------
    rows : Rows
        Title and rows.

    Returns
    -------
    str
        An HTML ``<table>`` element.
    """
    title, items = rows
    body = "".join(f"<tr><th style=\"text-align:left\">{_html.escape(k)}</th><td style=\"text-align:left\">"
                   f"{_html.escape(v)}</td></tr>" for k, v in items)
    return f"<table><caption style=\"text-align:left\"><b>{_html.escape(title)}</b></caption>{body}</table>"


def run_rows(summary: dict) -> list[tuple[str, str]]:
    """The key numbers of a run summary (``summary.json``, docs/interface.md): period, sink, water, DIC, balances
    and the discharge fit when the run had observations.

    Parameters
    ----------
    summary : dict
        A run summary (``SimulationResult.summary``); missing keys show as "n/a".

    Returns
    -------
    list of (str, str)
        Rows of label and value text.
    """
    s = summary
    per = s.get("period") or {}
    rows = [("period", f"{per.get('start', '?')} .. {per.get('end', '?')} ({per.get('days', '?')} days)"),
            ("carbon sink", f"{number(s.get('carbon_sink_tc_km2_yr'), '.4g', 't C km-2 yr-1')} "
                            f"({number(s.get('carbon_sink_t_co2_yr'), '.4g', 't CO2 yr-1')})"),
            ("water", f"precipitation {number(s.get('precip_mm_yr'), '.4g', 'mm/yr')}, spring runoff "
                      f"{number(s.get('runoff_mm_yr'), '.4g', 'mm/yr')}, AET {number(s.get('aet_mm_yr'), '.4g', 'mm/yr')}"),
            ("spring DIC", number(s.get("dic_mmol_l_flow_weighted"), ".4g", "mmol/L (flow-weighted)")),
            ("balances", f"water {number(s.get('water_balance_error'), '.1e')}, carbon "
                         f"{number(s.get('carbon_balance_error'), '.1e')} (relative residuals)")]
    q = (s.get("metrics") or {}).get("q")
    if q:
        rows.append(("discharge fit", f"KGE {number(q.get('kge'), '.3f')}, NSE {number(q.get('nse'), '.3f')} "
                                      f"({q.get('n', '?')} days)"))
    return rows


class Shown:
    """Mixin giving a class ``__repr__`` (:func:`text`) and ``_repr_html_`` (:func:`html`) from its
    ``_display_rows()`` (a dataclass using it sets ``repr=False`` so that its generated repr does not replace it)."""

    def _display_rows(self) -> Rows:  # pragma: no cover - every user defines it
        raise NotImplementedError

    def __repr__(self) -> str:
        return text(self._display_rows())

    def _repr_html_(self) -> str:
        return html(self._display_rows())


def _day(t) -> str:
    """A period bound as a date (``YYYY-MM-DD``; open bound: "..")."""
    return str(t)[:10] if t is not None else ".."


def calibration_rows(result) -> Rows:
    """The rows of a calibration result (``karstmodel.workflows.calibration.CalibrationResult``, read by its field
    names): catchment, objective and loss, runs and time, the discharge fit per period, the first parameters.

    Parameters
    ----------
    result : CalibrationResult
        The result of ``karstmodel.workflows.calibration.calibrate``.

    Returns
    -------
    Rows
        Title and rows for :func:`text` and :func:`html`.
    """
    r = result
    periods = {"calibration": r.setup.calibration_period, "validation": r.setup.validation_period}
    rows = [("catchment", f"{r.catchment.name!r}, {number(r.catchment.area_km2, '.4g', 'km2')}"),
            ("objective", f"{r.setup.objective}, loss {number(r.loss, '.4g')} (lower is better)"),
            ("search", f"{r.n_evaluations} runs in {number(r.seconds, '.1f', 's')}"
                       + ("; stopped by the time budget" if getattr(r, "stopped_by_budget", False) else ""))]
    for label, m in (r.metrics or {}).items():
        q = m.get("q") or {}
        per = periods.get(label)
        span = " .. ".join(_day(t) for t in per) if per else "full record (no split)"
        rows.append((f"discharge, {label}", f"KGE {number(q.get('kge'), '.3f')}, NSE {number(q.get('nse'), '.3f')} "
                                            f"({span})"))
    names = list(r.parameters)
    shown = ", ".join(f"{k} = {number(r.parameters[k], '.4g')}" for k in names[:4])
    rows.append(("parameters", shown + (f" and {len(names) - 4} more" if len(names) > 4 else "")))
    return "CalibrationResult", rows
