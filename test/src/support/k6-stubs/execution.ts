// `k6/execution`: outside a run there is no test, scenario or VU to describe.
function unavailable(): never {
  throw new Error('k6/execution has no test run outside k6');
}

export const test = {
  get options(): never {
    return unavailable();
  },
  abort: unavailable,
};
export const scenario = {
  get iterationInTest(): never {
    return unavailable();
  },
};
export const vu = {
  get idInTest(): never {
    return unavailable();
  },
};
