"""Maps of a grid result: one PNG per mapped per-cell variable, cells on their latitude/longitude (a raster when
the cells sit on a regular lat/lon raster, else points)."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from .plots import _plt, _save

MAP_VARIABLES = {
    "carbon_sink_tc_km2_yr": ("mean annual karst carbon sink", "t C km-2 yr-1", "map_carbon_sink.png"),
    "runoff_mm_yr": ("mean spring runoff", "mm/yr", "map_runoff.png"),
    "dic_mmol_l_flow_weighted": ("flow-weighted spring DIC", "mmol/L", "map_dic.png"),
    "soil_pco2_ppm_mean": ("mean soil-air pCO2 (area-weighted over land use)", "ppm", "map_soil_pco2.png"),
}


def _raster(lat: np.ndarray, lon: np.ndarray):
    """Row/column indices if the cells sit on a regular lat/lon raster (each position once), else None."""
    ulat, ilat = np.unique(np.round(lat, 9), return_inverse=True)
    ulon, ilon = np.unique(np.round(lon, 9), return_inverse=True)
    if ulat.size * ulon.size > 4 * lat.size:
        return None
    if len(set(zip(ilat.tolist(), ilon.tolist()))) != lat.size:
        return None
    for u in (ulat, ulon):
        if u.size > 2 and not np.allclose(np.diff(u), np.diff(u)[0], rtol=1e-3):
            return None
    return ulat, ilat, ulon, ilon


def _edges(u: np.ndarray) -> np.ndarray:
    if u.size == 1:
        return np.array([u[0] - 0.05, u[0] + 0.05])
    d = np.diff(u)
    return np.concatenate([[u[0] - d[0] / 2], u[:-1] + d / 2, [u[-1] + d[-1] / 2]])


def grid_maps(out, outdir, title: str = "") -> dict:
    """One PNG map per :data:`MAP_VARIABLES` entry, cells on their lat/lon (raster if regular, else points)."""
    plt = _plt()
    outdir = Path(outdir)
    lat, lon = out["latitude"].values, out["longitude"].values
    ras = _raster(lat, lon)
    paths = {}
    for var, (label, unit, fname) in MAP_VARIABLES.items():
        v = out[var].values
        fig, ax = plt.subplots(figsize=(6.4, 4.8))
        ax.grid(False)
        if ras is not None:
            ulat, ilat, ulon, ilon = ras
            z = np.full((ulat.size, ulon.size), np.nan)
            z[ilat, ilon] = v
            m = ax.pcolormesh(_edges(ulon), _edges(ulat), np.ma.masked_invalid(z), cmap="viridis", shading="flat")
            if v.size <= 60:
                for k in range(v.size):
                    if np.isfinite(v[k]):
                        light = m.norm(v[k]) > 0.6  # viridis is light at its top end
                        ax.text(lon[k], lat[k], f"{v[k]:.3g}", ha="center", va="center", fontsize=7,
                                color="k" if light else "w")
        else:
            m = ax.scatter(lon, lat, c=v, cmap="viridis", s=max(8, 4000 / max(1, v.size)), marker="s")
        fig.colorbar(m, ax=ax, label=f"{label} ({unit})")
        ax.set_xlabel("longitude (deg E)")
        ax.set_ylabel("latitude (deg N)")
        ax.set_aspect(1.0 / max(np.cos(np.deg2rad(np.nanmean(lat))), 0.1))
        ax.set_title(f"{title}{': ' if title else ''}{label}", fontsize=9)
        path = outdir / fname
        _save(fig, path)
        paths[var] = path
    return paths
