// Number formatting for messages without Intl: the first toLocaleString call of a process loads ICU's locale data
// (~12 ms, far more on a busy machine), which a training run's messages would otherwise pay for.

/** A whole number with thousands separators, as `n.toLocaleString("en-US")` writes it (other numbers: that call). */
export function formatCount(n: number): string {
  if (!Number.isSafeInteger(n)) return n.toLocaleString("en-US");
  const digits = String(Math.abs(n)).replace(/\B(?=(\d{3})+$)/g, ",");
  return n < 0 ? `-${digits}` : digits;
}
