"""Compile the fused kernel (:func:`chemistry._fused._fused_block`) ahead of its first use, without solving anything."""
from __future__ import annotations

import numpy as np

from . import _fused
from ._fused_table import LP_STEP


def compile_kernel() -> None:
    """Compile :func:`chemistry._fused._fused_block` (or load it from numba's cache) without solving anything: one call over zero
    samples with placeholder arrays of the types :func:`chemistry._fused._run` passes (the dimensions of a start table and its
    columns; the values are never read). A process can so compile the kernel ahead of its first real use, e.g. in
    parallel with other work (karstmodel does this in a second process during a first run)."""
    if not _fused.AVAILABLE:
        return
    f, i = (lambda *shape: np.zeros(shape)), (lambda n: np.zeros(n, dtype=np.int64))
    st = dict(tab=f(4, 4, 4), tab_t=f(2, 4), lp_step=LP_STEP, cb=f(3, 6), g_co2=f(3), gas_k=0, dw=f(3),
              nub=f(3, 1), w=f(1, 3), pinv=f(3, 2), null=f(3, 1), ll_coef=f(2, 6), ll_nuw=f(2))
    cols = dict(lin_ptr=i(2), lin_sp=i(1), lin_val=f(1), lin_dest=i(1), si_rows=f(1, 3), si_nuw=f(1),
                si_coef=f(1, 6), si_dest=i(1), const_dest=i(0), const_val=f(0), special=np.full(9, -1, dtype=np.int64))
    args = _fused._kernel_args(st, cols, f(3), i(3), f(3), f(3), f(0), f(0), 1e-10, f(1, 0), f(1, 0),
                               np.zeros(0, dtype=np.bool_), i(0))
    _fused._fused_block(0, 0, *args)
