/**
 * Draws the content of one synthetic photo as raw RGB pixels: a tilted colour gradient, broad
 * colour regions, overlapping soft-edged shapes (some striped or shaded), a few lines, and a
 * fine texture with a little sensor noise. Pure and deterministic from the seed, so the
 * pixels (and, through one encoder, the JPEG bytes) repeat exactly.
 */
import { Random } from '../core/random.js';

type Rgb = [number, number, number];

/** Raw interleaved RGB, `width * height * 3` bytes, row-major. */
export function renderImage(width: number, height: number, seed: number): Uint8Array {
  const rng = new Random(seed);
  const canvas = new Float32Array(width * height * 3);
  const palette = makePalette(rng);
  drawBackground(canvas, width, height, rng, palette);
  const scale = Math.min(width, height);
  const shapes = rng.int(5, 11);
  for (let i = 0; i < shapes; i++) drawShape(canvas, width, height, rng, rng.pick(palette), scale);
  const lines = rng.int(2, 7);
  for (let i = 0; i < lines; i++) drawLine(canvas, width, height, rng, rng.pick(palette));
  const out = new Uint8ClampedArray(canvas.length);
  addTextureInto(out, canvas, width, height, rng);
  return new Uint8Array(out.buffer);
}

function hsv(h: number, s: number, v: number): Rgb {
  const f = (n: number): number => {
    const k = (n + h * 6) % 6;
    return 255 * (v - v * s * Math.max(0, Math.min(k, 4 - k, 1)));
  };
  return [f(5), f(3), f(1)];
}

function luminance([r, g, b]: Rgb): number {
  return 0.299 * r + 0.587 * g + 0.114 * b;
}

/** Related hues (a scene has a colour scheme) plus a contrasting one, dark and light tones. */
function makePalette(rng: Random): Rgb[] {
  const base = rng.next();
  const palette: Rgb[] = [];
  for (let i = 0; i < 5; i++) {
    const hue = (base + rng.normal(0, 0.08) + 1) % 1;
    palette.push(hsv(hue, rng.uniform(0.15, 0.85), rng.uniform(0.25, 0.95)));
  }
  palette.push(hsv((base + 0.5) % 1, rng.uniform(0.4, 0.9), rng.uniform(0.5, 1)));
  palette.push(hsv(base, rng.uniform(0, 0.3), rng.uniform(0.05, 0.2)));
  palette.push(hsv(base, rng.uniform(0, 0.2), rng.uniform(0.85, 1)));
  return palette;
}

/** Smooth interpolation weights for value noise: cell index and fraction per coordinate. */
function noiseAxis(size: number, cell: number): { index: Int32Array; weight: Float32Array } {
  const index = new Int32Array(size);
  const weight = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    const t = i / cell;
    const k = Math.floor(t);
    const f = t - k;
    index[i] = k;
    weight[i] = f * f * (3 - 2 * f);
  }
  return { index, weight };
}

/** A tilted gradient between two palette colours, with broad colour regions on top. */
function drawBackground(
  canvas: Float32Array,
  width: number,
  height: number,
  rng: Random,
  palette: Rgb[],
): void {
  const from = rng.pick(palette);
  // The gradient spans a clear change of brightness, as lit scenes do.
  let to = rng.pick(palette);
  for (let tries = 0; tries < 8 && Math.abs(luminance(to) - luminance(from)) < 60; tries++)
    to = rng.pick(palette);
  const angle = rng.uniform(0, 2 * Math.PI);
  const dx = Math.cos(angle) / width;
  const dy = Math.sin(angle) / height;
  const min = Math.min(0, dx * width) + Math.min(0, dy * height);
  const span = Math.abs(dx * width) + Math.abs(dy * height) || 1;
  const stepT = dx / span;
  const [r0, g0, b0] = from;
  const dr = to[0] - r0;
  const dg = to[1] - g0;
  const db = to[2] - b0;

  const cell = Math.max(width, height) / rng.uniform(2, 5);
  const gw = Math.ceil(width / cell) + 2;
  const gh = Math.ceil(height / cell) + 2;
  const grid = new Float32Array(gw * gh * 3);
  for (let i = 0; i < grid.length; i++) grid[i] = rng.normal(0, 28);
  const ax = noiseAxis(width, cell);
  const ay = noiseAxis(height, cell);
  const row = new Float32Array(gw * 3);

  for (let y = 0; y < height; y++) {
    interpolateRow(grid, gw * 3, ay.index[y] as number, ay.weight[y] as number, row);
    let t = (y * dy - min) / span;
    let p = y * width * 3;
    for (let x = 0; x < width; x++, p += 3, t += stepT) {
      const o = (ax.index[x] as number) * 3;
      const wx = ax.weight[x] as number;
      const r = row[o] as number;
      const g = row[o + 1] as number;
      const b = row[o + 2] as number;
      canvas[p] = r0 + dr * t + r + ((row[o + 3] as number) - r) * wx;
      canvas[p + 1] = g0 + dg * t + g + ((row[o + 4] as number) - g) * wx;
      canvas[p + 2] = b0 + db * t + b + ((row[o + 5] as number) - b) * wx;
    }
  }
}

/** One row of a value-noise grid, interpolated between grid rows `gy` and `gy + 1`. */
function interpolateRow(
  grid: Float32Array,
  stride: number,
  gy: number,
  wy: number,
  into: Float32Array,
): void {
  const top = gy * stride;
  for (let i = 0; i < stride; i++) {
    const a = grid[top + i] as number;
    into[i] = a + ((grid[top + stride + i] as number) - a) * wy;
  }
}

/** A rotated ellipse or rectangle with a soft edge, shaded, sometimes striped. */
function drawShape(
  canvas: Float32Array,
  width: number,
  height: number,
  rng: Random,
  colour: Rgb,
  scale: number,
): void {
  const cx = rng.uniform(-0.1, 1.1) * width;
  const cy = rng.uniform(-0.1, 1.1) * height;
  const a = rng.uniform(0.04, 0.4) * scale;
  const b = a * rng.uniform(0.3, 1.2);
  const theta = rng.uniform(0, Math.PI);
  const cos = Math.cos(theta);
  const sin = Math.sin(theta);
  const isEllipse = rng.next() < 0.6;
  const soft = rng.uniform(0.6, 5);
  const alpha = rng.uniform(0.55, 1);
  const shade = rng.uniform(-0.35, 0.35);
  const striped = rng.next() < 0.4;
  const period = rng.uniform(3, 22);
  const stripeAngle = rng.uniform(0, Math.PI);
  const sx = Math.cos(stripeAngle) * ((2 * Math.PI) / period);
  const sy = Math.sin(stripeAngle) * ((2 * Math.PI) / period);
  const stripeAmplitude = striped ? rng.uniform(15, 45) : 0;

  const reach = (isEllipse ? Math.max(a, b) : Math.hypot(a, b)) + 2 * soft;
  const x0 = Math.max(0, Math.floor(cx - reach));
  const x1 = Math.min(width - 1, Math.ceil(cx + reach));
  const y0 = Math.max(0, Math.floor(cy - reach));
  const y1 = Math.min(height - 1, Math.ceil(cy + reach));
  const minRadius = Math.min(a, b);
  const invA2 = 1 / (a * a);
  const invB2 = 1 / (b * b);
  // Squared normalised radii inside which the ellipse is fully covered / outside which empty.
  const inner = Math.max(0, 1 - soft / (2 * minRadius)) ** 2;
  const outer = (1 + soft / (2 * minRadius)) ** 2;
  const [red, green, blue] = colour;
  for (let y = y0; y <= y1; y++) {
    const ry = y - cy;
    let u = (x0 - cx) * cos + ry * sin;
    let v = ry * cos - (x0 - cx) * sin;
    let p = (y * width + x0) * 3;
    for (let x = x0; x <= x1; x++, u += cos, v -= sin, p += 3) {
      let coverage: number;
      if (isEllipse) {
        const q = u * u * invA2 + v * v * invB2;
        if (q >= outer) continue;
        coverage = q <= inner ? 1 : 0.5 - ((Math.sqrt(q) - 1) * minRadius) / soft;
      } else {
        const distance = Math.max(Math.abs(u) - a, Math.abs(v) - b);
        coverage = 0.5 - distance / soft;
      }
      if (coverage <= 0) continue;
      if (coverage > 1) coverage = 1;
      const k = alpha * coverage * coverage * (3 - 2 * coverage);
      const light = 1 + shade * (u / a);
      const stripe = striped ? stripeAmplitude * Math.sin(x * sx + y * sy) : 0;
      canvas[p] = (canvas[p] as number) * (1 - k) + (red * light + stripe) * k;
      canvas[p + 1] = (canvas[p + 1] as number) * (1 - k) + (green * light + stripe) * k;
      canvas[p + 2] = (canvas[p + 2] as number) * (1 - k) + (blue * light + stripe) * k;
    }
  }
}

/** An anti-aliased straight line, 1 to 4 px wide. */
function drawLine(canvas: Float32Array, width: number, height: number, rng: Random, colour: Rgb): void {
  const ax = rng.uniform(0, width);
  const ay = rng.uniform(0, height);
  const length = rng.uniform(0.2, 0.9) * Math.max(width, height);
  const angle = rng.uniform(0, 2 * Math.PI);
  const bx = ax + Math.cos(angle) * length;
  const by = ay + Math.sin(angle) * length;
  const half = rng.uniform(0.5, 2);
  const alpha = rng.uniform(0.6, 1);
  const dx = bx - ax;
  const dy = by - ay;
  const lengthSquared = dx * dx + dy * dy || 1;
  const x0 = Math.max(0, Math.floor(Math.min(ax, bx) - half - 1));
  const x1 = Math.min(width - 1, Math.ceil(Math.max(ax, bx) + half + 1));
  const y0 = Math.max(0, Math.floor(Math.min(ay, by) - half - 1));
  const y1 = Math.min(height - 1, Math.ceil(Math.max(ay, by) + half + 1));
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      let t = ((x - ax) * dx + (y - ay) * dy) / lengthSquared;
      t = t < 0 ? 0 : t > 1 ? 1 : t;
      const ex = x - (ax + t * dx);
      const ey = y - (ay + t * dy);
      let coverage = half + 0.5 - Math.sqrt(ex * ex + ey * ey);
      if (coverage <= 0) continue;
      if (coverage > 1) coverage = 1;
      const k = alpha * coverage;
      const p = (y * width + x) * 3;
      canvas[p] = (canvas[p] as number) * (1 - k) + colour[0] * k;
      canvas[p + 1] = (canvas[p + 1] as number) * (1 - k) + colour[1] * k;
      canvas[p + 2] = (canvas[p + 2] as number) * (1 - k) + colour[2] * k;
    }
  }
}

/**
 * Adds a fine brightness texture (value noise, a few px per cell) and a little per-pixel noise,
 * writing the result to `out` (which rounds and clamps to 0..255).
 */
function addTextureInto(
  out: Uint8ClampedArray,
  canvas: Float32Array,
  width: number,
  height: number,
  rng: Random,
): void {
  const cell = rng.uniform(2, 5);
  const amplitude = rng.uniform(5, 12);
  const grain = rng.uniform(1, 3.5);
  const gw = Math.ceil(width / cell) + 2;
  const gh = Math.ceil(height / cell) + 2;
  const grid = new Float32Array(gw * gh);
  for (let i = 0; i < grid.length; i++) grid[i] = rng.normal(0, amplitude);
  const ax = noiseAxis(width, cell);
  const ay = noiseAxis(height, cell);
  const row = new Float32Array(gw);
  // Per-pixel grain from a linear congruential stream seeded from the image's generator.
  let state = rng.nextUint32();
  for (let y = 0; y < height; y++) {
    interpolateRow(grid, gw, ay.index[y] as number, ay.weight[y] as number, row);
    let p = y * width * 3;
    for (let x = 0; x < width; x++, p += 3) {
      const gx = ax.index[x] as number;
      const left = row[gx] as number;
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      const noise =
        left + ((row[gx + 1] as number) - left) * (ax.weight[x] as number) + grain * (state / 2147483648 - 1);
      out[p] = (canvas[p] as number) + noise;
      out[p + 1] = (canvas[p + 1] as number) + noise;
      out[p + 2] = (canvas[p + 2] as number) + noise;
    }
  }
}
