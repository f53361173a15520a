"""Column names of a user's drivers or observations table: an explicit mapping (``--columns`` or a ``columns`` table
in the catchment file) and the common spellings of other data sets recognised by name.

A column is recognised only when its name states the quantity **and** the unit (``P_mm_d``, ``PET_mm_d``,
``T_degC``, ``Q_mm_d``, ``Q_m3_s``, ``prcp(mm/day)``, ``tmax(C)``) or when it is a code with a defined unit
(MeteoSwiss ``rre150d0``: daily precipitation in mm; ``tre200d0``/``tre200dn``/``tre200dx``: daily mean/min/max
air temperature in deg C). A known quantity without a unit in its name (``precipitation``, ``prcp``, ``pet``,
``temperature``, ``tmean``, ``discharge``, ``flow``, ``Q``) is refused, naming the column and asking for its unit
through the mapping: a discharge in mm/d read as m3/s (or inches read as mm) would give a wrong result without any
sign of it, so a unit is never guessed.
"""
from __future__ import annotations

import re

from chemistry.errors import InputError

from .notes import note

#: the model's column names per kind of file
DRIVER_COLUMNS = ("date", "precip_mm", "temp_c", "pet_mm", "tmin_c", "tmax_c")
DISCHARGE_COLUMNS = ("q_m3_s", "q_l_s", "q_mm_d")
CHEMISTRY_COLUMNS = ("temp_c", "ph", "ec_us_cm", "ca_mg_l", "mg_mg_l", "na_mg_l", "k_mg_l", "cl_mg_l", "so4_mg_l",
                     "no3_mg_l", "hco3_mg_l", "alk_mg_l_caco3", "alk_meq_l", "dic_mg_c_l", "pco2_atm", "do_mg_l")
OBSERVATION_COLUMNS = ("date", "datetime") + DISCHARGE_COLUMNS + CHEMISTRY_COLUMNS
CANONICAL = {"drivers": DRIVER_COLUMNS, "observations": OBSERVATION_COLUMNS}

COLUMNS_SYNTAX = "--columns NAME=precip_mm,... (or a [drivers.columns] / [observations.columns] table)"

# quantity words (after normalisation: lower case, separators as '_') -> model quantity
_QUANTITY = {
    "precip": ("p", "pr", "prcp", "precip", "precipitation", "rain", "rainfall", "ppt", "rr"),
    "pet": ("pet", "pe", "etp", "et0", "eto", "pot_evap", "potential_evapotranspiration"),
    "temp": ("t", "ta", "tas", "temp", "temperature", "tmean", "tavg", "t_mean", "t_avg", "tair", "air_temp",
             "air_temperature"),
    "tmin": ("tmin", "t_min", "tn", "tasmin"),
    "tmax": ("tmax", "t_max", "tx", "tasmax"),
    "q": ("q", "qobs", "q_obs", "discharge", "flow", "streamflow", "discharge_spec", "discharge_vol", "runoff"),
    "date": ("date", "time", "timestamp", "datetime", "yyyy_mm_dd"),
}
# unit spellings (normalised) -> the unit suffix of the model's names
_UNITS = {
    "mm": ("mm", "mm_d", "mm_day", "mm_d_1", "mm_per_day", "mmd", "mm_24h"),
    "c": ("c", "degc", "deg_c", "celsius", "degree_c", "degrees_c"),
    "m3_s": ("m3_s", "m3s", "m3_s_1", "m_3_s", "cms", "cumecs", "m3_per_s"),
    "l_s": ("l_s", "ls", "l_s_1", "l_per_s"),
}
_TARGET = {("precip", "mm"): "precip_mm", ("pet", "mm"): "pet_mm", ("temp", "c"): "temp_c", ("tmin", "c"): "tmin_c",
           ("tmax", "c"): "tmax_c", ("q", "mm"): "q_mm_d", ("q", "m3_s"): "q_m3_s", ("q", "l_s"): "q_l_s"}
_WANTED = {"drivers": ("precip", "pet", "temp", "tmin", "tmax", "date"), "observations": ("q", "date")}
#: codes with a defined unit: MeteoSwiss daily parameters (precipitation 06-06 UTC in mm; 2 m air temperature in C)
_CODES = {"rre150d0": "precip_mm", "tre200d0": "temp_c", "tre200dn": "tmin_c", "tre200dx": "tmax_c"}
_UNIT_HINT = {"precip": "precip_mm (mm/d)", "pet": "pet_mm (mm/d)", "temp": "temp_c (deg C)",
              "tmin": "tmin_c (deg C)", "tmax": "tmax_c (deg C)",
              "q": "q_mm_d (mm/d over the catchment), q_m3_s (m3/s) or q_l_s (L/s)"}


def _norm(name: str) -> str:
    text = str(name).strip().lower().replace("°", "deg").replace("³", "3")
    text = re.sub(r"[^a-z0-9]+", "_", text)
    return text.strip("_")


def _parse(name: str):
    """(quantity, unit or None) of a column name, or None when it names no quantity this module knows."""
    n = _norm(name)
    for q, words in _QUANTITY.items():
        for w in sorted(words, key=len, reverse=True):
            if n == w:
                return q, None
            if n.startswith(w + "_"):
                rest = n[len(w) + 1:]
                for unit, spellings in _UNITS.items():
                    if rest in spellings:
                        return q, unit
    return None


def parse_mapping(text: str | None, option: str = "--columns") -> dict:
    """``"P_mm_d=precip_mm,Q_mm_d=q_mm_d"`` -> ``{"P_mm_d": "precip_mm", "Q_mm_d": "q_mm_d"}``; an entry without
    ``=``, an empty side or a column named twice is refused (:class:`InputError`, one line)."""
    if not text:
        return {}
    out = {}
    for part in str(text).split(","):
        if "=" not in part:
            raise InputError(f"{option}: expected FILE_COLUMN=model_column pairs separated by commas, like "
                             f"P_mm_d=precip_mm,Q_mm_d=q_mm_d; got {part.strip()!r}")
        src, dst = (x.strip() for x in part.split("=", 1))
        if not src or not dst:
            raise InputError(f"{option}: empty name in {part.strip()!r} (FILE_COLUMN=model_column)")
        if src in out:
            raise InputError(f"{option}: column {src!r} is mapped twice")
        out[src] = dst
    return out


def check_mapping(mapping: dict, kind: str, where: str) -> dict:
    """A mapping's targets must be model columns of ``kind`` ("drivers" or "observations"); ``where`` names the
    option or the catchment-file key in the error."""
    allowed = CANONICAL[kind]
    seen = {}
    for src, dst in mapping.items():
        if not isinstance(src, str) or not isinstance(dst, str) or not dst:
            raise InputError(f"{where}: {src!r} = {dst!r}: names must be text")
        if dst not in allowed:
            raise InputError(f"{where}: {src} = {dst!r}: not a {kind} column (known: {', '.join(allowed)})")
        if dst in seen:
            raise InputError(f"{where}: {seen[dst]!r} and {src!r} are both mapped to {dst}")
        seen[dst] = src
    return dict(mapping)


def resolve(columns, kind: str, mapping: dict | None = None, source: str = "", header_row: int | None = 1
            ) -> tuple[dict, list]:
    """The renames that turn a table's ``columns`` into the model's names, and what was recognised.

    ``mapping`` (file column -> model column) is applied first; every other column that is a model name stays,
    a recognised spelling (module docstring) is renamed, anything else is left alone (unused). Raises
    :class:`InputError` naming ``source`` and the column for a mapped column that is not in the table, a known
    quantity without a unit, or two columns ending up with one model name. Returns ``(renames, recognised)``, the
    second a list of ``(file column, model column)`` recognised by name (for the one-line report). ``header_row``:
    the file line of the header in errors (None for a DataFrame)."""
    mapping = dict(mapping or {})
    cols = [str(c) for c in columns]
    for src in mapping:
        if src not in cols:
            raise InputError(f"the column mapping names {src!r}, which is not in the file (columns: "
                             f"{', '.join(cols)})", file=source, column=src)
    canonical = CANONICAL[kind]
    renames, recognised = {}, []
    for c in cols:
        if c in mapping:
            renames[c] = mapping[c]
            continue
        if c in canonical:
            continue
        target = _CODES.get(c.strip().lower()) if kind == "drivers" else None
        parsed = _parse(c) if target is None else None
        if parsed is not None and parsed[0] in _WANTED[kind]:
            q, unit = parsed
            if q == "date":
                if not {"date", "datetime"} & (set(cols) | set(mapping.values())):
                    target = "date"
            elif unit is None:
                raise InputError(f"the name gives no unit: say what it is with --columns '{c}={_UNIT_HINT[q].split()[0]}'"
                                 f" (model columns: {_UNIT_HINT[q]}; syntax {COLUMNS_SYNTAX})", file=source,
                                 column=c, row=header_row)
            else:
                target = _TARGET.get((q, unit))
                if target is None:
                    raise InputError(f"unit not usable for this quantity (model columns: {_UNIT_HINT[q]}); map it "
                                     f"with {COLUMNS_SYNTAX} after converting", file=source, column=c)
        if target is not None:
            renames[c] = target
            recognised.append((c, target))
    final = {}
    for c in cols:
        name = renames.get(c, c)
        if name in canonical and name in final:
            raise InputError(f"two columns give {name}: {final[name]!r} and {c!r}; drop one or map them with "
                             f"{COLUMNS_SYNTAX}", file=source, column=c)
        final[name] = c
    return renames, recognised


def missing_message(kind: str, required, columns) -> str:
    """The one-line text for a table without a required model column: what is expected and how to map it."""
    return (f"missing required column (needed: {', '.join(required)}; found: {', '.join(map(str, columns))}); "
            f"rename the file's columns or map them with {COLUMNS_SYNTAX}")


def report_line(source: str, recognised: list) -> str | None:
    """``"drivers.csv: read column 'P_mm_d' as precip_mm, 'T_degC' as temp_c"`` or None."""
    if not recognised:
        return None
    parts = [f"'{a}' as {b}" for a, b in recognised]
    return f"{source}: read column {', '.join(parts)}"


def apply(df, kind: str, mapping: dict | None, source: str, header_row: int | None = 1):
    """``df`` with its columns renamed to the model's names (:func:`resolve`); the recognised names are reported in
    one line (:func:`karstmodel.io.notes.note`)."""
    renames, recognised = resolve(df.columns, kind, mapping, source, header_row)
    line = report_line(source, recognised)
    if line:
        note(line)
    return df.rename(columns=renames) if renames else df


def split_mapping(mapping: dict, drv_cols, obs_cols) -> tuple[dict, dict]:
    """``--columns`` entries for the drivers file and for the observations file: an entry goes to the drivers file
    when it has the column and the target is a drivers column, else to the observations file on the same terms (a
    date column to both): a temperature mapped for the drivers is the air, never the water temperature of the
    observations. An entry that fits neither is refused."""
    drv, obs = {}, {}
    for src, dst in mapping.items():
        used = False
        if src in drv_cols and dst in CANONICAL["drivers"]:
            drv[src], used = dst, True
        if obs_cols is not None and src in obs_cols and dst in CANONICAL["observations"] and (not used or
                                                                                      dst in ("date", "datetime")):
            obs[src], used = dst, True
        if not used:
            where = [f"drivers ({', '.join(map(str, drv_cols))})"]
            if obs_cols is not None:
                where.append(f"observations ({', '.join(map(str, obs_cols))})")
            known = CANONICAL["drivers"] + tuple(c for c in CANONICAL["observations"] if c not in CANONICAL["drivers"])
            raise InputError(f"--columns: {src}={dst}: no file has a column {src!r} that can be {dst} (columns of "
                             f"{'; '.join(where)}; model columns: {', '.join(known)})")
    return check_mapping(drv, "drivers", "--columns"), check_mapping(obs, "observations", "--columns")
