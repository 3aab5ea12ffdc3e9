/**
 * Byte strings (code units 0..255) in bytewise order, as CppNix's `std::string` comparisons
 * sort them; JavaScript's `<` on such strings is exactly that.
 */
export function compareByteStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Sorts byte strings in place, bytewise. Arrays of a few elements (the usual size of a
 * derivation's outputs, inputs and env) are insertion-sorted: `Array#sort` allocates a work
 * area on every call, which adds up over tens of thousands of derivations.
 */
export function sortByteStrings(a: string[]): string[] {
  const n = a.length;
  if (n > 24) return a.sort(compareByteStrings);
  for (let i = 1; i < n; i++) {
    const x = a[i]!;
    let j = i - 1;
    while (j >= 0 && a[j]! > x) {
      a[j + 1] = a[j]!;
      j--;
    }
    a[j + 1] = x;
  }
  return a;
}

/** Sorts byte strings in place and drops repeats. */
export function sortUniqueByteStrings(a: string[]): string[] {
  sortByteStrings(a);
  let w = 0;
  for (let i = 0; i < a.length; i++) if (i === 0 || a[i] !== a[w - 1]) a[w++] = a[i]!;
  a.length = w;
  return a;
}
