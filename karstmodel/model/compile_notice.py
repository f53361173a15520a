"""A progress line on stderr when a run will compile numba kernels (the first run after installing or changing
karstmodel): numba compiles each kernel on its first call and keeps it in its on-disk cache (the user's cache
directory, keyed by the sources: :mod:`chemistry._numba_cache`; or ``NUMBA_CACHE_DIR``), so later runs, and later
installs of the same sources, load them in well under a second; without the line the first run is silent for up
to a minute or more."""
from __future__ import annotations

import sys

from chemistry._fused import _fused_block
from chemistry._kernel import _newton

from .._compiled import cache_is_cold
from ..processes.dissolution import _transport_loop
from ..processes.karst_stores import _karst_loop
from ..processes.reaches.kernel import advance_tanks
from ..processes.snow import _snow_loop
from ..processes.soil_water import _soil_loop
from .stages import _source_mass_loop

#: the kernels every run calls (their callees are compiled with them), those of the reaches, and the fused
#: equilibrium kernel, which a run calls only for recharge tables that are not shipped
#: (:func:`karstmodel.processes.recharge_tables.covers`)
CHAIN_KERNELS = (_snow_loop, _soil_loop, _karst_loop, _transport_loop, _source_mass_loop, _newton)
REACH_KERNELS = (advance_tanks,)
FUSED_KERNELS = (_fused_block,)


def announce_compilation(with_reaches: bool, stream=None, with_fused: bool = True) -> bool:
    """Print one line to ``stream`` (default stderr) when a kernel of the run has no valid compiled copy in the
    cache; returns whether it did."""
    kernels = CHAIN_KERNELS + (REACH_KERNELS if with_reaches else ()) + (FUSED_KERNELS if with_fused else ())
    if not cache_is_cold(*kernels):
        return False
    print("karstmodel: compiling the model kernels (first run after installing or changing karstmodel; "
          "about 20-60 s, cached for later runs)...", file=stream if stream is not None else sys.stderr, flush=True)
    return True
