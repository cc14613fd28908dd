"""Introduction rounds: who should meet whom this round.

Pure: members' profiles, the history of past rounds and the moderators' constraints go in;
groups come out. A pair's score is

    overlap     weighted cosine of what both know (topics weighted by rarity in the round)
  + complement  cosine of what one knows with what the other wants to learn, both ways
  + bridge      bonus for members of different main channels who have not talked much
  + named       bonus when the intro could name a reason (`explain.nameable` of both sides
                meet): a round should make as many intros with a real shared interest as it
                can, not one strong pair and two "widen the circle" ones
  - penalty     whatever the caller wants to discourage

Up to `exact_threshold` members an exact maximum-weight matching is used (blossom algorithm;
rustworkx's Rust port when installed, else networkx). Measured on this 2-core machine with
dense random weights: networkx 2.4 s at 200 members, 19 s at 400, 60 s at 600; rustworkx
0.02 s at 200, 1.5 s at 600, 15 s at 1000. Above the threshold each member keeps only the
top-k candidates found through an inverted index over topics (a sparse product, never a
dense n x n score matrix), then a greedy matching is improved by 2-opt swaps.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np

from bot.interests.profiles import Profile
from bot.intros.explain import Nameable

__all__ = [
    "DEFAULT_EXACT_THRESHOLD",
    "Candidate",
    "Constraints",
    "PairScore",
    "PairScorer",
    "RoundHistory",
    "RoundPlan",
    "ScoreWeights",
    "plan_round",
]

DEFAULT_EXACT_THRESHOLD = 600
# Matchings made at most to drop a "named" bonus the intro's own checks refuse (see
# `plan_round`'s `explains`); above the exact threshold, each after the first is only the
# local search again.
NAMED_CHECKS = 3
_NEG = -np.inf
_SCALE = 1_000_000  # blossom works on integers: scores are kept to 1e-6


def pair_key(a: int, b: int) -> frozenset[int]:
    return frozenset((a, b))


# --- inputs ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Candidate:
    """A member who opted in to this round, as matching sees them."""

    member_id: int
    knows: Mapping[str, float]
    wants: Mapping[str, float] = field(default_factory=dict)
    main_channel: str | None = None
    named: Nameable = field(default_factory=Nameable)

    @classmethod
    def from_profile(cls, profile: Profile, named: Nameable | None = None) -> Candidate:
        return cls(
            profile.member_id,
            profile.knows,
            profile.wants,
            profile.main_channel,
            named or Nameable(),
        )


@dataclass(frozen=True, slots=True)
class RoundHistory:
    """The round being planned and, per pair, the last round they were grouped together."""

    current_round: int
    last_paired: Mapping[frozenset[int], int] = field(default_factory=dict)

    @classmethod
    def from_rounds(
        cls, current_round: int, rounds: Iterable[tuple[int, Iterable[Sequence[int]]]]
    ) -> RoundHistory:
        """From (round number, groups) of past rounds; a trio counts as its three pairs."""
        last: dict[frozenset[int], int] = {}
        for number, groups in rounds:
            for group in groups:
                members = list(group)
                for x in range(len(members)):
                    for y in range(x + 1, len(members)):
                        key = pair_key(members[x], members[y])
                        last[key] = max(last.get(key, number), number)
        return cls(current_round, last)


@dataclass(frozen=True, slots=True)
class Constraints:
    """Moderator and member wishes plus what we know of who already talks.

    A pair grouped in round r is not grouped again in rounds r+1 .. r+repeat_window.
    `interactions` counts replies/mentions between a pair; `penalties` are subtracted."""

    not_with: Collection[frozenset[int]] = frozenset()
    interactions: Mapping[frozenset[int], int] = field(default_factory=dict)
    penalties: Mapping[frozenset[int], float] = field(default_factory=dict)
    repeat_window: int = 12


@dataclass(frozen=True, slots=True)
class ScoreWeights:
    overlap: float = 1.0
    complement: float = 0.75  # per direction
    bridge: float = 0.2
    # A pair with a reason an intro can name gains this: between rounds of about the same
    # score, the one with more interest intros wins (the sample community's round had made
    # two of five where three were possible, at the same total). Measured on the four real
    # exports' rounds: 0.05 and 0.1 gave 7 reasons, 7 relevant (0: 6 of 6); 0.2 gave 9, 7
    # relevant; 0.3 gave 13, 7 relevant: larger values buy weak reasons with real score.
    named: float = 0.1
    # Pairs who already talk lose up to this much: new and weak ties are what intros are for
    # (a pair with n shared conversations loses familiar * (1 - 1 / (1 + n)): one
    # conversation already costs 0.75, more than most interest overlaps are worth).
    familiar: float = 1.5
    max_topics: int = 40  # strongest topics per member that take part in scoring
    max_df_ratio: float = 0.25  # topics more than this share of members hold don't discriminate
    min_members_for_df: int = 20  # below this, every topic counts


# --- outputs --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PairScore:
    overlap: float
    complement: float
    bridge: float
    penalty: float
    named: float = 0.0

    @property
    def total(self) -> float:
        return self.overlap + self.complement + self.bridge + self.named - self.penalty


@dataclass(frozen=True, slots=True)
class RoundPlan:
    groups: tuple[tuple[int, ...], ...]
    scores: Mapping[tuple[int, ...], float]  # per group: the sum of its pairs' totals
    method: str  # "exact", "pruned" or "trivial"
    unmatched: tuple[int, ...] = ()  # only when constraints allow no group for someone
    pair_scores: Mapping[frozenset[int], PairScore] = field(default_factory=dict)
    planned_at: datetime | None = None

    @property
    def total_score(self) -> float:
        return float(sum(self.scores.values()))


# --- scoring --------------------------------------------------------------------------------


def _ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Concatenation of arange(s, s + l) for each (s, l), vectorized."""
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    ends = np.cumsum(lengths)
    return np.repeat(starts - ends + lengths, lengths) + np.arange(total, dtype=np.int64)


class _Sparse:
    """Rows of L2-normalized topic weights: CSR for rows, CSC postings for columns."""

    def __init__(self, rows: list[dict[int, float]], n_cols: int) -> None:
        self.rows = rows
        n = len(rows)
        lengths = np.fromiter((len(r) for r in rows), dtype=np.int64, count=n)
        self.indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(lengths, out=self.indptr[1:])
        nnz = int(self.indptr[-1])
        self.indices = np.empty(nnz, dtype=np.int64)
        self.data = np.empty(nnz, dtype=np.float64)
        k = 0
        for row in rows:
            for col in sorted(row):
                self.indices[k] = col
                self.data[k] = row[col]
                k += 1
        row_of = np.repeat(np.arange(n, dtype=np.int64), lengths)
        order = np.argsort(self.indices, kind="stable")
        self.col_members = row_of[order]
        self.col_weights = self.data[order]
        self.col_ptr = np.zeros(n_cols + 1, dtype=np.int64)
        np.cumsum(np.bincount(self.indices, minlength=n_cols), out=self.col_ptr[1:])


def _product_block(a: _Sparse, rows: np.ndarray, b: _Sparse, n: int) -> np.ndarray:
    """Dense (len(rows), n) block of A[rows] . B^T through B's postings: cost is the number
    of (row topic, holder) pairs, not n x topics."""
    starts = a.indptr[rows]
    counts = a.indptr[rows + 1] - starts
    pos = _ranges(starts, counts)
    local = np.repeat(np.arange(len(rows), dtype=np.int64), counts)
    topics = a.indices[pos]
    vals = a.data[pos]
    plen = b.col_ptr[topics + 1] - b.col_ptr[topics]
    ppos = _ranges(b.col_ptr[topics], plen)
    flat = np.repeat(local, plen) * n + b.col_members[ppos]
    weights = np.repeat(vals, plen) * b.col_weights[ppos]
    out = np.bincount(flat, weights=weights, minlength=len(rows) * n)
    return out.astype(np.float64, copy=False).reshape(len(rows), n)  # int64 when empty


def _sparse_dot(x: Mapping[int, float], y: Mapping[int, float]) -> float:
    if len(x) > len(y):
        x, y = y, x
    return sum(v * y.get(k, 0.0) for k, v in x.items())


class PairScorer:
    """Scores pairs of one round's members; the same numbers drive every method."""

    def __init__(
        self,
        members: Sequence[Candidate],
        constraints: Constraints | None = None,
        history: RoundHistory | None = None,
        weights: ScoreWeights | None = None,
    ) -> None:
        self.members = list(members)
        self.constraints = constraints or Constraints()
        self.weights = weights or ScoreWeights()
        self.ids = [m.member_id for m in self.members]
        if len(set(self.ids)) != len(self.ids):
            raise ValueError("a member appears twice in the round")
        self.index = {mid: i for i, mid in enumerate(self.ids)}
        n = self.n = len(self.members)
        w = self.weights

        # Rarity weights over the round: topics everyone holds carry no signal.
        df: dict[str, int] = {}
        for m in self.members:
            for t in set(m.knows) | set(m.wants):
                df[t] = df.get(t, 0) + 1
        cutoff = w.max_df_ratio * n if n >= w.min_members_for_df else math.inf
        vocab: dict[str, int] = {}
        idf: dict[str, float] = {}
        for t, count in df.items():
            if count <= cutoff:
                vocab[t] = len(vocab)
                idf[t] = math.log((1 + n) / (1 + count)) + 1.0

        def vector(topics: Mapping[str, float]) -> dict[int, float]:
            kept = [(t, x * idf[t]) for t, x in topics.items() if t in vocab and x > 0]
            if len(kept) > w.max_topics:
                kept = heapq.nlargest(w.max_topics, kept, key=lambda tx: tx[1])
            norm = math.sqrt(sum(x * x for _, x in kept))
            return {vocab[t]: x / norm for t, x in kept} if norm > 0 else {}

        self.topic_names = list(vocab)
        self.knows = _Sparse([vector(m.knows) for m in self.members], len(vocab))
        self.wants = _Sparse([vector(m.wants) for m in self.members], len(vocab))
        # What an intro could name, as 0/1 rows over its own vocabulary.
        names: dict[str, int] = {}

        def flags(topics: frozenset[str]) -> dict[int, float]:
            return {names.setdefault(t, len(names)): 1.0 for t in topics}

        cares = [flags(m.named.cares) for m in self.members]
        teach = [flags(m.named.knows) for m in self.members]
        learn = [flags(m.named.wants) for m in self.members]
        self.named_cares = _Sparse(cares, len(names))
        self.named_knows = _Sparse(teach, len(names))
        self.named_wants = _Sparse(learn, len(names))
        self.unnamed: dict[int, set[int]] = {}  # pairs the intro's own checks refused

        channels: dict[str, int] = {}
        self.channel = np.array(
            [
                -1 if m.main_channel is None else channels.setdefault(m.main_channel, len(channels))
                for m in self.members
            ],
            dtype=np.int64,
        )
        # Sparse per-pair inputs, by position.
        self.forbidden: dict[int, set[int]] = {}
        self.novelty: dict[int, dict[int, float]] = {}
        self.penalty: dict[int, dict[int, float]] = {}
        for key in self.constraints.not_with:
            self._add_pair(self.forbidden, key, None)
        if history is not None:
            window = self.constraints.repeat_window
            for key, last in history.last_paired.items():
                if 0 <= history.current_round - last <= window:
                    self._add_pair(self.forbidden, key, None)
        for key, count in self.constraints.interactions.items():
            if count > 0:
                self._add_pair(self.novelty, key, 1.0 / (1.0 + count))
        for key, value in self.constraints.penalties.items():
            if value:
                self._add_pair(self.penalty, key, float(value))

    def _add_pair(self, table: dict[int, Any], key: Iterable[int], value: float | None) -> None:
        ends = [self.index[x] for x in key if x in self.index]
        if len(ends) != 2:
            return
        i, j = ends
        for x, y in ((i, j), (j, i)):
            if value is None:
                table.setdefault(x, set()).add(y)
            else:
                table.setdefault(x, {})[y] = value

    # --- scalar ---------------------------------------------------------------------------

    def allowed(self, i: int, j: int) -> bool:
        return i != j and j not in self.forbidden.get(i, ())

    def _bridge(self, i: int, j: int) -> float:
        ci, cj = self.channel[i], self.channel[j]
        differ = 0.5 if ci < 0 or cj < 0 else float(ci != cj)
        return self.weights.bridge * differ * self.novelty.get(i, {}).get(j, 1.0)

    def components(self, i: int, j: int) -> PairScore:
        """Score parts for members at positions i and j (use `index` for member ids)."""
        k, wt = self.knows.rows, self.wants.rows
        w = self.weights
        return PairScore(
            overlap=w.overlap * _sparse_dot(k[i], k[j]),
            complement=w.complement * (_sparse_dot(k[i], wt[j]) + _sparse_dot(wt[i], k[j])),
            bridge=self._bridge(i, j),
            penalty=self.penalty.get(i, {}).get(j, 0.0) + self._familiarity(i, j),
            named=w.named if self.nameable(i, j) else 0.0,
        )

    def refuse_named(self, i: int, j: int) -> None:
        """The pair at positions i, j has no reason an intro may name after all."""
        self._add_pair(self.unnamed, (self.ids[i], self.ids[j]), None)

    def nameable(self, i: int, j: int) -> bool:
        """Whether the pair at positions i, j gets the `named` bonus."""
        if j in self.unnamed.get(i, ()):
            return False
        c, k, wt = self.named_cares.rows, self.named_knows.rows, self.named_wants.rows
        return bool(
            c[i].keys() & c[j].keys()
            or k[i].keys() & wt[j].keys()
            or wt[i].keys() & k[j].keys()
            or wt[i].keys() & wt[j].keys()
        )

    def _familiarity(self, i: int, j: int) -> float:
        return self.weights.familiar * (1.0 - self.novelty.get(i, {}).get(j, 1.0))

    def score(self, i: int, j: int) -> float:
        """Total score, or -inf when the pair may not meet."""
        return self.components(i, j).total if self.allowed(i, j) else _NEG

    def score_members(self, a: int, b: int) -> PairScore:
        return self.components(self.index[a], self.index[b])

    # --- vectorized -----------------------------------------------------------------------

    def block(self, rows: np.ndarray) -> np.ndarray:
        """Totals of `rows` against every member; -inf for self and forbidden pairs."""
        n, w = self.n, self.weights
        out = w.overlap * _product_block(self.knows, rows, self.knows, n)
        if self.wants.indices.size:
            out += w.complement * _product_block(self.knows, rows, self.wants, n)
            out += w.complement * _product_block(self.wants, rows, self.knows, n)
        if w.named and (self.named_cares.indices.size or self.named_wants.indices.size):
            c, k, wt = self.named_cares, self.named_knows, self.named_wants
            hits = _product_block(c, rows, c, n)
            if wt.indices.size:
                hits += _product_block(k, rows, wt, n)
                hits += _product_block(wt, rows, k, n)
                hits += _product_block(wt, rows, wt, n)
            for local, i in enumerate(rows.tolist()):
                for j in self.unnamed.get(i, ()):
                    hits[local, j] = 0.0
            out += w.named * (hits > 0)
        if w.bridge:
            # differ = 1 for known, different channels; 0 for the same; 0.5 if one is unknown
            ch = self.channel
            out += w.bridge
            out -= w.bridge * (ch[rows][:, None] == ch[None, :]) * (ch[None, :] >= 0)
            unknown = ch < 0
            if unknown.any():
                out -= 0.5 * w.bridge * np.logical_or.outer(unknown[rows], unknown)
        for local, i in enumerate(rows.tolist()):
            for j, factor in self.novelty.get(i, {}).items():
                out[local, j] -= self._bridge(i, j) / factor * (1.0 - factor)
                out[local, j] -= self._familiarity(i, j)
            for j, value in self.penalty.get(i, {}).items():
                out[local, j] -= value
            for j in self.forbidden.get(i, ()):
                out[local, j] = _NEG
            out[local, i] = _NEG
        return out

    def block_size(self) -> int:
        """Rows per block so one block stays around 2M cells."""
        return max(1, min(self.n, 2_000_000 // max(1, self.n)))


# --- matching -------------------------------------------------------------------------------


def _max_weight_matching(n: int, edges: list[tuple[int, int, int]]) -> set[tuple[int, int]]:
    """Exact maximum-cardinality, maximum-weight matching on integer weights."""
    try:
        import rustworkx as rx
    except ImportError:  # pragma: no cover - exercised through _networkx_matching in tests
        return _networkx_matching(n, edges)
    graph = rx.PyGraph(multigraph=False)
    graph.add_nodes_from(range(n))
    graph.add_edges_from(edges)
    return {(int(a), int(b)) for a, b in rx.max_weight_matching(graph, True, lambda x: x)}


def _networkx_matching(n: int, edges: list[tuple[int, int, int]]) -> set[tuple[int, int]]:
    import networkx as nx

    graph = nx.Graph()
    graph.add_nodes_from(range(n))
    graph.add_weighted_edges_from(edges)
    return {(int(a), int(b)) for a, b in nx.max_weight_matching(graph, maxcardinality=True)}


def _exact_pairs(scorer: PairScorer, active: list[int]) -> list[tuple[int, int]]:
    rows = np.array(active, dtype=np.int64)
    size = scorer.block_size()
    cols = rows
    edges: list[tuple[int, int, int]] = []
    floor = math.inf
    blocks = []
    for start in range(0, len(rows), size):
        part = rows[start : start + size]
        block = scorer.block(part)[:, cols]
        blocks.append((start, block))
        finite = block[np.isfinite(block)]
        if finite.size:
            floor = min(floor, float(finite.min()))
    shift = 1.0 - floor if math.isfinite(floor) else 0.0
    for start, block in blocks:
        ii, jj = np.nonzero(np.isfinite(block))
        gi = ii + start
        keep = gi < jj
        gi, jj = gi[keep], jj[keep]
        vals = np.rint((block[ii[keep], jj] + shift) * _SCALE).astype(np.int64)
        edges.extend(zip(gi.tolist(), jj.tolist(), vals.tolist(), strict=True))
    matched = _max_weight_matching(len(active), edges)
    return [(active[a], active[b]) for a, b in matched]


def _candidates(
    scorer: PairScorer, active: list[int], k: int
) -> tuple[dict[int, list[tuple[float, int]]], dict[int, float]]:
    """Each active member's exact top-k allowed partners among the active, best first, and
    the union of those edges keyed by `min * n + max`."""
    n = scorer.n
    mask = np.zeros(n, dtype=bool)
    mask[active] = True
    kk = min(k, len(active) - 1)
    act = np.array(active, dtype=np.int64)
    size = scorer.block_size()
    cand: dict[int, list[tuple[float, int]]] = {}
    edges: dict[int, float] = {}
    if kk <= 0:
        return cand, edges
    for start in range(0, len(act), size):
        rows = act[start : start + size]
        block = scorer.block(rows)
        block[:, ~mask] = _NEG
        # Among equal scores (members with nothing nameable score only the channel bonus),
        # each member prefers different partners: without this everyone's top-k is the same
        # few members, greedy leaves most unpaired, and the re-matching of the rest recurses
        # (80 s instead of 3 s at 3,000 such members). Far below the 1e-6 resolution.
        jitter = ((rows[:, None] * 2654435761 + np.arange(n)[None, :] * 40503) % 1000003) * 1e-13
        top = np.argpartition(-(block + jitter), kk - 1, axis=1)[:, :kk]
        vals = np.take_along_axis(block, top, axis=1)
        order = np.argsort(-vals, axis=1, kind="stable")
        top = np.take_along_axis(top, order, axis=1)
        vals = np.take_along_axis(vals, order, axis=1)
        for local, i in enumerate(rows.tolist()):
            ok = np.isfinite(vals[local])
            js = top[local][ok].tolist()
            vs = vals[local][ok].tolist()
            cand[i] = list(zip(vs, js, strict=True))
            for v, j in zip(vs, js, strict=True):
                edges[i * n + j if i < j else j * n + i] = v
    return cand, edges


Check = Callable[[list[tuple[int, int]]], list[tuple[int, int]]]


def _pruned_pairs(
    scorer: PairScorer,
    active: list[int],
    k: int,
    window: int = 800,
    check: Check | None = None,
) -> list[tuple[int, int]]:
    """Top-k candidates per member, greedy matching, 2-opt swaps, then exact re-matching of
    windows of ~`window` nearby members on their candidate edges (never worse: the current
    pairs are part of each window's graph). `check` returns the chosen pairs whose score
    fell (see `plan_round`): those are re-scored and the local search runs again."""
    n = scorer.n
    cand, edges = _candidates(scorer, active, k)
    score_of: dict[int, float] = dict(edges)

    def s(i: int, j: int) -> float:
        key = i * n + j if i < j else j * n + i
        v = score_of.get(key)
        if v is None:
            v = scorer.score(i, j)
            score_of[key] = v
        return v

    partner = [-1] * n
    for key in sorted(edges, key=lambda e: (-edges[e], e)):
        i, j = divmod(key, n)
        if partner[i] < 0 and partner[j] < 0:
            partner[i], partner[j] = j, i

    # Members whose candidates were all taken: match them among themselves.
    left = [i for i in active if partner[i] < 0]
    if 1 < len(left) < len(active):
        sub = _exact_pairs(scorer, left) if len(left) <= 300 else _pruned_pairs(scorer, left, k)
        for a, b in sub:
            partner[a], partner[b] = b, a

    _repair(scorer, active, partner, s)
    fell: list[tuple[int, int]] = []
    for attempt in range(NAMED_CHECKS if check is not None else 1):
        if attempt:
            assert check is not None
            fell = check([(a, partner[a]) for a in active if a < partner[a]])
            if not fell:
                break
            for i, j in fell:
                new = scorer.score(i, j)
                score_of[i * n + j if i < j else j * n + i] = new
                for x, y in ((i, j), (j, i)):
                    if x in cand:
                        moved = [(new if c == y else v, c) for v, c in cand[x]]
                        cand[x] = sorted(moved, key=lambda vc: -vc[0])
        cur = [s(i, partner[i]) if partner[i] >= 0 else 0.0 for i in range(n)]
        _two_opt(active, cand, partner, cur, s)
        _window_rematch(active, cand, partner, s, window, {x for p in fell for x in p} or None)
    return [(a, partner[a]) for a in active if a < partner[a]]


def _repair(scorer: PairScorer, active: list[int], partner: list[int], s: Any) -> None:
    """Pair members still free: with each other if allowed, else through an augmenting swap
    (u, v free; (c, d) matched; u-c and v-d allowed) with the best resulting score."""
    free = [i for i in active if partner[i] < 0]
    while len(free) >= 2:
        u = free.pop()
        direct = [(s(u, v), v) for v in free if scorer.allowed(u, v)]
        if direct:
            _, v = max(direct)
            free.remove(v)
            partner[u], partner[v] = v, u
            continue
        best: tuple[float, int, int, int] | None = None
        for v in free:
            for c in active:
                d = partner[c]
                if d < 0 or not (scorer.allowed(u, c) and scorer.allowed(v, d)):
                    continue
                gain = s(u, c) + s(v, d) - s(c, d)
                if best is None or gain > best[0]:
                    best = (gain, v, c, d)
        if best is not None:
            _, v, c, d = best
            free.remove(v)
            partner[u], partner[c], partner[v], partner[d] = c, u, d, v
        # else: u has no way in; plan_round attaches it to a pair as a trio if it can


def _two_opt(
    active: list[int],
    cand: Mapping[int, list[tuple[float, int]]],
    partner: list[int],
    cur: list[float],
    s: Any,
) -> None:
    """(a,b)+(c,d) -> (a,c)+(b,d) while that scores more. A member's best candidate bounds
    any partner's score (candidates are exact top-k), which skips most evaluations."""
    bound = [-math.inf] * len(partner)
    for i, options in cand.items():
        if options:
            bound[i] = options[0][0]
    eps = 1e-9
    for _ in range(8):
        improved = 0
        floor = min((cur[i] for i in active if partner[i] >= 0), default=0.0)
        for a in active:
            b = partner[a]
            if b < 0:
                continue
            ca, bb = cur[a], bound[b]
            for v, c in cand.get(a, ()):
                if v + bb <= ca + floor + eps:
                    break  # candidates are sorted: no later one can help
                d = partner[c]
                if d < 0 or c == b:
                    continue
                base = ca + cur[c]
                if v + min(bb, bound[d]) <= base + eps:
                    continue
                sbd = s(b, d)
                if v + sbd > base + eps:
                    partner[a], partner[c], partner[b], partner[d] = c, a, d, b
                    cur[a] = cur[c] = v
                    cur[b] = cur[d] = sbd
                    improved += 1
                    break
        if not improved:
            return


def _window_rematch(
    active: list[int],
    cand: Mapping[int, list[tuple[float, int]]],
    partner: list[int],
    s: Any,
    window: int,
    around: set[int] | None = None,
) -> None:
    """Exact matching on windows of members that are close in the candidate graph (with
    `around`, only the windows holding one of those members).

    Members are ordered by a breadth-first walk over candidate edges (partners kept next to
    each other) and cut into windows; each window's pairs are replaced by the exact optimum
    over the window's candidate edges plus its current pairs. Two passes, the second with
    windows shifted by half, let pairs move across the first pass's borders."""
    order: list[int] = []
    seen: set[int] = set()
    for root in sorted(active, key=lambda i: -len(cand.get(i, ()))):
        if root in seen or partner[root] < 0:
            continue
        queue = [root]
        seen.add(root)
        while queue:
            nxt: list[int] = []
            for a in queue:
                order.append(a)
                b = partner[a]
                if b >= 0 and b not in seen:
                    seen.add(b)
                    order.append(b)
                    nxt_from: tuple[int, ...] = (a, b)
                else:
                    nxt_from = (a,)
                for x in nxt_from:
                    for _v, c in cand.get(x, ()):
                        if c not in seen and partner[c] >= 0:
                            seen.add(c)
                            nxt.append(c)
            queue = nxt
    # Keep each pair together in the order.
    pairs_in_order: list[tuple[int, int]] = []
    placed: set[int] = set()
    for a in order:
        if a in placed:
            continue
        b = partner[a]
        placed.update((a, b))
        pairs_in_order.append((a, b))
    per = max(2, window // 2)
    for offset in (0, per // 2):
        chunks = [pairs_in_order[:offset]] if offset else []
        chunks += [pairs_in_order[i : i + per] for i in range(offset, len(pairs_in_order), per)]
        for chunk in chunks:
            if len(chunk) < 2:
                continue
            if around is not None and not any(a in around or b in around for a, b in chunk):
                continue
            members = [x for pr in chunk for x in pr]
            local = {m: x for x, m in enumerate(members)}
            weights: dict[tuple[int, int], float] = {}
            for a in members:
                b = partner[a]
                if a < b:
                    weights[(local[a], local[b])] = s(a, b)
                for v, c in cand.get(a, ()):
                    lc = local.get(c)
                    if lc is not None:
                        key = (local[a], lc) if local[a] < lc else (lc, local[a])
                        weights[key] = v
            floor = min(weights.values())
            edges = [(x, y, round((v - floor + 1.0) * _SCALE)) for (x, y), v in weights.items()]
            matched = _max_weight_matching(len(members), edges)
            if 2 * len(matched) != len(members):
                continue  # cannot happen (current pairs are edges); keep the pairs if it does
            before = sum(s(a, b) for a, b in chunk)
            after = sum(s(members[x], members[y]) for x, y in matched)
            if after > before + 1e-9:
                for x, y in matched:
                    a, b = members[x], members[y]
                    partner[a], partner[b] = b, a
        flat = [x for pr in pairs_in_order for x in pr]
        pairs_in_order, placed = [], set()
        for a in flat:  # the same walk order, with the new partners
            if a not in placed:
                placed.update((a, partner[a]))
                pairs_in_order.append((a, partner[a]))


def plan_round(
    members: Sequence[Candidate | Profile],
    history: RoundHistory | None = None,
    constraints: Constraints | None = None,
    now: datetime | None = None,
    exact_threshold: int = DEFAULT_EXACT_THRESHOLD,
    *,
    weights: ScoreWeights | None = None,
    candidates_k: int = 24,
    explains: Callable[[int, int], bool] | None = None,
) -> RoundPlan:
    """Groups for one round: pairs, plus one trio when the count is odd.

    Never pairs `not_with` pairs or pairs met within `repeat_window` rounds; everyone is
    placed unless the constraints leave someone no allowed partner at all. `explains(a, b)`
    (member ids) says whether the intro could really name a reason: a chosen pair that got
    the `named` bonus but cannot (they discussed that topic together already) loses it, and
    the round is matched again, up to `NAMED_CHECKS` times."""
    cands = [m if isinstance(m, Candidate) else Candidate.from_profile(m) for m in members]
    scorer = PairScorer(cands, constraints, history, weights)
    n = scorer.n
    active = list(range(n))
    if n < 2:
        return RoundPlan((), {}, "trivial", tuple(scorer.ids), planned_at=now)
    checked: set[frozenset[int]] = set()

    def check(pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
        """Chosen pairs that got the `named` bonus but cannot be named: bonus dropped."""
        fell = []
        for i, j in pairs:
            key = pair_key(i, j)
            if explains is None or key in checked or not scorer.nameable(i, j):
                continue
            checked.add(key)
            if not explains(scorer.ids[i], scorer.ids[j]):
                scorer.refuse_named(i, j)
                fell.append((i, j))
        return fell

    checking = explains is not None and scorer.weights.named > 0
    if n <= exact_threshold:
        method = "exact"
        pairs = _exact_pairs(scorer, active)
        for _ in range(NAMED_CHECKS - 1 if checking else 0):
            if not check(pairs):
                break
            pairs = _exact_pairs(scorer, active)
    else:
        method = "pruned"
        pairs = _pruned_pairs(scorer, active, candidates_k, check=check if checking else None)
    groups: list[list[int]] = [sorted(p) for p in pairs]
    placed = {i for g in groups for i in g}
    leftovers = [i for i in active if i not in placed]
    unmatched: list[int] = []
    for extra in leftovers:
        row = scorer.block(np.array([extra], dtype=np.int64))[0]
        best, best_value = None, _NEG
        for g in groups:
            if len(g) != 2:
                continue
            value = row[g[0]] + row[g[1]]
            if value > best_value:
                best, best_value = g, value
        if best is None or not math.isfinite(best_value):
            unmatched.append(extra)
        else:
            best.append(extra)
            best.sort()
    ids = scorer.ids
    final = sorted(tuple(sorted(ids[i] for i in g)) for g in groups)
    pair_scores: dict[frozenset[int], PairScore] = {}
    scores: dict[tuple[int, ...], float] = {}
    for group in final:
        total = 0.0
        for x in range(len(group)):
            for y in range(x + 1, len(group)):
                ps = scorer.score_members(group[x], group[y])
                pair_scores[pair_key(group[x], group[y])] = ps
                total += ps.total
        scores[group] = total
    return RoundPlan(
        groups=tuple(final),
        scores=scores,
        method=method,
        unmatched=tuple(sorted(ids[i] for i in unmatched)),
        pair_scores=pair_scores,
        planned_at=now,
    )
