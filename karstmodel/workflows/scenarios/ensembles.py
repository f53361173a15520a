"""Parameter ensembles of a scenario: a prior Latin hypercube over soil respiration and root-zone storage, or
the behavioural members of a GLUE sample file."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd


from chemistry.errors import InputError


from ...config.catchment import Catchment
from scipy.stats import qmc
from ...processes.landuse import soil_respiration_priors
from ...config.parameters import apply_parameters

def prior_ensemble(c: Catchment, n: int, seed: int = 1) -> list[dict]:
    """Parameter sets from the SRDB inter-quartile priors (R10, Q10 per class) and +-25 % root-zone storage."""
    pri = soil_respiration_priors(c.chemistry.prior_climate)
    classes = sorted({h.land_use for h in c.hydrotopes if h.land_use != "water"})
    names = []
    bounds = []
    for cls in classes:
        row = pri.get(cls) or soil_respiration_priors("all")[cls]
        med = float(row["r10_gc_m2_d_median"])
        if med > 0:
            names.append(("r10", cls))
            bounds.append((float(row["r10_gc_m2_d_p25"]) / med, float(row["r10_gc_m2_d_p75"]) / med))
        names.append(("q10", cls))
        bounds.append((float(row["q10_p25"]), float(row["q10_p75"])))
    names.append(("rz", "*"))
    bounds.append((0.75, 1.25))
    u = qmc.LatinHypercube(d=len(names), seed=seed).random(n)
    sets = []
    for row in u:
        s = {}
        for (kind, cls), (lo, hi), x in zip(names, bounds, row):
            v = lo + x * (hi - lo)
            if kind == "r10":
                s[f"land_use_scale.{cls}.r10_gc_m2_d"] = v
            elif kind == "q10":
                s[f"land_use.{cls}.q10"] = v
            else:
                s["hydrotopes.*.root_zone_storage_mm_scale"] = v
        sets.append(s)
    return sets


def _apply_member(c: Catchment, member: dict) -> Catchment:
    plain = {}
    hyds = list(c.hydrotopes)
    for k, v in member.items():
        if k.startswith("land_use_scale."):
            _, cls, field = k.split(".")
            hyds = [replace(h, params=replace(h.params, **{field: getattr(h.params, field) * v}))
                    if h.land_use == cls else h for h in hyds]
        else:
            plain[k] = v
    c = replace(c, hydrotopes=tuple(hyds))
    if plain:
        try:
            c = apply_parameters(c, plain)
        except KeyError:
            c = apply_parameters(c, {k: v for k, v in plain.items() if not k.startswith("land_use.")})
    return c


def glue_ensemble(path, n: int, seed: int = 1) -> list[dict]:
    """``n`` behavioural parameter sets drawn by weight from a GLUE sample file of ``karstmodel calibrate``."""
    df = pd.read_csv(path)
    if "behavioural" not in df.columns or "weight" not in df.columns:
        raise InputError("not a GLUE sample file (needs behavioural and weight columns)", file=str(path))
    beh = df[df["behavioural"].astype(bool)]
    rng = np.random.default_rng(seed)
    pick = rng.choice(len(beh), size=min(n, len(beh)), replace=False, p=beh["weight"] / beh["weight"].sum())
    cols = [c for c in beh.columns if c not in ("score", "weight", "behavioural")]
    return [beh.iloc[i][cols].to_dict() for i in pick]
