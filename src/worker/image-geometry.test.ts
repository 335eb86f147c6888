import { describe, expect, it } from 'vitest';
import { presetValues } from '../protocol/preprocess-presets.js';
import type { ResolvedPreprocess } from '../protocol/preprocess.js';
import { planGeometry, roundHalfEven } from './image-geometry.js';

const imagenet = presetValues('imagenet');
const at = (size: number | [number, number], p: ResolvedPreprocess = imagenet): ResolvedPreprocess => ({
  ...p,
  size: typeof size === 'number' ? { height: size, width: size } : { height: size[0], width: size[1] },
});

describe('roundHalfEven', () => {
  it('rounds like Python round()', () => {
    expect([0.5, 1.5, 2.5, 58.5, 59.5, 2.4, 2.6, -1.5, 3].map(roundHalfEven)).toEqual([
      0, 2, 2, 58, 60, 2, 3, -2, 3,
    ]);
  });
});

describe('shorter-side geometry', () => {
  const plan = (w: number, h: number, p = imagenet) => {
    const g = planGeometry(w, h, p);
    return { resizeWidth: g.resizeWidth, resizeHeight: g.resizeHeight, left: g.crop?.left, top: g.crop?.top };
  };

  it('truncates the long side and crops like torchvision (500x375 -> 341x256 at x=58)', () => {
    expect(plan(500, 375)).toEqual({ resizeWidth: 341, resizeHeight: 256, left: 58, top: 16 });
    expect(plan(375, 500)).toEqual({ resizeWidth: 256, resizeHeight: 341, left: 16, top: 58 });
    expect(plan(640, 427)).toEqual({ resizeWidth: 383, resizeHeight: 256, left: 80, top: 16 });
    expect(plan(100, 100)).toEqual({ resizeWidth: 256, resizeHeight: 256, left: 16, top: 16 });
  });

  it('scales the resize with the model input (320 -> 366) and never crops outside the image', () => {
    expect(plan(500, 500, at(320)).resizeWidth).toBe(366);
    expect(plan(10_000, 3).resizeHeight).toBe(256);
    expect(plan(1, 5000).resizeWidth).toBe(256);
    const rect = plan(400, 300, at([120, 160]));
    expect(rect.resizeWidth).toBeGreaterThanOrEqual(160);
    expect(rect.resizeHeight).toBeGreaterThanOrEqual(120);
  });

  it("resizes the shorter side to the crop with CLIP's fraction 1, or to resizeTo when given", () => {
    expect(plan(500, 375, presetValues('clip'))).toEqual({
      resizeWidth: 298,
      resizeHeight: 224,
      left: 37,
      top: 0,
    });
    const to288 = {
      ...imagenet,
      resize: { mode: 'shorter-side' as const, cropFraction: 0.875, resizeTo: 288 },
    };
    expect(plan(500, 375, to288)).toEqual({ resizeWidth: 384, resizeHeight: 288, left: 80, top: 32 });
  });
});

describe('squash geometry', () => {
  it("cuts TF's central_crop(0.875) and scales it to the size whatever its aspect ratio", () => {
    const g = planGeometry(500, 375, presetValues('inception'));
    // int((500 - 437.5) / 2) = 31, int((375 - 328.125) / 2) = 23.
    expect(g.before).toEqual({ left: 31, top: 23, width: 438, height: 329 });
    expect([g.resizeWidth, g.resizeHeight, g.crop, g.pad]).toEqual([299, 299, null, null]);
  });

  it('takes the whole image with crop fraction 1', () => {
    const g = planGeometry(640, 480, { ...imagenet, resize: { mode: 'squash', cropFraction: 1 } });
    expect([g.before, g.resizeWidth, g.resizeHeight]).toEqual([null, 224, 224]);
  });
});

describe('letterbox geometry', () => {
  const letterbox = {
    ...imagenet,
    resize: { mode: 'letterbox' as const, padValue: [114, 114, 114] as [number, number, number] },
  };

  it('fits the whole image, centred, and pads the rest', () => {
    const g = planGeometry(500, 375, letterbox);
    expect([g.resizeWidth, g.resizeHeight]).toEqual([224, 168]);
    expect(g.pad).toEqual({ left: 0, right: 0, top: 28, bottom: 28, value: [114, 114, 114] });
    const tall = planGeometry(100, 301, letterbox);
    expect([tall.resizeWidth, tall.resizeHeight]).toEqual([74, 224]);
    expect(tall.pad).toMatchObject({ left: 75, right: 75, top: 0, bottom: 0 });
    const odd = planGeometry(300, 199, letterbox);
    expect(odd.resizeHeight).toBe(149);
    expect(odd.pad).toMatchObject({ top: 37, bottom: 38 });
  });

  it('keeps at least one pixel of a very thin image', () => {
    const g = planGeometry(10_000, 1, letterbox);
    expect([g.resizeWidth, g.resizeHeight]).toEqual([224, 1]);
    expect((g.pad?.top ?? 0) + (g.pad?.bottom ?? 0)).toBe(223);
  });
});
