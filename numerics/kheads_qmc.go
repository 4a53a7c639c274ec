package numerics

import (
	"math"
	"math/bits"
	"math/rand/v2"
)

// Randomized quasi-Monte Carlo points for the K-head reduction: a Sobol
// sequence in base 2 with a random linear matrix scramble and a random
// digital shift (Matousek's affine scramble), plus a uniform jitter below
// the last digit, mapped to a weighted Gaussian rule (logisticScale). Each
// randomized point set has exactly uniform marginals, so the weighted
// average of an integrand over it is an unbiased estimate of the integral; independent randomizations give independent replicates whose
// spread is the error estimate. Owen (2003) shows that this scramble has
// the same mean-square error as nested uniform scrambling, which converges
// faster than plain Monte Carlo for smooth integrands.

// sobolBits is the number of base-2 digits carried by the generator.
const sobolBits = 32

// sobolMaxDim is the number of Sobol coordinates available: the first is
// the van der Corput sequence, the others come from sobolPoly.
const sobolMaxDim = 1 + len(sobolPoly)

// sobolPoly holds the primitive polynomials and initial direction numbers
// of Sobol coordinates 2..9 from Joe and Kuo's table new-joe-kuo-6.21201
// (S. Joe, F. Y. Kuo, SIAM J. Sci. Comput. 30 (2008) 2635-2654): degree s,
// coefficient bits a, and m_1..m_s (odd, m_i < 2^i). The table is read
// only.
var sobolPoly = [...]struct {
	s, a uint32
	m    []uint32
}{
	{1, 0, []uint32{1}},
	{2, 1, []uint32{1, 3}},
	{3, 1, []uint32{1, 3, 1}},
	{3, 2, []uint32{1, 1, 1}},
	{4, 1, []uint32{1, 1, 3, 3}},
	{4, 4, []uint32{1, 3, 5, 13}},
	{5, 2, []uint32{1, 1, 5, 5, 17}},
	{5, 4, []uint32{1, 1, 5, 5, 5}},
}

// sobolDirections returns the direction numbers V[j][i] (digit i+1 of
// coordinate j in the most significant bits) of the first dims coordinates;
// dims must be in [1, sobolMaxDim].
func sobolDirections(dims int) [][sobolBits]uint32 {
	v := make([][sobolBits]uint32, dims)
	for i := range sobolBits {
		v[0][i] = 1 << (sobolBits - 1 - i)
	}
	for j := 1; j < dims; j++ {
		p := sobolPoly[j-1]
		s := int(p.s)
		for i := 0; i < s && i < sobolBits; i++ {
			v[j][i] = p.m[i] << (sobolBits - 1 - i)
		}
		for i := s; i < sobolBits; i++ {
			x := v[j][i-s] ^ (v[j][i-s] >> uint(s))
			for k := 1; k < s; k++ {
				if (p.a>>uint(s-1-k))&1 == 1 {
					x ^= v[j][i-k]
				}
			}
			v[j][i] = x
		}
	}
	return v
}

// scrambledSobol is one randomization of the first n = 2^p Sobol points in
// dims coordinates: scrambled direction numbers and a digital shift.
type scrambledSobol struct {
	dirs  [][sobolBits]uint32
	shift []uint32
}

// newScrambledSobol draws a random lower-triangular binary matrix with unit
// diagonal (applied to every direction number of a coordinate) and a random
// digital shift per coordinate from rng.
func newScrambledSobol(base [][sobolBits]uint32, rng *rand.Rand) scrambledSobol {
	dims := len(base)
	sc := scrambledSobol{dirs: make([][sobolBits]uint32, dims), shift: make([]uint32, dims)}
	for j := range dims {
		// Row k (digit k+1, bit 31-k) of the matrix: the diagonal bit
		// and random bits at the more significant digits.
		var rows [sobolBits]uint32
		for k := range sobolBits {
			diag := uint32(1) << (sobolBits - 1 - k)
			rows[k] = diag | (rng.Uint32() &^ (diag | (diag - 1)))
		}
		for i := range sobolBits {
			x := base[j][i]
			var y uint32
			for k := range sobolBits {
				y |= uint32(bits.OnesCount32(rows[k]&x)&1) << (sobolBits - 1 - k)
			}
			sc.dirs[j][i] = y
		}
		sc.shift[j] = rng.Uint32()
	}
	return sc
}

// logisticScale is the scale s of the logistic proposal used to reach the
// standard normal: g = s log(u/(1-u)) with u uniform, and each point
// carries the weight phi(g)/q_s(g) (product over coordinates), q_s the
// logistic density. The proposal has heavier tails than the normal, so
// the weighted integrand phi f / q_s stays bounded for integrands f of
// polynomial growth (the risk integrands grow like |g|^2) and the extreme
// strata of the net carry little weight. With the inverse normal CDF
// instead, the one point in each extreme stratum dominates the error with
// a skewed, heavy-tailed distribution and the replicate standard error is
// unreliable (measured on E[(g^3 + 1) 1{g > 0.3}] with 4096 points: the
// replicate standard deviation is 0.0030 with the inverse CDF, 0.00037,
// 0.00017 and 0.00014 with s = 0.551, 0.7, 0.9). Per coordinate the
// weight is at most 4 s phi(0) = 1.28 (at g = 0) and decays like
// exp(-g^2/2 + |g|/s).
const logisticScale = 0.8

// weightedGaussianPoints calls fn(g, w) for the n points of the
// randomization, mapped to R^dims by the logistic quantile with weights w
// such that sum_i w_i f(g_i) / n is an unbiased estimate of E f(G),
// G ~ N(0, I_dims). The points are generated in Gray-code order, which
// visits the same set of n = 2^p points. jitter supplies the uniform
// variates below the last digit. fn must not retain g.
func (sc scrambledSobol) weightedGaussianPoints(n int, jitter *rand.Rand, fn func(g []float64, w float64)) {
	dims := len(sc.dirs)
	x := append([]uint32(nil), sc.shift...)
	g := make([]float64, dims)
	const s = logisticScale
	// With u = F_s(g) the logistic CDF, the logistic density is
	// q_s(g) = u (1 - u) / s, so the weight is
	// prod_j phi(g_j) s / (u_j (1 - u_j)): one exponential per point.
	norm := math.Pow(s/math.Sqrt(2*math.Pi), float64(dims))
	for i := range n {
		if i > 0 {
			c := bits.TrailingZeros(uint(i))
			for j := range dims {
				x[j] ^= sc.dirs[j][c]
			}
		}
		q, gg := 1.0, 0.0
		for j := range dims {
			u := (float64(x[j]) + jitter.Float64()) * 0x1p-32
			// u is in [0, 1) in exact arithmetic; rounding may reach
			// either end, where the quantile is infinite.
			u = math.Min(math.Max(u, 0x1p-80), 1-0x1p-53)
			uc := 1 - u // exact for u >= 1/2, relative error eps below
			gj := s * math.Log(u/uc)
			q *= u * uc
			gg += gj * gj
			g[j] = gj
		}
		fn(g, norm*math.Exp(-gg/2)/q)
	}
}
