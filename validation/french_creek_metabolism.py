"""Validation of the metabolism inverse (karstmodel.workflows.metabolism) on French Creek, Wyoming (5-minute DO).

Data: tests/data/french_creek/ (10 days of the streamMetabolizer example record; PROVENANCE.md there). Site
metadata from streamMetabolizer's loader: mean depth 0.16 m, air pressure 523 mmHg, clock time America/Denver
(MDT = UTC-6), light modelled from solar geometry at 41.33 N, -106.30 W.

Writes validation/output/french_creek/report.md and french_creek_fit.png, and prints the numbers:
* the observation-error MLE fit (streamMetabolizer's default MLE structure) with 95 % profile-likelihood intervals,
  its RMSE, and the process-error fit for comparison;
* the K600 comparison with Raymond et al. (2012) eq. 3 (k600 = 1162 S^0.77 V^0.85): the provenance gives the depth
  but no slope or velocity, so the relation is evaluated over an assumed range of slope and velocity for a small
  mountain stream, and the slope that would reproduce the fitted K600 is shown for each velocity;
* a light-timing diagnostic (the fit with the light curve shifted), because the residuals keep a diel pattern.

    python validation/french_creek_metabolism.py
"""
from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from karstmodel.processes.reaches import gas_exchange as gx  # noqa: E402
from karstmodel.workflows import metabolism as met  # noqa: E402
from karstmodel.reporting import plots_surface  # noqa: E402

DATA = ROOT / "tests" / "data" / "french_creek" / "french_creek_2012-09-13_22.csv"
OUT = ROOT / "validation" / "output" / "french_creek"
DEPTH_M = 0.16
PRESSURE_ATM = 523.0 / 760.0
LAT, LON, UTC_OFFSET = 41.33, -106.30, -6.0


def md_table(df: pd.DataFrame, index: bool = True) -> str:
    """A Markdown table (no optional dependency)."""
    d = df.reset_index() if index else df
    head = "| " + " | ".join(str(c) for c in d.columns) + " |"
    sep = "|" + "|".join("---" for _ in d.columns) + "|"
    rows = ["| " + " | ".join(str(v) for v in r) + " |" for r in d.itertuples(index=False)]
    return "\n".join([head, sep, *rows])


def load() -> pd.DataFrame:
    d = pd.read_csv(DATA)
    d.index = pd.to_datetime(d["date"] + " " + d["time"], format="%m/%d/%Y %H:%M:%S")
    d = d.rename(columns={"oxy": "do_mg_l", "temp": "temp_c"})[["do_mg_l", "temp_c"]]
    return met.clean_do_record(d)


def fit(d, **kw):
    args = dict(depth_m=DEPTH_M, latitude_deg=LAT, longitude_deg=LON, utc_offset_h=UTC_OFFSET,
                pressure_atm=PRESSURE_ATM)
    args.update(kw)
    return met.fit_metabolism(d, **args)


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    raw = pd.read_csv(DATA)
    d = load()
    obs = fit(d, error_model="observation", interval="profile")
    proc = fit(d, error_model="process", interval="profile")
    hess = fit(d, error_model="observation", interval="hessian")
    daily = obs.daily[obs.daily["valid"]]
    diel_range = d["do_mg_l"].groupby(d.index.date).agg(lambda s: s.max() - s.min())
    k_mean = float(daily["k600_per_d"].mean())
    k600_mean_m_d = k_mean * DEPTH_M

    # Raymond et al. (2012) eq. 3 over assumed slope / velocity
    slopes = [0.005, 0.01, 0.02, 0.04]
    vels = [0.1, 0.2, 0.3, 0.5]
    ray = pd.DataFrame({f"V={v:g} m/s": [gx.k600_raymond_stream_m_d(s, v) / DEPTH_M for s in slopes] for v in vels},
                       index=[f"S={s:g}" for s in slopes])
    s_needed = {v: (k600_mean_m_d / (1162.0 * v**0.85)) ** (1.0 / 0.77) for v in vels}

    # light timing diagnostic: the same fit with the modelled light 1 and 2 hours earlier / later
    timing = []
    for shift_h in (-2, -1, 0, 1, 2):
        r = fit(d, utc_offset_h=UTC_OFFSET - shift_h, interval="none")
        dd = r.daily[r.daily["valid"]]
        timing.append({"light_shift_h": shift_h, "rmse_mg_l": r.rmse_mg_l,
                       "gpp_mean": dd["gpp_g_o2_m2_d"].mean(), "er_mean": dd["er_g_o2_m2_d"].mean(),
                       "k600_mean": dd["k600_per_d"].mean()})
    timing = pd.DataFrame(timing)

    png = OUT / "french_creek_fit.png"
    plots_surface.metabolism_fit(obs, path=png, title="French Creek (WY), 2012-09-13..22")

    cols = ["gpp_g_o2_m2_d", "gpp_g_o2_m2_d_lower", "gpp_g_o2_m2_d_upper", "er_g_o2_m2_d", "er_g_o2_m2_d_lower",
            "er_g_o2_m2_d_upper", "k600_per_d", "k600_per_d_lower", "k600_per_d_upper", "rmse_mg_l", "n_obs"]
    table = daily[cols].round(3)
    table.index = [str(i.date()) for i in table.index]
    table.index.name = "date"
    pdaily = proc.daily[proc.daily["valid"]]
    lines = [
        "# French Creek metabolism: validation of `karstmodel.workflows.metabolism`",
        "",
        f"Data: `{DATA.relative_to(ROOT)}` ({len(raw)} rows, {len(raw) - len(d)} removed by `clean_do_record`: "
        "DO = 0 and duplicates), 5-minute DO and temperature. Depth 0.16 m, pressure 523 mmHg "
        f"({PRESSURE_ATM:.4f} atm), clock time MDT (UTC-6), clear-sky light from solar geometry at 41.33 N, -106.30 W. "
        "Days: 04:00-04:00 mean solar time (streamMetabolizer default); days with < 95 % coverage are skipped.",
        "",
        "## Observation-error MLE (streamMetabolizer's default MLE structure), 95 % profile-likelihood intervals",
        "",
        f"**Fit RMSE {obs.rmse_mg_l:.3f} mg/L** over {int(daily['n_obs'].sum())} observations of {len(daily)} days "
        f"(mean diel DO range of the record {diel_range.mean():.2f} mg/L; RMSE = "
        f"{obs.rmse_mg_l / diel_range.mean():.0%} of it). ER is reported positive (O2 consumed).",
        "",
        md_table(table),
        "",
        f"Means: GPP {daily['gpp_g_o2_m2_d'].mean():.2f}, ER {daily['er_g_o2_m2_d'].mean():.2f} g O2 m-2 d-1, "
        f"K600 {k_mean:.1f} d-1 (k600 = K600 x depth = {k600_mean_m_d:.2f} m/d).",
        "",
        "Hessian (Wald) intervals of the same fit, for comparison (mean half-widths): "
        + ", ".join(f"{p} {((hess.daily[p + '_upper'] - hess.daily[p + '_lower']) / 2).mean():.3f}"
                    for p in met.PARAMS)
        + "; profile: "
        + ", ".join(f"{p} {((daily[p + '_upper'] - daily[p + '_lower']) / 2).mean():.3f}" for p in met.PARAMS) + ".",
        "",
        "## Process-error MLE",
        "",
        f"One-step RMSE {proc.rmse_mg_l:.3f} mg/L (not comparable with the observation-error RMSE). Means: GPP "
        f"{pdaily['gpp_g_o2_m2_d'].mean():.2f}, ER {pdaily['er_g_o2_m2_d'].mean():.2f} g O2 m-2 d-1, K600 "
        f"{pdaily['k600_per_d'].mean():.1f} d-1. The two error models disagree by a factor of about 2-3 here: the "
        "data do not separate GPP, ER and K600 well with modelled (not measured) light (see below).",
        "",
        "## K600 and Raymond et al. (2012)",
        "",
        "The provenance gives the depth (0.16 m) but no slope, velocity or discharge. Raymond et al. (2012) eq. 3, "
        "k600 [m/d] = 1162 S^0.77 V^0.85 (V in m/s), as K600 = k600 / depth (d-1) for assumed slopes and velocities "
        "of a small mountain stream:",
        "",
        md_table(ray.round(1)),
        "",
        f"The fitted mean K600 ({k_mean:.1f} d-1) needs, for V = "
        + ", ".join(f"{v:g} m/s: S = {s:.4f}" for v, s in s_needed.items())
        + ". Slopes of 0.5-2 % with velocities of 0.1-0.3 m/s, typical of such a stream, give K600 of about "
        f"{ray.iloc[0, 0]:.0f}-{ray.iloc[2, 2]:.0f} d-1, which brackets the fitted values: the estimates are "
        "physically "
        "plausible, but the data cannot pin K600 to the relation without the reach's slope and velocity.",
        "",
        "## Light-timing diagnostic",
        "",
        "The residuals keep a diel pattern (DO rises faster after sunrise and peaks before the modelled light "
        "peak), as expected with modelled clear-sky light in a valley with topographic or riparian shading. "
        "Fits with the light curve shifted (positive = modelled light earlier):",
        "",
        md_table(timing.round(3), index=False),
        "",
        "GPP, ER and K600 covary strongly (equifinality); light timing moves them more than their statistical "
        "intervals. Measured PAR would be needed to narrow them.",
        "",
        f"Figure: `{png.name}` (observed vs modelled DO; daily GPP, ER and K600 with intervals; K600-ER covariation).",
    ]
    (OUT / "report.md").write_text("\n".join(lines) + "\n")

    print(f"French Creek ({len(daily)} days): observation-error RMSE {obs.rmse_mg_l:.3f} mg/L "
          f"(mean diel DO range {diel_range.mean():.2f} mg/L); process-error one-step RMSE {proc.rmse_mg_l:.3f}")
    print(table.to_string())
    print(f"mean K600 {k_mean:.1f} d-1 -> k600 {k600_mean_m_d:.2f} m/d; Raymond eq. 3 K600 (d-1) for assumed S, V:")
    print(ray.round(1).to_string())
    print("light timing diagnostic:")
    print(timing.round(3).to_string(index=False))
    print(f"wrote {OUT / 'report.md'} and {png}")


if __name__ == "__main__":
    main()
