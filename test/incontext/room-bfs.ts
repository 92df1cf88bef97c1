/**
 * The tests' own reference for Dark Room optima, independent of the code under test: moves between two
 * cells of an n x n room without walls (4 moves, clipped at the walls), by breadth-first search.
 */
export function bfsDistance(n: number, from: readonly [number, number], to: readonly number[]): number {
  const dist = new Map<string, number>([[from.join(","), 0]]);
  const queue: [number, number][] = [[from[0], from[1]]];
  while (queue.length) {
    const [x, y] = queue.shift()!;
    const d = dist.get(`${x},${y}`)!;
    if (x === to[0] && y === to[1]) return d;
    for (const [dx, dy] of [[1, 0], [-1, 0], [0, 1], [0, -1]]) {
      const nx = x + dx;
      const ny = y + dy;
      if (nx < 0 || ny < 0 || nx >= n || ny >= n || dist.has(`${nx},${ny}`)) continue;
      dist.set(`${nx},${ny}`, d + 1);
      queue.push([nx, ny]);
    }
  }
  throw new Error(`cell ${JSON.stringify(to)} is outside the ${n} x ${n} room`);
}
