// `k6/http`: a script's init code builds no requests; anything that tries fails loudly.
function unavailable(): never {
  throw new Error('k6/http is not available outside k6');
}

export const request = unavailable;
export const get = unavailable;
export const post = unavailable;
export const batch = unavailable;
export const expectedStatuses = unavailable;
