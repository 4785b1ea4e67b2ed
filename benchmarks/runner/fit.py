"""Scalability fits on (workers, throughput) points, standard library only.

Amdahl:  X(N) = lam / ((1 - p) + p / N)                 p in [0, 1]
USL:     X(N) = lam N / (1 + s (N - 1) + k N (N - 1))   s in [0, 1], k >= 0

Both are linear in lam, so lam is solved in closed form (least squares) for
given shape parameters. Amdahl's p: a grid over [0, 1] refined by golden
section. USL's (s, k): a coarse grid for the start, then Gauss-Newton with
Levenberg damping on all three parameters, projected onto the bounds.
"""

import math


def _lam(points, shape):
    """Least-squares lam for X = lam * shape(N)."""
    num = sum(x * shape(n) for n, x in points)
    den = sum(shape(n) ** 2 for n, _ in points)
    return num / den if den > 0 else 0.0


def _sse(points, model):
    return sum((x - model(n)) ** 2 for n, x in points)


def _r_squared(points, model):
    mean = sum(x for _, x in points) / len(points)
    total = sum((x - mean) ** 2 for _, x in points)
    return 1.0 - _sse(points, model) / total if total > 0 else 1.0


def _check(points, distinct):
    points = [(float(n), float(x)) for n, x in points]
    if len({n for n, _ in points}) < distinct:
        raise ValueError("need at least %d distinct worker counts" % distinct)
    if any(n <= 0 or x <= 0 for n, x in points):
        raise ValueError("workers and throughput must be positive")
    return points


def amdahl(p):
    return lambda n: 1.0 / ((1.0 - p) + p / n)


def usl(s, k):
    return lambda n: n / (1.0 + s * (n - 1.0) + k * n * (n - 1.0))


def fit_amdahl(points):
    """{"lam", "p", "r2"}; ValueError with fewer than 2 distinct counts."""
    points = _check(points, 2)

    def cost(p):
        shape = amdahl(p)
        lam = _lam(points, shape)
        return _sse(points, lambda n: lam * shape(n))

    best = min((i / 1000.0 for i in range(1001)), key=cost)
    lo, hi = max(0.0, best - 0.001), min(1.0, best + 0.001)
    golden = (math.sqrt(5) - 1) / 2
    for _ in range(60):
        a, b = hi - golden * (hi - lo), lo + golden * (hi - lo)
        if cost(a) < cost(b):
            hi = b
        else:
            lo = a
    p = (lo + hi) / 2
    lam = _lam(points, amdahl(p))
    return {"lam": lam, "p": p, "r2": _r_squared(points, lambda n: lam * amdahl(p)(n))}


def _solve3(a, b):
    """Solves the 3x3 system a x = b (Gaussian elimination, partial pivoting)."""
    m = [row[:] + [rhs] for row, rhs in zip(a, b)]
    for col in range(3):
        pivot = max(range(col, 3), key=lambda r: abs(m[r][col]))
        if abs(m[pivot][col]) < 1e-300:
            return None
        m[col], m[pivot] = m[pivot], m[col]
        for r in range(col + 1, 3):
            f = m[r][col] / m[col][col]
            for c in range(col, 4):
                m[r][c] -= f * m[col][c]
    x = [0.0] * 3
    for r in (2, 1, 0):
        x[r] = (m[r][3] - sum(m[r][c] * x[c] for c in range(r + 1, 3))) / m[r][r]
    return x


def fit_usl(points, iterations=200):
    """{"lam", "sigma", "kappa", "r2", "peak"}; ValueError with fewer than 3
    distinct counts. peak = sqrt((1 - sigma) / kappa) (inf when kappa = 0)."""
    points = _check(points, 3)

    def sse(params):
        lam, s, k = params
        return _sse(points, lambda n: lam * usl(s, k)(n))

    # Start: the best of a coarse (s, k) grid with lam in closed form.
    start = None
    for i in range(21):
        for k in [0.0] + [10 ** (e / 4.0) for e in range(-24, 1)]:
            s = i / 20.0
            lam = _lam(points, usl(s, k))
            cand = (sse((lam, s, k)), [lam, s, k])
            if start is None or cand[0] < start[0]:
                start = cand
    params, cost = start[1], start[0]
    damping = 1e-3
    for _ in range(iterations):
        lam, s, k = params
        jtj = [[0.0] * 3 for _ in range(3)]
        jtr = [0.0] * 3
        for n, x in points:
            d = 1.0 + s * (n - 1.0) + k * n * (n - 1.0)
            f = lam * n / d
            grad = [n / d, -f * (n - 1.0) / d, -f * n * (n - 1.0) / d]
            r = x - f
            for i in range(3):
                jtr[i] += grad[i] * r
                for j in range(3):
                    jtj[i][j] += grad[i] * grad[j]
        improved = False
        while damping < 1e12:
            a = [[jtj[i][j] + (damping * jtj[i][i] if i == j else 0.0) for j in range(3)]
                 for i in range(3)]
            step = _solve3(a, jtr)
            if step is None:
                damping *= 10
                continue
            trial = [params[0] + step[0], min(1.0, max(0.0, params[1] + step[1])),
                     max(0.0, params[2] + step[2])]
            trial_cost = sse(trial)
            if trial_cost < cost:
                converged = cost - trial_cost < 1e-12 * max(cost, 1e-300)
                params, cost, damping = trial, trial_cost, max(damping / 10, 1e-12)
                improved = True
                break
            damping *= 10
        if not improved or converged:
            break
    lam, s, k = params
    return {"lam": lam, "sigma": s, "kappa": k,
            "r2": _r_squared(points, lambda n: lam * usl(s, k)(n)),
            "peak": math.sqrt((1.0 - s) / k) if k > 0 else float("inf")}
