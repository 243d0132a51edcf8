"""Every Mamba backend usable here on the same weights and input: output difference from the
`recurrent` reference (float64 on CPU) and median time per call, no_grad (the sampling path).

On a GPU with mamba_ssm installed the `cuda` backend (mamba_ssm kernels) is included; the CPU
reference is computed from the same state dict, so the printed error is CUDA kernel vs CPU path.

    python bench/bench_mamba_backends.py [--width 512 --frames 1024 --batch 1 --device cuda]
"""

from __future__ import annotations

import argparse

import torch

from benchmark.methods.speed import median_seconds
from models.mamba import Mamba, available_backends


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--width", type=int, default=512, help="d_model (d_inner = 2 x width)")
    p.add_argument("--frames", type=int, default=1024)
    p.add_argument("--batch", type=int, default=1)
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--repeats", type=int, default=5)
    args = p.parse_args()
    torch.manual_seed(0)
    mixer = Mamba(args.width).eval()
    x = torch.randn(args.batch, args.frames, args.width)
    with torch.no_grad():
        reference = Mamba(args.width, backend="recurrent").double()
        reference.load_state_dict(mixer.state_dict())
        expected = reference(x.double()).float()
        mixer.to(args.device)
        xd = x.to(args.device)
        print(f"Mamba d_model {args.width}, L={args.frames}, batch {args.batch}, {args.device}, float32, "
              f"threads {torch.get_num_threads()}; error vs float64 recurrent on CPU (max |y| {expected.abs().max():.3f})")
        backends = [b for b in available_backends() if args.device.startswith("cuda") or b != "cuda"]
        for backend in backends:
            if backend == "compiled" and args.device != "cpu":
                continue  # numba works on CPU tensors only
            mixer.backend = backend
            out = mixer(xd).cpu()
            seconds = median_seconds(lambda: mixer(xd), 1 if backend == "recurrent" else 2,
                                     1 if backend == "recurrent" else args.repeats, args.device)
            error = (out - expected).abs().max().item()
            print(f"{backend:10s} max abs error {error:.2e}  {seconds * 1e3:9.2f} ms per call")


if __name__ == "__main__":
    main()
