"""Stream metabolism from a diel dissolved-oxygen record: daily GPP, ER and K600 by maximum likelihood.

The one-station model (Van de Bogert et al. 2007, Limnol. Oceanogr.: Methods 5:145; Odum 1956):

    dDO/dt = GPP / z x PAR(t) / mean_day(PAR) - ER / z + K_O2(t) (DO_sat(t) - DO)

with DO in mg/L (g/m3), GPP and ER in g O2 m-2 d-1 (both reported POSITIVE: ER is the O2 consumed; streamMetabolizer
reports ER as a negative number), z the mean depth (m), K600 the gas-exchange rate constant at Sc = 600 (d-1;
K600 = k600 / z) and K_O2 = K600 (Sc_O2 / 600)^-0.5 (Sc_O2 of Wanninkhof 1992; :mod:`karstmodel.processes.reaches.gas_exchange`).
DO_sat: Garcia & Gordon (1992) fit to Benson & Krause (1984), corrected to the barometric pressure (Benson &
Krause 1984). Light: measured PAR, or clear-sky PAR from solar geometry (:mod:`karstmodel.processes.reaches.light`); only its shape
within the day matters. One parameter set per day (a window of ``day_start_h`` .. ``day_end_h`` hours of mean solar
time, by default 04:00 to 04:00 the next day, as streamMetabolizer).

Estimation follows the maximum-likelihood models of streamMetabolizer (Appling et al. 2018, J. Geophys. Res.
Biogeosci. 123:624, "The metabolic regimes of 356 rivers in the United States", and its MLE specifications
``m_np_oi_tr_plrckm`` / ``m_np_pi_tr_plrckm``): the ODE is integrated with the trapezoid rule (implicit in DO, so
stable for any step), GPP is linear in light, ER constant through the day, K600 estimated each day, and
* ``error_model="observation"``: DO_mod(t0) = DO_obs(t0) and the model runs freely through the day; the errors
  DO_obs - DO_mod are iid normal;
* ``error_model="process"``: each step starts from the observed DO; the one-step errors are iid normal.
The error s.d. is profiled out (sigma^2 = SSE / n), so the negative log-likelihood is
n/2 (log(2 pi SSE / n) + 1), minimised with :func:`scipy.optimize.least_squares` (trust region, K600 >= 0).
Uncertainty: ``interval="profile"`` (default) gives profile-likelihood intervals (each bound where
2 (NLL_profile - NLL_min) = the chi-square(1) quantile, found with :func:`scipy.optimize.brentq`, the other two
parameters re-optimised at each trial value), ``"hessian"`` gives Wald intervals from the Gauss-Newton Hessian
(cov = sigma^2 (J^T J)^-1).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize, stats

from ..processes.reaches import gas_exchange as gx
from ..processes.reaches import light as lt
from .._compiled import njit

PARAMS = ("gpp_g_o2_m2_d", "er_g_o2_m2_d", "k600_per_d")


def do_saturation_mg_l(temp_c, pressure_atm=1.0):
    """O2 saturation (mg/L), Garcia & Gordon (1992) / Benson & Krause (1984) (:mod:`karstmodel.processes.reaches.gas_exchange`)."""
    return gx.o2_saturation_mg_l(np.asarray(temp_c, dtype=float), float(pressure_atm))


def ko2_per_k600(temp_c):
    """K_O2 / K600 = (Sc_O2 / 600)^-0.5 (Wanninkhof 1992 Schmidt number of O2)."""
    return np.power(gx.schmidt_o2(np.asarray(temp_c, dtype=float)) / 600.0, -0.5)


@njit
def _trapezoid(do_ref, from_observed, h_d, frac_gpp, inv_z, kfac, do_sat, gpp, er, k600):
    """DO through the day by the trapezoid rule (implicit in DO). Observation-error model
    (``from_observed`` False): each step starts from the modelled DO, from do_ref[0]. Process-error model (True):
    each step starts from the OBSERVED DO do_ref[i] (one-step-ahead prediction)."""
    n = frac_gpp.shape[0]
    out = np.empty(n)
    out[0] = do_ref[0]
    for i in range(n - 1):
        k0 = k600 * kfac[i]
        k1 = k600 * kfac[i + 1]
        p0 = (gpp * frac_gpp[i] - er) * inv_z[i]
        p1 = (gpp * frac_gpp[i + 1] - er) * inv_z[i + 1]
        h = h_d[i]
        start = do_ref[i] if from_observed else out[i]
        rhs = start + 0.5 * h * (p0 + p1 + k0 * (do_sat[i] - start) + k1 * do_sat[i + 1])
        out[i + 1] = rhs / (1.0 + 0.5 * h * k1)
    return out


def _simulate(do0, h_d, frac_gpp, inv_z, kfac, do_sat, gpp, er, k600):
    """Observation-error model: DO through the day from DO(t0) = do0."""
    return _trapezoid(np.array([float(do0)]), False, h_d, frac_gpp, inv_z, kfac, do_sat, gpp, er, k600)


def _one_step(do_obs, h_d, frac_gpp, inv_z, kfac, do_sat, gpp, er, k600):
    """Process-error model: DO(t_i+1) predicted from the OBSERVED DO(t_i) by one trapezoid step."""
    return _trapezoid(do_obs, True, h_d, frac_gpp, inv_z, kfac, do_sat, gpp, er, k600)


@dataclass
class DayData:
    """The inputs of one day's fit (arrays over the day's observations)."""

    date: pd.Timestamp
    times: pd.DatetimeIndex
    do_obs: np.ndarray
    do_sat: np.ndarray
    temp_c: np.ndarray
    depth_m: np.ndarray
    light: np.ndarray

    def arrays(self):
        h = np.diff(lt.ns(self.times)).astype(float) / 86400e9
        h = np.append(h, 0.0)
        mean_light = np.mean(self.light)
        frac = self.light / mean_light if mean_light > 0 else np.zeros_like(self.light)
        return h, frac, 1.0 / self.depth_m, ko2_per_k600(self.temp_c), self.do_sat


def simulate_do(times, gpp_g_o2_m2_d, er_g_o2_m2_d, k600_per_d, depth_m, temp_c, light, do0_mg_l,
                pressure_atm=1.0, error_model: str = "observation", do_obs=None) -> np.ndarray:
    """DO (mg/L) at ``times`` for one day's parameters (the forward model of :func:`fit_metabolism`).

    ``light`` is any non-negative light series (its daily mean normalises GPP); ``temp_c`` and ``depth_m`` scalars or
    arrays. ``error_model="process"`` returns the one-step predictions from ``do_obs``."""
    idx = pd.DatetimeIndex(times)
    n = len(idx)
    t = np.broadcast_to(np.asarray(temp_c, dtype=float), (n,)).copy()
    day = DayData(date=idx[0].normalize(), times=idx, do_obs=np.zeros(n) if do_obs is None else np.asarray(do_obs),
                  do_sat=do_saturation_mg_l(t, pressure_atm), temp_c=t,
                  depth_m=np.broadcast_to(np.asarray(depth_m, dtype=float), (n,)).copy(),
                  light=np.asarray(light, dtype=float))
    h, frac, inv_z, kfac, sat = day.arrays()
    if error_model == "process":
        return _one_step(np.asarray(do_obs, dtype=float), h, frac, inv_z, kfac, sat, gpp_g_o2_m2_d, er_g_o2_m2_d,
                         k600_per_d)
    return _simulate(float(do0_mg_l), h, frac, inv_z, kfac, sat, gpp_g_o2_m2_d, er_g_o2_m2_d, k600_per_d)


class _DayFit:
    """Residuals, NLL and profile of one day."""

    def __init__(self, day: DayData, error_model: str):
        self.day = day
        self.model = error_model
        self.h, self.frac, self.inv_z, self.kfac, self.sat = day.arrays()
        self.obs = np.ascontiguousarray(day.do_obs, dtype=float)
        self.n = len(self.obs) - 1  # the first observation is the initial condition (obs) / has no step (proc)

    def residuals(self, theta):
        g, r, k = theta
        if self.model == "observation":
            mod = _simulate(self.obs[0], self.h, self.frac, self.inv_z, self.kfac, self.sat, g, r, k)
        else:
            mod = _one_step(self.obs, self.h, self.frac, self.inv_z, self.kfac, self.sat, g, r, k)
        return (self.obs - mod)[1:]

    def predict(self, theta):
        g, r, k = theta
        if self.model == "observation":
            return _simulate(self.obs[0], self.h, self.frac, self.inv_z, self.kfac, self.sat, g, r, k)
        return _one_step(self.obs, self.h, self.frac, self.inv_z, self.kfac, self.sat, g, r, k)

    def nll_from_sse(self, sse):
        n = self.n
        return 0.5 * n * (np.log(2.0 * np.pi * max(sse, 1e-300) / n) + 1.0)

    def fit(self, x0, fixed: dict | None = None, k_bounds=(0.0, 500.0)):
        """Minimise the SSE over the free parameters (``fixed``: index -> value). Returns (theta, sse, result)."""
        fixed = fixed or {}
        free = [i for i in range(3) if i not in fixed]
        lo = np.array([-np.inf, -np.inf, k_bounds[0]])[free]
        hi = np.array([np.inf, np.inf, k_bounds[1]])[free]
        x0f = np.clip(np.asarray(x0, dtype=float)[free], lo + 1e-9 * (np.isfinite(lo)), hi - 1e-9 * np.isfinite(hi))

        def full(xf):
            th = np.empty(3)
            th[free] = xf
            for i, v in fixed.items():
                th[i] = v
            return th

        res = optimize.least_squares(lambda xf: self.residuals(full(xf)), x0f, bounds=(lo, hi), method="trf",
                                     x_scale="jac", xtol=1e-12, ftol=1e-12, gtol=1e-12, max_nfev=2000)
        th = full(res.x)
        return th, float(np.sum(res.fun**2)), res


def _start_values(fit: _DayFit) -> np.ndarray:
    """Starting values from the process-error model, which is linear in (GPP, ER, K600): ordinary least squares."""
    obs, h, frac, inv_z, kfac, sat = fit.obs, fit.h, fit.frac, fit.inv_z, fit.kfac, fit.sat
    hh = h[:-1]
    a_g = 0.5 * hh * (frac[:-1] * inv_z[:-1] + frac[1:] * inv_z[1:])
    a_r = -0.5 * hh * (inv_z[:-1] + inv_z[1:])
    a_k = 0.5 * hh * (kfac[:-1] * (sat[:-1] - obs[:-1]) + kfac[1:] * (sat[1:] - obs[1:]))
    y = np.diff(obs)
    coef, *_ = np.linalg.lstsq(np.column_stack([a_g, a_r, a_k]), y, rcond=None)
    g, r, k = coef
    return np.array([g if np.isfinite(g) else 3.0, r if np.isfinite(r) else 5.0,
                     k if np.isfinite(k) and k > 0.5 else 10.0])


def _profile_bounds(fit: _DayFit, theta, sse_min, i, level, k_bounds):
    """Profile-likelihood interval of parameter i."""
    crit = stats.chi2.ppf(level, 1)
    nll_min = fit.nll_from_sse(sse_min)
    cache = {"start": theta.copy()}

    def excess(v):
        th, sse, _ = fit.fit(cache["start"], fixed={i: v}, k_bounds=k_bounds)
        cache["start"] = th
        return 2.0 * (fit.nll_from_sse(sse) - nll_min) - crit

    out = []
    for direction in (-1.0, 1.0):
        cache["start"] = theta.copy()
        step = max(abs(theta[i]) * 0.1, 0.2)
        lo_lim = k_bounds[0] if i == 2 else -np.inf
        hi_lim = k_bounds[1] if i == 2 else np.inf
        a = theta[i]
        bound = np.nan
        for _ in range(40):
            b = a + direction * step
            if b <= lo_lim:
                b = lo_lim
            if b >= hi_lim:
                b = hi_lim
            if excess(b) > 0:
                cache["start"] = theta.copy()
                lo_, hi_ = (b, a) if direction < 0 else (a, b)
                try:
                    bound = optimize.brentq(excess, lo_, hi_, xtol=1e-4 * max(1.0, abs(theta[i])))
                except ValueError:
                    bound = b
                break
            if b == lo_lim or b == hi_lim:
                bound = b  # the likelihood stays within the critical value up to the parameter's bound
                break
            a = b
            step *= 1.6
        out.append(bound)
    return out


@dataclass
class MetabolismResult:
    """Daily estimates (``daily``: one row per day, ``<param>``, ``<param>_lower``, ``<param>_upper`` for
    gpp_g_o2_m2_d, er_g_o2_m2_d (positive = O2 consumed) and k600_per_d, plus k600_m_d = K600 x mean depth,
    rmse_mg_l, sigma_mg_l, nll, n_obs, converged) and the fitted series (``predictions``: do_obs_mg_l,
    do_mod_mg_l, do_sat_mg_l, light, day)."""

    daily: pd.DataFrame
    predictions: pd.DataFrame
    settings: dict

    @property
    def rmse_mg_l(self) -> float:
        """RMSE of the fitted DO over all fitted observations (the first observation of each day, which is the
        initial condition of the observation-error model, excluded)."""
        p = self.predictions.dropna(subset=["do_mod_mg_l"])
        first = ~p["day"].duplicated()
        r = (p["do_obs_mg_l"] - p["do_mod_mg_l"])[~first.to_numpy()]
        return float(np.sqrt(np.mean(r**2)))


def clean_do_record(df: pd.DataFrame, do_col="do_mg_l", temp_col="temp_c", do_min=0.5, do_max=25.0,
                    temp_min=-0.5, temp_max=40.0) -> pd.DataFrame:
    """Drop rows with missing or physically impossible DO or temperature (sensor errors such as DO = 0 or
    negative water temperature) and duplicated timestamps (the first is kept); sort by time."""
    d = df.sort_index()
    d = d[~d.index.duplicated(keep="first")]
    ok = d[do_col].between(do_min, do_max) & d[temp_col].between(temp_min, temp_max)
    return d[ok.fillna(False)]


def split_days(data: pd.DataFrame, longitude_deg: float, utc_offset_h: float, day_start_h=4.0, day_end_h=28.0,
               min_coverage=0.95, max_gap_min=30.0):
    """Windows of ``day_start_h``..``day_end_h`` hours of mean solar time (clock + 4 min/deg x (lon - 15 x
    offset)). Returns a list of (date, frame, valid, reason)."""
    shift = pd.Timedelta(minutes=4.0 * (longitude_deg - 15.0 * utc_offset_h))
    solar = data.index + shift
    step = pd.Series(data.index).diff().median()
    out = []
    for date in pd.DatetimeIndex(sorted(set(solar.normalize()))):
        lo = date + pd.Timedelta(hours=day_start_h)
        hi = date + pd.Timedelta(hours=day_end_h)
        sel = (solar >= lo) & (solar < hi)
        frame = data[sel]
        expected = (hi - lo) / step
        reason = ""
        if len(frame) < min_coverage * expected:
            reason = f"coverage {len(frame) / expected:.0%}"
        elif len(frame) > 1 and pd.Series(frame.index).diff().max() > pd.Timedelta(minutes=max_gap_min):
            reason = "gap > %g min" % max_gap_min
        elif len(frame) and (solar[sel][0] - lo > pd.Timedelta(minutes=max_gap_min)
                             or hi - solar[sel][-1] > pd.Timedelta(minutes=max_gap_min)):
            reason = "incomplete window"
        out.append((date, frame, reason == "", reason))
    return out


def fit_metabolism(data: pd.DataFrame, depth_m, latitude_deg: float, longitude_deg: float,
                   utc_offset_h: float | None = None, pressure_atm: float | None = None, elevation_m: float = 0.0,
                   error_model: str = "observation", interval: str = "profile", level: float = 0.95,
                   day_start_h: float = 4.0, day_end_h: float = 28.0, k600_bounds=(0.0, 500.0),
                   min_coverage: float = 0.95) -> MetabolismResult:
    """Estimate daily GPP, ER and K600 from a diel DO record by maximum likelihood (see the module docstring:
    the one-station model of Van de Bogert et al. 2007 with the MLE specifications of Appling et al. 2018).

    Parameters
    ----------
    data : pandas.DataFrame
        Indexed by local standard clock time (naive; ``utc_offset_h`` hours from UTC, default the nominal zone of
        the longitude) with ``do_mg_l`` and ``temp_c``; optional ``par_umol_m2_s`` (measured light; otherwise
        clear-sky PAR from solar geometry), ``do_sat_mg_l`` (otherwise from temperature and pressure),
        ``depth_m`` (otherwise the ``depth_m`` argument). Clean it first (:func:`clean_do_record`).
    depth_m : float
        Mean depth of the reach (m), z in the model; used where ``data`` has no ``depth_m``.
    latitude_deg, longitude_deg : float
        Station position (degrees north, east): solar geometry and mean solar time.
    utc_offset_h : float, optional
        Hours of the clock from UTC; default the nominal zone of the longitude.
    pressure_atm : float, optional
        Barometric pressure (atm); default from ``elevation_m`` (standard atmosphere).
    elevation_m : float, default 0.0
        Station elevation (m a.s.l.), for the pressure.
    error_model : {"observation", "process"}, default "observation"
        Errors of the freely running model, or one-step errors from the observed DO.
    interval : {"profile", "hessian", "none"}, default "profile"
        Profile-likelihood or Wald intervals of the daily parameters, or none.
    level : float, default 0.95
        Coverage of the intervals.
    day_start_h, day_end_h : float, default 4.0 and 28.0
        The window of one day's fit in hours of mean solar time (04:00 to 04:00 the next day).
    k600_bounds : tuple of float, default (0.0, 500.0)
        Search range of K600 (d-1).
    min_coverage : float, default 0.95
        Share of the expected observations a day needs to be fitted.

    Returns
    -------
    MetabolismResult
        ``daily`` (one row per day: estimates, intervals, fit statistics), ``predictions`` (observed and
        modelled DO) and ``settings``.

    Raises
    ------
    ValueError
        An unknown ``error_model`` or ``interval``, or a missing column in ``data``.
    """
    if error_model not in ("observation", "process"):
        raise ValueError("error_model must be 'observation' or 'process'")
    if interval not in ("profile", "hessian", "none"):
        raise ValueError("interval must be 'profile', 'hessian' or 'none'")
    for col in ("do_mg_l", "temp_c"):
        if col not in data.columns:
            raise ValueError(f"data lacks column {col!r}")
    off = lt.default_utc_offset_h(longitude_deg) if utc_offset_h is None else float(utc_offset_h)
    p_atm = lt.pressure_ratio_from_elevation(elevation_m) if pressure_atm is None else float(pressure_atm)
    d = data.sort_index()
    if "par_umol_m2_s" in d.columns:
        light = d["par_umol_m2_s"].to_numpy(dtype=float)
    else:
        light = lt.surface_par_umol_m2_s(d.index, latitude_deg, longitude_deg, off)
    d = d.assign(_light=np.maximum(light, 0.0))
    if "do_sat_mg_l" not in d.columns:
        d = d.assign(do_sat_mg_l=do_saturation_mg_l(d["temp_c"].to_numpy(dtype=float), p_atm))
    if "depth_m" not in d.columns:
        d = d.assign(depth_m=float(depth_m))
    rows, preds = [], []
    crit_z = stats.norm.ppf(0.5 + level / 2.0)
    for date, frame, valid, reason in split_days(d, longitude_deg, off, day_start_h, day_end_h, min_coverage):
        row = {"date": date, "n_obs": len(frame), "valid": valid, "note": reason}
        if not valid or len(frame) < 10:
            rows.append(row)
            continue
        day = DayData(date=date, times=frame.index, do_obs=frame["do_mg_l"].to_numpy(dtype=float),
                      do_sat=frame["do_sat_mg_l"].to_numpy(dtype=float), temp_c=frame["temp_c"].to_numpy(dtype=float),
                      depth_m=frame["depth_m"].to_numpy(dtype=float), light=frame["_light"].to_numpy(dtype=float))
        fit = _DayFit(day, error_model)
        x0 = _start_values(fit)
        theta, sse, res = fit.fit(x0, k_bounds=k600_bounds)
        # a second start from the other side of the K600 valley guards against a local minimum
        alt = np.array([theta[0], theta[1], max(theta[2] * 2.0, 5.0)])
        th2, sse2, res2 = fit.fit(alt, k_bounds=k600_bounds)
        if sse2 < sse * (1 - 1e-10):
            theta, sse, res = th2, sse2, res2
        n = fit.n
        sigma = np.sqrt(sse / n)
        row.update({p: float(v) for p, v in zip(PARAMS, theta)})
        row.update(k600_m_d=float(theta[2] * np.mean(day.depth_m)), rmse_mg_l=float(np.sqrt(sse / n)),
                   sigma_mg_l=float(sigma), nll=float(fit.nll_from_sse(sse)), converged=bool(res.success))
        if interval == "hessian":
            jac = res.jac
            try:
                cov = sigma**2 * np.linalg.inv(jac.T @ jac)
                se = np.sqrt(np.diag(cov))
            except np.linalg.LinAlgError:
                se = np.full(3, np.nan)
            for i, p in enumerate(PARAMS):
                lo_v = theta[i] - crit_z * se[i]
                row[p + "_lower"] = float(max(lo_v, k600_bounds[0]) if i == 2 else lo_v)
                row[p + "_upper"] = float(theta[i] + crit_z * se[i])
        elif interval == "profile":
            for i, p in enumerate(PARAMS):
                lo_v, hi_v = _profile_bounds(fit, theta, sse, i, level, k600_bounds)
                row[p + "_lower"], row[p + "_upper"] = float(lo_v), float(hi_v)
        rows.append(row)
        preds.append(pd.DataFrame({"do_obs_mg_l": day.do_obs, "do_mod_mg_l": fit.predict(theta),
                                   "do_sat_mg_l": day.do_sat, "light": day.light, "day": date}, index=frame.index))
    daily = pd.DataFrame(rows).set_index("date")
    cols = ["n_obs", "valid", "note"]
    for p in PARAMS:
        cols += [p, p + "_lower", p + "_upper"]
    cols += ["k600_m_d", "rmse_mg_l", "sigma_mg_l", "nll", "converged"]
    daily = daily.reindex(columns=cols)
    predictions = pd.concat(preds) if preds else pd.DataFrame(columns=["do_obs_mg_l", "do_mod_mg_l", "do_sat_mg_l",
                                                                       "light", "day"])
    settings = dict(error_model=error_model, interval=interval, level=level, pressure_atm=p_atm,
                    utc_offset_h=off, day_start_h=day_start_h, day_end_h=day_end_h, latitude_deg=latitude_deg,
                    longitude_deg=longitude_deg, light="measured" if "par_umol_m2_s" in data.columns else "clear-sky")
    return MetabolismResult(daily=daily, predictions=predictions, settings=settings)
