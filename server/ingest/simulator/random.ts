// Seeded pseudo-random numbers (xoshiro128**) and the distributions the simulator draws from, so
// that one seed replays one day of traffic exactly.

/** splitmix32: spreads a small seed over the generator's 128 bits of state. */
function splitmix32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x9e3779b9) >>> 0
    let t = a ^ (a >>> 16)
    t = Math.imul(t, 0x21f0aaad)
    t ^= t >>> 15
    t = Math.imul(t, 0x735a2d97)
    return (t ^ (t >>> 15)) >>> 0
  }
}

const rotl = (x: number, k: number) => (x << k) | (x >>> (32 - k))

export class Random {
  private s0: number
  private s1: number
  private s2: number
  private s3: number
  private spareNormal: number | null = null

  /** Any finite number is a seed; the high bits of seeds above 2^32 are folded in. */
  constructor(seed: number) {
    const folded = (Math.trunc(seed) ^ Math.trunc(seed / 2 ** 32)) >>> 0
    const mix = splitmix32(folded)
    this.s0 = mix()
    this.s1 = mix()
    this.s2 = mix()
    this.s3 = mix()
  }

  /** Uniform in [0, 1). */
  next(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0
    const t = this.s1 << 9
    this.s2 ^= this.s0
    this.s3 ^= this.s1
    this.s1 ^= this.s2
    this.s0 ^= this.s3
    this.s2 ^= t
    this.s3 = rotl(this.s3, 11)
    return result / 4294967296
  }

  between(min: number, max: number): number {
    return min + (max - min) * this.next()
  }

  /** An integer from min to max, both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1))
  }

  chance(probability: number): boolean {
    return this.next() < probability
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick from an empty list')
    return items[Math.floor(this.next() * items.length)]!
  }

  exponential(mean: number): number {
    // 1 − u lies in (0, 1], so the logarithm is finite.
    return -Math.log(1 - this.next()) * mean
  }

  /** Standard normal (Box–Muller; the second value of each pair is kept for the next call). */
  normal(): number {
    if (this.spareNormal !== null) {
      const z = this.spareNormal
      this.spareNormal = null
      return z
    }
    const u = 1 - this.next()
    const v = this.next()
    const r = Math.sqrt(-2 * Math.log(u))
    this.spareNormal = r * Math.sin(2 * Math.PI * v)
    return r * Math.cos(2 * Math.PI * v)
  }

  /**
   * Lognormal given its mean (not its median) and the sigma of its logarithm, because handling
   * times are specified by their means.
   */
  lognormal(mean: number, sigma: number): number {
    const mu = Math.log(mean) - (sigma * sigma) / 2
    return Math.exp(mu + sigma * this.normal())
  }
}
