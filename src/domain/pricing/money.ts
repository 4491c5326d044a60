/** Exact money: rational numbers over BigInt, rounded to cents only at the very end. */
import type { Price } from './types.js';

export interface Ratio {
  readonly n: bigint;
  /** always > 0 */
  readonly d: bigint;
}

function gcd(a: bigint, b: bigint): bigint {
  if (a < 0n) a = -a;
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

export function ratio(n: bigint, d: bigint = 1n): Ratio {
  if (d === 0n) throw new RangeError('division by zero');
  if (d < 0n) {
    n = -n;
    d = -d;
  }
  const g = gcd(n, d);
  return g > 1n ? { n: n / g, d: d / g } : { n, d };
}

const ZERO = ratio(0n);
export const ONE = ratio(1n);

export const add = (a: Ratio, b: Ratio): Ratio => ratio(a.n * b.d + b.n * a.d, a.d * b.d);
export const mul = (a: Ratio, b: Ratio): Ratio => ratio(a.n * b.n, a.d * b.d);
const cmp = (a: Ratio, b: Ratio): number => {
  const diff = a.n * b.d - b.n * a.d;
  return diff < 0n ? -1 : diff > 0n ? 1 : 0;
};
export const maxR = (a: Ratio, b: Ratio): Ratio => (cmp(a, b) >= 0 ? a : b);
export const minR = (a: Ratio, b: Ratio): Ratio => (cmp(a, b) <= 0 ? a : b);

/** The decimal a JSON number was written as (0.1 is exactly 1/10, not the nearest double). */
export function decimal(x: number, what: string): Ratio {
  if (!Number.isFinite(x)) throw new RangeError(`${what} is not a finite number`);
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]?\d+))?$/.exec(String(x));
  if (!m) throw new RangeError(`${what} is not a number: ${x}`);
  const frac = m[3] ?? '';
  const exp = Number(m[4] ?? '0') - frac.length;
  const digits = BigInt(`${m[1]}${m[2]}${frac}`);
  return exp >= 0 ? ratio(digits * 10n ** BigInt(exp)) : ratio(digits, 10n ** BigInt(-exp));
}

/**
 * The rounding rule: money stays exact until the end; each returned amount (every total, incl. and excl. VAT)
 * is rounded on its own to cents, half up (half away from zero for negatives): 5.125 → 5.13, 4.997 → 5.00.
 * totalCost is rounded from the exact sum, so it can differ by a cent from the sum of the rounded parts
 * (the spec's complex example: 2.875 + 3.30 + 4.125 = 10.30 incl. VAT).
 */
export function toCents(r: Ratio): number {
  const negative = r.n < 0n;
  const n = negative ? -r.n : r.n;
  const cents = (n * 200n + r.d) / (2n * r.d);
  return negative && cents > 0n ? -Number(cents) / 100 : Number(cents) / 100;
}

export const ceilDiv = (a: bigint, b: bigint): bigint => (a + b - 1n) / b;

/** What a price component costs per unit, exactly. */
export interface UnitPrice {
  price: Ratio;
  /** 1 + vat/100, undefined when the component has no vat */
  vatFactor?: Ratio;
}

/** One billed amount, excl. and incl. VAT, summed exactly. */
export class Amount {
  excl: Ratio = ZERO;
  incl: Ratio = ZERO;
  /** false once a component without vat contributed a non-zero cost */
  inclKnown = true;
  used = false;

  add(component: UnitPrice, quantity: Ratio): void {
    const cost = mul(component.price, quantity);
    this.used = true;
    this.excl = add(this.excl, cost);
    if (component.vatFactor) this.incl = add(this.incl, mul(cost, component.vatFactor));
    else if (cost.n !== 0n) this.inclKnown = false; // a zero cost needs no VAT (the spec's free-of-charge tariff)
  }

  plus(other: Amount): void {
    if (!other.used) return;
    this.used = true;
    this.excl = add(this.excl, other.excl);
    this.incl = add(this.incl, other.incl);
    this.inclKnown &&= other.inclKnown;
  }

  price(): Price | undefined {
    if (!this.used) return undefined;
    return this.inclKnown ? { excl_vat: toCents(this.excl), incl_vat: toCents(this.incl) } : { excl_vat: toCents(this.excl) };
  }
}
