"""Calcite precipitation and dissolution on the bed and on plant surfaces of a reach (mol m-2 s-1).

The net rate per area of calcite is the PWP rate law (Plummer, Wigley & Parkhurst 1978, Am. J. Sci. 278:179, as in
phreeqc.dat; :func:`chemistry.kinetics.pwp_rate`, compiled in :mod:`chemistry.carbonate`); :func:`calcite_flux_mol_m2_s`
scales it to the bed of a reach and applies the nucleation barrier and the supply of calcite to dissolve.
"""
from __future__ import annotations

from chemistry.carbonate import pwp_rate_one

from ..._compiled import njit

#: Net calcite dissolution rate (mmol cm-2 s-1; < 0 = precipitation), Plummer, Wigley & Parkhurst (1978) as in
#: phreeqc.dat: :func:`chemistry.kinetics.pwp_rate` compiled for the time loop
pwp_rate_mmol_cm2_s = pwp_rate_one


@njit
def calcite_flux_mol_m2_s(rate_mmol_cm2_s, si_calcite, surface_m2_m2, rate_factor, si_crit, bed_carbonate,
                          deposited_mol_m2, dt_s):
    """Net calcite dissolution flux per m2 of bed (mol m-2 s-1; < 0 = precipitation) from the PWP rate:
    rate x 10 (mmol cm-2 -> mol m-2) x reactive surface per bed area x ``rate_factor``; no precipitation below
    ``si_crit``; without a carbonate bed, dissolution is limited to the calcite deposited before."""
    f = rate_mmol_cm2_s * 10.0 * surface_m2_m2 * rate_factor
    if f < 0.0 and si_calcite < si_crit:
        return 0.0
    if f > 0.0 and not bed_carbonate:
        lim = max(deposited_mol_m2, 0.0) / dt_s
        if f > lim:
            f = lim
    return f

