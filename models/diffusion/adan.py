"""Adan (Xie et al. 2022), the optimiser EDGE and MACE-Dance train with (lucidrains' formulation)."""

from __future__ import annotations

from collections.abc import Iterable

import torch
from torch.optim import Optimizer


class Adan(Optimizer):
    """Adaptive Nesterov momentum: m (grad), v (grad difference), n (squared Nesterov grad)."""

    def __init__(
        self, params: Iterable, lr: float = 1e-3, betas: tuple[float, float, float] = (0.02, 0.08, 0.01),
        eps: float = 1e-8, weight_decay: float = 0.0,
    ) -> None:
        if lr <= 0 or not all(0 <= b < 1 for b in betas) or weight_decay < 0:
            raise ValueError(f"invalid Adan settings lr={lr}, betas={betas}, weight_decay={weight_decay}")
        super().__init__(params, {"lr": lr, "betas": tuple(betas), "eps": eps, "weight_decay": weight_decay})

    @torch.no_grad()
    def step(self, closure=None):  # type: ignore[override]
        for group in self.param_groups:
            lr, (b1, b2, b3), eps, wd = group["lr"], group["betas"], group["eps"], group["weight_decay"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                grad, state = p.grad, self.state[p]
                if not state:
                    state["step"] = torch.zeros(())
                    for name in ("prev_grad", "m", "v", "n"):
                        state[name] = torch.zeros_like(p)
                m, v, n, prev = state["m"], state["v"], state["n"], state["prev_grad"]
                if state["step"] > 0:
                    diff = grad - prev
                    m.mul_(1 - b1).add_(grad, alpha=b1)
                    v.mul_(1 - b2).add_(diff, alpha=b2)
                    n.mul_(1 - b3).add_((grad + (1 - b2) * diff) ** 2, alpha=b3)
                state["step"] += 1
                k = state["step"].item()
                cm, cv, cn = (1 / (1 - (1 - b) ** k) for b in (b1, b2, b3))
                step_size = lr / (n * cn).sqrt().add_(eps)
                p.addcmul_(step_size, m * cm + (1 - b2) * v * cv, value=-1.0).div_(1 + wd * lr)
                prev.copy_(grad)
