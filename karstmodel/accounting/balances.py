"""Water and carbon balances of a run: every input, output and storage change, and the residual that closes them.

:func:`water_balance` (mm over the catchment), :func:`carbon_balance` (inorganic carbon, mmol C per m2 of
catchment) and :func:`amendment_balance` (organic carbon of soil amendment pools), each over the recorded period;
the run summary (:mod:`karstmodel.accounting.sink`) reports them and the tests check that they close.
"""
from __future__ import annotations

import numpy as np

from chemistry.constants import M_C_G_MOL

from ..processes import dissolution as _diss
from ..processes.snow import catchment_swe


def _weighted(arr, frac):
    return np.asarray(arr) @ np.asarray(frac)


def water_balance(c, water) -> dict:
    """P + irrigation = E_i + AET + spring + surface + other outlets + dS (mm over the catchment, recorded
    period); surface = all non-karst runoff at the outlet (quick store + non-karst baseflow, the latter also given
    alone as ``nonkarst_baseflow_mm``); dS includes every store (snow, interception, soil, E, M, C, surface store,
    non-karst groundwater)."""
    frac = np.array([h.fraction for h in c.hydrotopes])
    hyd, flows, snow, st0 = water.hyd, water.flows, water.snow, water.state0
    p = float(water.precip_mm.sum())
    irr = float(_weighted(hyd["irrigation_mm"], frac).sum()) if "irrigation_mm" in hyd else 0.0
    ei = float(_weighted(hyd["interception_evap_mm"], frac).sum())
    aet = float(_weighted(hyd["aet_mm"], frac).sum())
    spring = float(flows["spring_mm"].sum())
    surface = float(flows["surface_mm"].sum())
    other = float(flows["other_outlets_mm"].sum())
    s_end = (snow["swe_mm"][-1] + _weighted(hyd["soil_mm"][-1], frac) + _weighted(hyd["icept_mm"][-1], frac)
             + flows["epikarst_mm"][-1] + flows["matrix_mm"][-1] + flows["conduit_mm"][-1] + flows["surface_store_mm"][-1]
             + flows["nonkarst_baseflow_store_mm"][-1])
    s0 = water.storage0
    s_start = (catchment_swe(st0.swe, c.snow) + _weighted(st0.soil, frac) + _weighted(st0.icept, frac) + s0[0] + s0[1] + s0[2]
               + st0.surface + st0.baseflow)
    ds = float(s_end - s_start)
    resid = p + irr - ei - aet - spring - surface - other - ds
    scale = max(p + irr, 1e-12)
    out = {"precip_mm": p, "irrigation_mm": irr, "interception_evap_mm": ei, "aet_mm": aet, "spring_mm": spring,
           "surface_runoff_mm": surface, "other_outlets_mm": other,
           "nonkarst_baseflow_mm": float(flows["nonkarst_baseflow_mm"].sum()),
           "storage_change_mm": ds, "residual_mm": resid, "relative_error": abs(resid) / scale}
    # the routing to the outlet gauge: spring + surface = gauge + change of the water in transit
    t0, t1 = water.state0.transit, water.transit_end
    start = float(np.sum(t0)) if t0 is not None else 0.0
    out["outlet_routing"] = {"gauge_mm": float(flows["outlet_mm"].sum()), "in_transit_start_mm": start,
                             "in_transit_end_mm": float(np.sum(t1)),
                             "residual_mm": float(spring + surface - flows["outlet_mm"].sum() - (np.sum(t1) - start))}
    return out


def carbon_balance(c, run) -> dict:
    """Inorganic carbon budget of the karst + non-karst runoff (mmol C per m2 of catchment, recorded period):
    inputs = soil CO2 taken up by recharge + rock carbon dissolved (in recharge, matrix, conduits);
    outputs = DIC exported by the spring, by surface runoff (quick store + non-karst baseflow, the latter also
    alone) and to other outlets; storage = DIC in E, M, C, the surface store and the non-karst groundwater. With
    soil-water solute stores (``[chemistry] soil_solute_mixing``) the soil water is inside the budget: the inputs are
    what it takes up (net of what drying gives back), not what it releases, and the change of its DIC is storage
    (also alone as ``soil_water_storage_change_mmol_m2``)."""
    i = _diss.IDX
    flows = run.water.flows
    inputs_in = (run.solutes.slow_mass, run.solutes.fast_mass, run.solutes.allo_mass)
    dic_in = float(sum(m[:, i["dic"]].sum() for m in inputs_in))
    rock_in = float(sum(m[:, i["rock_c"]].sum() for m in inputs_in))
    surf_in_dic = float(run.solutes.surf_mass[:, i["dic"]].sum())
    surf_rock = float(run.solutes.surf_mass[:, i["rock_c"]].sum())
    surf_dic = float(run.solutes.surf["out_mass"][:, i["dic"]].sum())
    st0 = run.water.state0
    surf_store0 = float(st0.surface_mass[i["dic"]]) if st0.surface_mass is not None else \
        float(run.solutes.surf["store_mass"][0, i["dic"]] + run.solutes.surf["out_mass"][0, i["dic"]] - run.solutes.surf_mass[0, i["dic"]])
    surf_ds = float(run.solutes.surf["store_mass"][-1, i["dic"]]) - surf_store0
    base_in_dic = float(run.solutes.base_mass[:, i["dic"]].sum())
    base_rock = float(run.solutes.base_mass[:, i["rock_c"]].sum())
    base_dic = float(run.solutes.base["out_mass"][:, i["dic"]].sum())
    base_store0 = float(st0.baseflow_mass[i["dic"]]) if st0.baseflow_mass is not None else \
        float(run.solutes.base["store_mass"][0, i["dic"]] + run.solutes.base["out_mass"][0, i["dic"]] - run.solutes.base_mass[0, i["dic"]])
    base_ds = float(run.solutes.base["store_mass"][-1, i["dic"]]) - base_store0
    rock_res = float((run.chemistry.diss_m * flows["matrix_out_mm"]).sum() + (run.chemistry.diss_c * flows["conduit_out_mm"]).sum())
    spring_out = float(np.nansum(run.chemistry.conc_s[:, i["dic"]] * flows["spring_mm"]))
    other_out = float(run.solutes.tr["other_outlets_mass"][:, i["dic"]].sum())
    st = run.solutes.tr["storage_mass_end"]
    m0 = run.solutes.mass0
    ds = float(st[:, i["dic"]].sum() - (m0[0][i["dic"]] + m0[1][i["dic"]] + m0[2][i["dic"]])) + surf_ds + base_ds
    soil, soil_terms = run.solutes.soil, {}
    if soil is not None:  # the soil-water stores inside the budget: what they take up in, their DIC change stored
        net = soil["taken_mmol_m2"].sum(axis=0) - soil["released_mmol_m2"].sum(axis=0)
        soil_ds = float(soil["store_end_mmol_m2"][i["dic"]] - soil["store_start_mmol_m2"][i["dic"]])
        dic_in, rock_in, ds = dic_in + float(net[i["dic"]]), rock_in + float(net[i["rock_c"]]), ds + soil_ds
        soil_terms["soil_water_storage_change_mmol_m2"] = soil_ds
    soil_uptake = (dic_in - rock_in) + (surf_in_dic - surf_rock) + (base_in_dic - base_rock)
    inputs = soil_uptake + rock_in + surf_rock + base_rock + rock_res
    outputs = spring_out + surf_dic + base_dic + other_out
    resid = inputs - outputs - ds
    amend = amendment_balance(c, run)
    rel = abs(resid) / max(abs(inputs), 1e-12)
    if amend["amendment_input_mmol_m2"] > 0:
        rel = max(rel, abs(amend["amendment_residual_mmol_m2"]) / amend["amendment_input_mmol_m2"])
    return {"soil_co2_uptake_mmol_m2": soil_uptake, "rock_carbon_recharge_mmol_m2": rock_in + surf_rock + base_rock,
            "rock_carbon_reservoirs_mmol_m2": rock_res, "dic_export_spring_mmol_m2": spring_out,
            "dic_export_surface_mmol_m2": surf_dic + base_dic, "dic_export_nonkarst_baseflow_mmol_m2": base_dic,
            "dic_export_other_outlets_mmol_m2": other_out,
            "storage_change_mmol_m2": ds, **soil_terms, "residual_mmol_m2": resid, **amend,
            "relative_error": rel}


def amendment_balance(c, run) -> dict:
    """Organic carbon of the soil amendment pools (mmol C per m2 of catchment, recorded period; zero without
    amendments): added = decomposed to soil CO2 + change of the pools (which start the record empty;
    :mod:`karstmodel.processes.organic_amendment`). The decomposed carbon is part of the soil CO2 production; what
    recharge takes up of it is in ``soil_co2_uptake_mmol_m2``."""
    frac = np.array([h.fraction for h in c.hydrotopes])
    co2 = run.solutes.co2
    to_mmol = 1000.0 / M_C_G_MOL  # g C -> mmol C with the database's formula weight of C

    def total(key):
        return float(_weighted(co2[key], frac).sum()) * to_mmol if key in co2 else 0.0
    added, decomposed = total("amendment_input_gc_m2_d"), total("amendment_decomposition_gc_m2_d")
    pool = co2.get("amendment_pool_gc_m2")
    change = float(_weighted(pool[-1], frac)) * to_mmol if pool is not None and len(pool) else 0.0
    return {"amendment_input_mmol_m2": added, "amendment_decomposed_mmol_m2": decomposed,
            "amendment_pool_change_mmol_m2": change, "amendment_residual_mmol_m2": added - decomposed - change}
