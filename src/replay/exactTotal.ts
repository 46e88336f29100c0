// An exact running total of integer micro-units: a JS number while small, spilling into a BigInt before it could
// lose a unit — so hot-path additions cost a float add, not a BigInt operation.

const SPILL = 2 ** 51

export class ExactTotal {
  private small = 0
  private big = 0n

  add(x: number): void {
    if (x > SPILL || x < -SPILL) {
      this.big += BigInt(x)
      return
    }
    // |small| ≤ 2^51 and |x| ≤ 2^51, so the sum is an exact integer below 2^53
    const s = this.small + x
    if (s > SPILL || s < -SPILL) {
      this.big += BigInt(s)
      this.small = 0
    } else this.small = s
  }

  get value(): bigint {
    return this.big + BigInt(this.small)
  }
}
