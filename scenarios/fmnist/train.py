#!/usr/bin/env python3
"""Trains, quantises and exports the Fashion-MNIST network of scenarios/fmnist/.

A small Akida 1.0 (AKD1000-compatible) CNN for 28x28x1 8-bit images:

    conv_0  InputConvolutional      3x3, 16 filters, Same, max pool 2x2,  8-bit weights, 4-bit act
    conv_1  Convolutional           3x3, 32 filters, Same, max pool 2x2,  4-bit weights, 4-bit act
    conv_2  Convolutional           3x3, 32 filters, Same,                4-bit weights, 4-bit act
    fc      FullyConnected          10 units (7*7*32 inputs),             4-bit weights, no act

trained with quantisation-aware training whose forward pass IS the integer network of
docs/semantics.md (v1): integer inputs, symmetric integer weights (2^b - 1 levels), integer
potentials (cross-correlation for InputConvolutional, real convolution -- flipped kernel -- for
Convolutional, done here by flipping at export), max pooling on potentials, then
out = 0 if p <= T else min(2^b - 1, ceil((p - T) / s)) with integer T and s per filter.
Rounding uses straight-through estimators, so the exported integers reproduce the trained
network exactly.

Usage (PyTorch is needed for training only):

    python3 scenarios/fmnist/train.py                 # train (4 epochs, CPU, 2 threads), export,
                                                      # evaluate the integer reference
    python3 scenarios/fmnist/train.py --eval-only     # numpy only: evaluate the committed model

The integer reference (`int_forward`) is written with numpy alone, independently of akisim:
integer tensors, exact integer sums (computed as float64 matrix products of integers whose
partial sums stay far below 2^53, which is exact, and checked), integer thresholds.
"""
import argparse
import gzip
import io
import json
import os
import sys
import time
import zipfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
DATA_DIR = "/usr/share/datasets/fashion-mnist"

# Architecture: (name, akida type, filters, kernel, weight bits, act bits, max pool 2x2).
LAYERS = [
    ("conv_0", "InputConvolutional", 16, 3, 8, 4, True),
    ("conv_1", "Convolutional", 32, 3, 4, 4, True),
    ("conv_2", "Convolutional", 32, 3, 4, 4, False),
]
FC = ("fc", "FullyConnected", 10, 4)  # name, type, units, weight bits
SHAPE = (28, 28, 1)


# ----------------------------------------------------------------------------- data

def read_idx(path, ndim):
    """Reads a gzip'ed IDX file of unsigned bytes with ndim dimensions."""
    with gzip.open(path, "rb") as f:
        raw = f.read()
    if raw[:3] != b"\x00\x00\x08" or raw[3] != ndim:
        raise ValueError(f"{path}: bad IDX magic")
    dims = [int.from_bytes(raw[4 + 4 * d:8 + 4 * d], "big") for d in range(ndim)]
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    if data.size != int(np.prod(dims)):
        raise ValueError(f"{path}: payload size")
    return data.reshape(dims)


def load_split(data_dir, split):
    """Images (n, 28, 28) uint8 (row, column) and labels (n,) of 'train' or 't10k'."""
    x = read_idx(os.path.join(data_dir, f"{split}-images-idx3-ubyte.gz"), 3)
    y = read_idx(os.path.join(data_dir, f"{split}-labels-idx1-ubyte.gz"), 1)
    return x, y.astype(np.int64)


# ----------------------------------------------------------------------------- model files

def npy_bytes(a):
    buf = io.BytesIO()
    np.lib.format.write_array(buf, np.ascontiguousarray(a), allow_pickle=False)
    return buf.getvalue()


def save_model(out_dir, layers_json, variables):
    """Writes model.json and model.npz (int32 arrays, deflated, fixed timestamps)."""
    os.makedirs(out_dir, exist_ok=True)
    doc = {"format": "akisim-model", "version": 1, "layers": layers_json}
    with open(os.path.join(out_dir, "model.json"), "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")
    with zipfile.ZipFile(os.path.join(out_dir, "model.npz"), "w") as z:
        for key in sorted(variables):
            info = zipfile.ZipInfo(key + ".npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, npy_bytes(variables[key].astype(np.int32)))


def load_model(model_dir):
    """Reads model.json + model.npz back: (layers list, {key: int64 array})."""
    with open(os.path.join(model_dir, "model.json")) as f:
        doc = json.load(f)
    with np.load(os.path.join(model_dir, "model.npz")) as z:
        variables = {k: z[k].astype(np.int64) for k in z.files}
    return doc["layers"], variables


def layers_json(conv_shapes):
    """The model.json layer list (every parameter explicit)."""
    out = []
    for (name, kind, filters, k, wb, ab, pool), _ in zip(LAYERS, conv_shapes):
        p = {"kernel_size": [k, k], "filters": filters, "padding": "Same",
             "kernel_stride": [1, 1], "weights_bits": wb,
             "pool_size": [2, 2] if pool else [-1, -1],
             "pool_type": "Max" if pool else "NoPooling",
             "pool_stride": [2, 2] if pool else [-1, -1],
             "activation": True, "act_bits": ab}
        layer = {"name": name, "type": kind}
        if kind == "InputConvolutional":
            p = {"input_shape": list(SHAPE), **p, "padding_value": 0}
        else:
            layer["inbound"] = [out[-1]["name"]]
        layer["parameters"] = p
        out.append(layer)
    name, kind, units, wb = FC
    out.append({"name": name, "type": kind, "inbound": [out[-1]["name"]],
                "parameters": {"units": units, "weights_bits": wb, "activation": False,
                               "act_bits": 1}})
    return out


# ----------------------------------------------------------------------------- integer reference

def ceil_div(a, b):
    """ceil(a / b) for integer arrays, b > 0."""
    return -((-a) // b)


def exact_matmul(a, b):
    """a @ b for int64 matrices, through float64 BLAS; exact because every partial sum is
    bounded by sum |a| |b| < 2^53 (checked)."""
    bound = np.abs(a).max(initial=0) * np.abs(b).sum(axis=0).max(initial=0)
    assert bound < 2 ** 53, "integer sums too large for an exact float64 product"
    return np.rint(a.astype(np.float64) @ b.astype(np.float64)).astype(np.int64)


def conv_same(a, w):
    """Cross-correlation, stride 1, Same padding (zeros): a (n, X, Y, C), w (k, k, C, F)."""
    n, X, Y, C = a.shape
    k = w.shape[0]
    pad = (k - 1) // 2
    ap = np.pad(a, ((0, 0), (pad, k - 1 - pad), (pad, k - 1 - pad), (0, 0)))
    cols = np.concatenate([ap[:, i:i + X, j:j + Y, :] for i in range(k) for j in range(k)],
                          axis=3)
    return exact_matmul(cols.reshape(n * X * Y, k * k * C),
                        w.reshape(k * k * C, -1)).reshape(n, X, Y, -1)


def activation(p, t, s, bits):
    """v1 step-wise quantised ReLU."""
    q = np.minimum(2 ** bits - 1, ceil_div(p - t, s))
    return np.where(p <= t, 0, q)


def int_forward(layers, v, x):
    """The integer network on uint8 images x (n, 28, 28, 1): returns the int64 outputs."""
    a = x.astype(np.int64)
    for layer in layers:
        name, kind, p = layer["name"], layer["type"], layer["parameters"]
        w = v[name + "/weights"]
        if kind == "FullyConnected":
            pot = exact_matmul(a.reshape(a.shape[0], -1), w.reshape(-1, w.shape[3]))
            assert not p["activation"]
            a = pot
            continue
        if kind == "Convolutional":  # real convolution = cross-correlation, flipped kernel
            w = w[::-1, ::-1]
        pot = conv_same(a, w)
        if p["pool_type"] == "Max":
            n, X, Y, F = pot.shape
            pot = pot.reshape(n, X // 2, 2, Y // 2, 2, F).max(axis=(2, 4))
        a = activation(pot, v[name + "/threshold"], v[name + "/act_step"], p["act_bits"])
    return a


def int_evaluate(model_dir, x, y, batch=1000):
    layers, v = load_model(model_dir)
    pred = np.concatenate([np.argmax(int_forward(layers, v, x[i:i + batch, :, :, None]),
                                     axis=1)
                           for i in range(0, len(x), batch)])
    return pred, float(np.mean(pred == y))


# ----------------------------------------------------------------------------- training (torch)

def build_torch():
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    def ste_round(x):
        return x + (torch.round(x) - x).detach()

    class QAct(torch.autograd.Function):
        """out = clamp(ceil((p - T) / S), 0, amax) (= the v1 activation for integer p, T,
        S >= 1); straight-through gradients inside the clamp range."""

        @staticmethod
        def forward(ctx, p, T, S, amax):
            z = (p - T[None, :, None, None]) / S[None, :, None, None]
            out = torch.clamp(torch.ceil(z), 0, amax)
            ctx.save_for_backward(z, S, (z > -1) & (z <= amax))
            return out

        @staticmethod
        def backward(ctx, g):
            z, S, mask = ctx.saved_tensors
            gz = torch.where(mask, g, torch.zeros((), dtype=g.dtype)) / S[None, :, None, None]
            return gz, -gz.sum(dim=(0, 2, 3)), -(gz * z).sum(dim=(0, 2, 3)), None

    class QConv(nn.Module):
        """One v1 conv layer; forward = the integer layer (values carried in float32)."""

        def __init__(self, cin, cout, k, wbits, abits, pool, in_levels):
            super().__init__()
            self.weight = nn.Parameter(torch.empty(cout, cin, k, k))
            nn.init.kaiming_normal_(self.weight, nonlinearity="relu")
            self.t = nn.Parameter(torch.zeros(cout))      # threshold, real units
            self.log_s = nn.Parameter(torch.zeros(cout))  # log step, real units
            self.qmax = 2 ** (wbits - 1) - 1
            self.amax = 2 ** abits - 1
            self.pool = pool
            self.in_scale = 1.0 / in_levels  # real value of one input unit

        def weight_int(self):
            sw = (self.weight.detach().abs().amax(dim=(1, 2, 3)) / self.qmax).clamp(min=1e-8)
            wq = ste_round(torch.clamp(self.weight / sw[:, None, None, None],
                                       -self.qmax, self.qmax))
            return wq, sw

        def potentials(self, a):
            wq, sw = self.weight_int()
            p = F.conv2d(a, wq, padding=self.weight.shape[2] // 2)
            if self.pool:
                p = F.max_pool2d(p, 2)
            return p, sw * self.in_scale

        def int_params(self, unit):
            T = ste_round(self.t / unit)
            S = torch.clamp(ste_round(torch.exp(self.log_s) / unit), min=1.0)
            return T, S

        def forward(self, a):
            p, unit = self.potentials(a)
            T, S = self.int_params(unit)
            return QAct.apply(p, T, S, self.amax)

        @torch.no_grad()
        def calibrate(self, a):
            """Initial step: the 99.5 % quantile of each filter's potentials / 2^b - 1."""
            p, unit = self.potentials(a)
            q = torch.quantile(p.transpose(0, 1).reshape(p.shape[1], -1).clamp(min=0), 0.995,
                               dim=1)
            self.log_s.copy_(torch.log((q * unit).clamp(min=1e-6) / self.amax))
            self.t.zero_()

    class QFC(nn.Module):
        """FullyConnected without activation: integer potentials (per-tensor weight scale so
        the argmax of the logits is the argmax of the integer potentials)."""

        def __init__(self, nin, units, wbits, in_levels):
            super().__init__()
            self.weight = nn.Parameter(torch.empty(units, nin))
            nn.init.kaiming_normal_(self.weight)
            self.qmax = 2 ** (wbits - 1) - 1
            self.in_scale = 1.0 / in_levels
            self.log_temp = nn.Parameter(torch.zeros(()))

        def weight_int(self):
            sw = (self.weight.detach().abs().max() / self.qmax).clamp(min=1e-8)
            return ste_round(torch.clamp(self.weight / sw, -self.qmax, self.qmax)), sw

        def forward(self, a):
            wq, sw = self.weight_int()
            # flatten in akisim's (x, y, c) order
            p = a.permute(0, 2, 3, 1).reshape(a.shape[0], -1) @ wq.t()
            return p, p * sw * self.in_scale * torch.exp(self.log_temp)

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            convs, cin, levels, size = [], SHAPE[2], 255, SHAPE[0]
            for (_, _, filters, k, wb, ab, pool) in LAYERS:
                convs.append(QConv(cin, filters, k, wb, ab, pool, levels))
                cin, levels = filters, 2 ** ab - 1
                size //= 2 if pool else 1
            self.convs = nn.ModuleList(convs)
            self.fc = QFC(size * size * cin, FC[2], FC[3], levels)

        def forward(self, x):
            a = x
            for c in self.convs:
                a = c(a)
            return self.fc(a)

        @torch.no_grad()
        def calibrate(self, x):
            a = x
            for c in self.convs:
                c.calibrate(a)
                a = c(a)

    return torch, F, Net


def export(net, torch, out_dir):
    """Integer weights (akida layout), thresholds and steps of the trained network."""
    variables, shapes = {}, []
    with torch.no_grad():
        for (name, kind, *_), c in zip(LAYERS, net.convs):
            wq, sw = c.weight_int()
            T, S = c.int_params(sw * c.in_scale)
            w = wq.numpy().astype(np.int64).transpose(2, 3, 1, 0)  # (kx, ky, c, f)
            if kind == "Convolutional":  # torch cross-correlates; akida convolves
                w = w[::-1, ::-1]
            variables[name + "/weights"] = w
            variables[name + "/threshold"] = T.numpy().astype(np.int64)
            variables[name + "/act_step"] = S.numpy().astype(np.int64)
            shapes.append(w.shape)
        wq, _ = net.fc.weight_int()
        w = wq.numpy().astype(np.int64).T
        variables[FC[0] + "/weights"] = w.reshape(1, 1, *w.shape)
        variables[FC[0] + "/threshold"] = np.zeros(FC[2], np.int64)
        variables[FC[0] + "/act_step"] = np.ones(FC[2], np.int64)
    save_model(out_dir, layers_json(shapes), variables)


def train(args, xtr, ytr, xte, yte):
    torch, F, Net = build_torch()
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    torch.set_num_threads(args.threads)
    torch.use_deterministic_algorithms(True)
    net = Net()
    xt = torch.from_numpy(xtr[:, None].astype(np.float32))
    yt = torch.from_numpy(ytr)
    xv = torch.from_numpy(xte[:, None].astype(np.float32))
    net.calibrate(xt[:1024])
    opt = torch.optim.Adam(net.parameters(), lr=args.lr)
    steps = args.epochs * ((len(xt) + args.batch - 1) // args.batch)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=steps,
                                                pct_start=0.15)
    gen = torch.Generator().manual_seed(args.seed)
    t0 = time.time()
    for epoch in range(args.epochs):
        net.train()
        perm = torch.randperm(len(xt), generator=gen)
        flip = torch.rand(len(xt), generator=gen) < 0.5
        total, correct, loss_sum = 0, 0, 0.0
        for i in range(0, len(xt), args.batch):
            idx = perm[i:i + args.batch]
            xb = xt[idx]
            fb = flip[idx]
            xb = torch.where(fb[:, None, None, None], xb.flip(3), xb)  # mirror columns
            _, logits = net(xb)
            loss = F.cross_entropy(logits, yt[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            loss_sum += loss.item() * len(idx)
            correct += (logits.argmax(1) == yt[idx]).sum().item()
            total += len(idx)
        with torch.no_grad():
            pred = torch.cat([net(xv[i:i + 1000])[0].argmax(1) for i in range(0, len(xv), 1000)])
        acc = (pred.numpy() == yte).mean()
        print(f"epoch {epoch + 1}/{args.epochs}: loss {loss_sum / total:.4f} train "
              f"{correct / total:.4f} test {acc:.4f} ({time.time() - t0:.0f} s)", flush=True)
    export(net, torch, args.out)
    with torch.no_grad():
        pot = torch.cat([net(xv[i:i + 1000])[0] for i in range(0, len(xv), 1000)])
    return pot.numpy().astype(np.int64)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data-dir", default=DATA_DIR)
    ap.add_argument("--out", default=HERE, help="directory for model.json + model.npz")
    ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--eval-only", action="store_true",
                    help="only evaluate the exported model with the integer reference (numpy)")
    args = ap.parse_args()
    xte, yte = load_split(args.data_dir, "t10k")
    torch_pot = None
    if not args.eval_only:
        xtr, ytr = load_split(args.data_dir, "train")
        torch_pot = train(args, xtr, ytr, xte, yte)
    t0 = time.time()
    layers, v = load_model(args.out)
    out = np.concatenate([int_forward(layers, v, xte[i:i + 1000, :, :, None])
                          for i in range(0, len(xte), 1000)])
    pred = np.argmax(out, axis=1)
    acc = float(np.mean(pred == yte))
    if torch_pot is not None:
        same = int(np.sum(np.all(torch_pot == out, axis=1)))
        print(f"training network vs integer reference: {same}/{len(out)} outputs identical")
    correct = int(np.sum(pred == yte))
    print(f"integer reference accuracy: {acc:.4f} ({correct}/{len(yte)} correct, "
          f"{time.time() - t0:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
