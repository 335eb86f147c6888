/**
 * A baseline or progressive JPEG's size and EXIF orientation, read from its header in
 * JavaScript: the markers up to the first scan (SOS), with the size from the frame header (SOF)
 * and the orientation from the first IFD of an `Exif` APP1 segment. It saves a libvips header
 * read (a thread-pool round trip and the conversion of sharp's options) per image; the decoder
 * itself reads the same header again when it decodes.
 *
 * It answers only where libvips would surely read the same: anything unusual (no SOF before
 * the scan, or two, a height defined later by a DNL marker, other than 1 or 3 components, two
 * EXIF segments, an orientation tag outside IFD0, of another type, or out of range, an offset
 * past its segment) gives `null`, and the caller asks libvips.
 */

/** Size as stored (before orientation) and EXIF orientation (1 when absent). */
export interface JpegHeader {
  width: number;
  height: number;
  orientation: number;
}

const SOI = 0xd8;
const SOS = 0xda;
const APP1 = 0xe1;
const ORIENTATION_TAG = 0x0112;
const TIFF_SHORT = 3;

/** Start-of-frame markers: SOF0-3, 5-7, 9-11, 13-15 (not DHT 0xc4, JPG 0xc8, DAC 0xcc). */
function isStartOfFrame(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

/** Markers without a length: TEM and RST0-7. */
function isStandalone(marker: number): boolean {
  return marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7);
}

/** The header of `bytes` if it is a JPEG whose header we read exactly as libvips does; else null. */
export function readJpegHeader(bytes: Uint8Array): JpegHeader | null {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== SOI) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let orientation: number | null = null;
  let exifSegments = 0;
  let frame: { width: number; height: number } | null = null;
  let at = 2;
  while (at + 4 <= bytes.length) {
    if (bytes[at] !== 0xff) return null;
    const marker = bytes[at + 1] as number;
    if (marker === 0xff) {
      at += 1; // fill byte
      continue;
    }
    if (isStandalone(marker)) {
      at += 2;
      continue;
    }
    // libjpeg reads every marker up to the scan: an EXIF segment may follow the frame header.
    if (marker === SOS) return frame ? { ...frame, orientation: orientation ?? 1 } : null;
    if (marker === SOI) return null;
    const length = view.getUint16(at + 2);
    const start = at + 4;
    const end = at + 2 + length;
    if (length < 2 || end > bytes.length) return null;
    if (marker === APP1 && isExif(bytes, start, end)) {
      exifSegments++;
      if (exifSegments > 1) return null;
      orientation = exifOrientation(view, start + 6, end);
      if (orientation === null) return null;
    } else if (isStartOfFrame(marker)) {
      if (length < 8 || frame) return null;
      const height = view.getUint16(start + 1);
      const width = view.getUint16(start + 3);
      const components = bytes[start + 5] as number;
      if (height === 0 || width === 0 || (components !== 1 && components !== 3)) return null;
      frame = { width, height };
    }
    at = end;
  }
  return null;
}

function isExif(bytes: Uint8Array, start: number, end: number): boolean {
  const tag = [0x45, 0x78, 0x69, 0x66, 0, 0]; // "Exif\0\0"
  return end - start >= tag.length && tag.every((b, i) => bytes[start + i] === b);
}

/**
 * The orientation in IFD0 of the TIFF structure in `[tiff, end)`: 1 when IFD0 has no such tag
 * and no next IFD (libvips also looks in the other IFDs), null when unsure.
 */
function exifOrientation(view: DataView, tiff: number, end: number): number | null {
  if (end - tiff < 8) return null;
  const order = view.getUint16(tiff);
  if (order !== 0x4949 && order !== 0x4d4d) return null;
  const little = order === 0x4949;
  if (view.getUint16(tiff + 2, little) !== 42) return null;
  const ifd = tiff + view.getUint32(tiff + 4, little);
  if (ifd + 2 > end) return null;
  const entries = view.getUint16(ifd, little);
  const afterEntries = ifd + 2 + entries * 12;
  if (afterEntries + 4 > end) return null;
  for (let i = 0; i < entries; i++) {
    const entry = ifd + 2 + i * 12;
    if (view.getUint16(entry, little) !== ORIENTATION_TAG) continue;
    if (view.getUint16(entry + 2, little) !== TIFF_SHORT || view.getUint32(entry + 4, little) !== 1)
      return null;
    const value = view.getUint16(entry + 8, little);
    return value >= 1 && value <= 8 ? value : null;
  }
  // No orientation in IFD0: libvips would look in the next IFDs (the thumbnail's) too.
  return view.getUint32(afterEntries, little) === 0 ? 1 : null;
}
