"""Carbonate geochemistry for karst waters: a vectorised native solver and a PHREEQC backend.

Usable on its own (it does not import ``karstmodel``). Main entry points:

* :func:`equilibrate` - water + CO2 + calcite/dolomite, open/closed/mixed system, optional starting water;
* :func:`speciate` - measured samples -> pCO2, saturation indices, species, DIC, ionic strength, charge balance;
* :func:`mix` - conservative mixing of two waters (mixing corrosion);
* :func:`pwp_rate`, :func:`dissolve_kinetic` - Plummer, Wigley & Parkhurst (1978) kinetics;
* :func:`to_phreeqc_input` - a PHREEQC input deck for any samples, to check any result in PHREEQC.

Thermodynamic data come from the pinned PHREEQC 3.7.3 ``phreeqc.dat`` shipped in ``chemistry/databases``.

Modules, each importing only those above it:

* ``errors``, ``constants`` (physical constants, molar masses, unit factors), ``censored``, ``_threads``;
* ``database`` (phreeqc.dat reader, log K(T)), ``thermo`` (water properties, Debye-Hueckel A/B, activity model);
* ``model`` (species and constraint types of one system), ``solution`` (a solved system), ``_compiled`` (shared
  compiled pieces);
* ``_kernel`` (numba engine), ``water`` (:func:`water.solve`, numpy engine), ``output`` (result columns),
  ``inputs`` (argument checks), ``constraints`` (constraint builders, starting points), ``phreeqc`` (PHREEQC
  backend), ``_fused_table`` (start table of the fused engine), ``_fused`` (compiled engine for pure water with
  calcite/dolomite);
* ``equilibrium`` (:func:`equilibrate`, :func:`mix`, :func:`speciate_totals`), ``speciation`` (:func:`speciate`),
  ``kinetics`` (PWP rate, :func:`dissolve_kinetic`), ``carbonate`` (one water at a time, compiled, for time loops),
  ``phreeqc_input`` (:func:`to_phreeqc_input`).
"""
from .errors import InputError
from .equilibrium import equilibrate, mix, speciate_totals
from .speciation import speciate
from .phreeqc_input import to_phreeqc_input
from .kinetics import pwp_rate, dissolve_kinetic
from .database import load as load_database, DatabaseError

__all__ = ["speciate", "equilibrate", "to_phreeqc_input", "pwp_rate", "dissolve_kinetic", "mix", "speciate_totals", "InputError", "load_database", "DatabaseError"]
