/**
 * The FastCDC gear scan (`gear.wat` next to this file) as WebAssembly: native 64-bit integer
 * arithmetic makes it several times faster than the JavaScript scan, which has to emulate the
 * 64-bit hash with two 32-bit halves. Assembled with wabt 1.0.39 (`wat2wasm gear.wat`); after
 * editing the .wat, regenerate this string. The tests check the scan against the JavaScript one.
 */
export const GEAR_WASM_BASE64 =
  "AGFzbQEAAAABCgFgBX9/fn5+AX8DAgEABQMBABEGBgF+AUIACwcVAwZtZW1vcnkCAAFoAwAEc2NhbgAACmcBZQACQANAIAAgAU8NASACQgKGIAAtAABBA3QpA4AQfCECIAIgA4NQBEAgAiQAIAAPCyACIAAtAAFBA3QpAwB8IQIgAiAEg1AEQCACJAAgAEEBag8LIABBAmohAAwACwsgAiQAQX8L";
