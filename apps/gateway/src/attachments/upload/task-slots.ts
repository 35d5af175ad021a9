/** Runs at most `size` tasks at once; the others wait their turn in the order they came. */
export function taskSlots(size: number): <T>(task: () => Promise<T>) => Promise<T> {
  let free = size;
  const waiting: (() => void)[] = [];
  return async (task) => {
    if (free > 0) free--;
    else await new Promise<void>((turn) => waiting.push(turn));
    try {
      return await task();
    } finally {
      // A finished task hands its slot straight to the next in line.
      const next = waiting.shift();
      if (next) next();
      else free++;
    }
  };
}
