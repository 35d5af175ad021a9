import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';
import type { ProcessedUpload } from './upload-types';
import { formWith, readProcessed, refused, sha256, startUploadServer, uploaded, type UploadServer } from './testing';

let server: UploadServer;
before(async () => {
  server = await startUploadServer({ maxBytes: 4 * 1024 * 1024 });
});
after(() => server.close());

/** Pixels that compress badly and differ everywhere, so a lossy or shifted copy shows. */
function noise(width: number, height: number, frames = 1) {
  const pixels = Buffer.alloc(width * height * frames * 4);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 7919 + (i >> 7) * 104729) % 251;
  return sharp(pixels, { raw: { width, height: height * frames, channels: 4, pageHeight: height } });
}

const solid = (width: number, height: number) => sharp({ create: { width, height, channels: 3, background: '#3366cc' } });

const GPS = { IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '37/1 33/1 59/1', GPSMapDatum: 'WGS-84' } };
const XMP =
  '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">' +
  '<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/" dc:creator="Somebody At Home"/></rdf:RDF></x:xmpmeta>';

/** A PNG whose header claims width × height, one-bit grey, all black: a decompression bomb of ~110 KB for 30000². */
function blackPng(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 1; // bit depth; colour type 0 (grey), no interlace
  const rows = Buffer.alloc((Math.ceil(width / 8) + 1) * height); // filter byte 0, all-zero pixels
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk('IHDR', header), chunk('IDAT', deflateSync(rows, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}

/** `gif` with a comment extension after its header and global colour table. */
function withComment(gif: Buffer, comment: string): Buffer {
  const flags = gif[10];
  const end = 13 + (flags & 0x80 ? 3 * 2 ** ((flags & 7) + 1) : 0);
  const extension = Buffer.concat([Buffer.from([0x21, 0xfe, comment.length]), Buffer.from(comment, 'latin1'), Buffer.from([0])]);
  return Buffer.concat([gif.subarray(0, end), extension, gif.subarray(end)]);
}

async function upload(bytes: Buffer, filename: string, type = 'application/octet-stream'): Promise<ProcessedUpload> {
  const { status } = await server.post(formWith(bytes, filename, type));
  const result = await uploaded(server);
  assert.equal(status, 200);
  return result;
}

async function assertNoMetadata(bytes: Buffer) {
  const metadata = await sharp(bytes).metadata();
  assert.equal(metadata.exif, undefined, 'EXIF');
  assert.equal(metadata.xmp, undefined, 'XMP');
  assert.equal(metadata.iptc, undefined, 'IPTC');
  assert.equal(metadata.comments, undefined, 'comments');
  assert.ok(!bytes.includes('WGS-84') && !bytes.includes('Somebody'), 'the metadata text is gone');
}

/** Checks the thumbnail's file and returns its metadata: WebP, inside 320×320, without metadata. */
async function thumbnailOf(image: ProcessedUpload['image']) {
  assert.ok(image, 'an image');
  assert.equal(image.thumbnail.contentType, 'image/webp');
  const bytes = await readProcessed(image.thumbnail);
  await assertNoMetadata(bytes);
  const metadata = await sharp(bytes).metadata();
  assert.equal(metadata.format, 'webp');
  assert.ok(metadata.width <= 320 && metadata.height <= 320);
  return metadata;
}

/** The samples as stored, before any colour profile is applied. */
const pixels = async (bytes: Buffer, animated = false) => sharp(bytes, { animated, ignoreIcc: true }).ensureAlpha().raw().toBuffer();

describe('receiveUpload: images', { timeout: 60_000 }, () => {
  it('takes the type from the bytes: a PNG sent as text/html named x.html is an image/png, kept as it came', async () => {
    const png = await solid(800, 400).png().toBuffer();
    const result = await upload(png, 'x.html', 'text/html');
    assert.equal(result.name, 'x.html');
    assert.equal(result.original.contentType, 'image/png');
    assert.equal(result.original.sha256, sha256(png), 'a PNG without metadata is not re-encoded');
    assert.deepEqual(await readProcessed(result.original), png);
    assert.deepEqual([result.image?.width, result.image?.height], [800, 400]);
    const thumbnail = await thumbnailOf(result.image);
    assert.deepEqual([thumbnail.width, thumbnail.height], [320, 160]);
    await result.cleanup();
    assert.deepEqual(await server.tempFiles(), []);
  });

  it('an HTML page sent as image/png named a.png is not an image', async () => {
    const result = await upload(Buffer.from('<!doctype html><script>alert(1)</script>'), 'a.png', 'image/png');
    assert.equal(result.original.contentType, 'application/octet-stream');
    assert.equal(result.image, undefined);
    assert.equal(result.name, 'a.png');
    await result.cleanup();
  });

  it('re-encodes a JPEG without its EXIF (GPS) and turned upright: orientation 6 swaps width and height', async () => {
    const jpeg = await noise(600, 400).jpeg().withMetadata({ orientation: 6 }).withExifMerge(GPS).toBuffer();
    assert.ok(jpeg.includes('WGS-84') && (await sharp(jpeg).metadata()).orientation === 6, 'the fixture carries GPS and orientation 6');

    const result = await upload(jpeg, 'IMG_0001.JPG', 'image/jpeg');
    assert.equal(result.original.contentType, 'image/jpeg');
    assert.deepEqual([result.image?.width, result.image?.height], [400, 600]);
    const original = await readProcessed(result.original);
    await assertNoMetadata(original);
    assert.ok(!original.includes('Exif\0\0'), 'no EXIF segment at all');
    const metadata = await sharp(original).metadata();
    assert.deepEqual([metadata.width, metadata.height, metadata.orientation], [400, 600, undefined]);
    const thumbnail = await thumbnailOf(result.image);
    assert.deepEqual([thumbnail.width, thumbnail.height], [213, 320]);
    await result.cleanup();
  });

  it('strips EXIF and XMP from a PNG losslessly, keeping its colour profile', async () => {
    const png = await noise(120, 80).png().withIccProfile('p3').withExifMerge(GPS).withXmp(XMP).toBuffer();
    const result = await upload(png, 'shot.png');
    const original = await readProcessed(result.original);
    assert.equal(result.original.contentType, 'image/png');
    assert.notEqual(result.original.sha256, sha256(png));
    await assertNoMetadata(original);
    assert.ok((await sharp(original).metadata()).hasProfile);
    assert.deepEqual(await pixels(original), await pixels(png));
    await result.cleanup();
  });

  it('keeps a 16-bit PNG at 16 bits when it strips it', async () => {
    const samples = Buffer.alloc(64 * 48 * 3 * 2);
    for (let i = 0; i < samples.length; i += 2) samples.writeUInt16LE((i * 7919) % 65536, i);
    const png = await sharp(samples, { raw: { width: 64, height: 48, channels: 3 } })
      .toColourspace('rgb16')
      .png()
      .withExifMerge(GPS)
      .toBuffer();
    const result = await upload(png, 'deep.png');
    const original = await readProcessed(result.original);
    await assertNoMetadata(original);
    assert.equal((await sharp(original).metadata()).depth, 'ushort');
    const deepPixels = (bytes: Buffer) => sharp(bytes).toColourspace('rgb16').raw({ depth: 'ushort' }).toBuffer();
    assert.deepEqual(await deepPixels(original), await deepPixels(png));
    await result.cleanup();
  });

  it('keeps a WebP without metadata as it came, and strips an animated one losslessly, every frame kept', async () => {
    const plain = await noise(90, 60).webp({ quality: 60 }).toBuffer();
    const kept = await upload(plain, 'plain.webp');
    assert.equal(kept.original.sha256, sha256(plain));
    assert.equal(kept.original.contentType, 'image/webp');
    await kept.cleanup();

    const animated = await noise(90, 60, 3)
      .webp({ quality: 60, delay: [80, 80, 80] })
      .withExif(GPS)
      .withXmp(XMP)
      .toBuffer();
    const result = await upload(animated, 'moving.webp');
    const original = await readProcessed(result.original);
    await assertNoMetadata(original);
    const metadata = await sharp(original).metadata();
    assert.deepEqual([metadata.pages, metadata.delay], [3, [80, 80, 80]]);
    assert.deepEqual(await pixels(original, true), await pixels(animated, true));
    assert.deepEqual([result.image?.width, result.image?.height], [90, 60]);
    const thumbnail = await thumbnailOf(result.image);
    assert.equal(thumbnail.pages, undefined, 'the first frame only');
    await result.cleanup();
  });

  it('re-encodes a GIF without its comment, still animated', async () => {
    const gif = withComment(
      await noise(50, 40, 3)
        .gif({ delay: [100, 100, 100], loop: 0 })
        .toBuffer(),
      'Somebody At Home',
    );
    assert.ok(gif.includes('Somebody'));
    const result = await upload(gif, 'moving.gif', 'image/gif');
    assert.equal(result.original.contentType, 'image/gif');
    const original = await readProcessed(result.original);
    assert.ok(!original.includes('Somebody'));
    const metadata = await sharp(original).metadata();
    assert.deepEqual([metadata.format, metadata.pages, metadata.delay, metadata.loop], ['gif', 3, [100, 100, 100], 0]);
    assert.deepEqual([result.image?.width, result.image?.height], [50, 40]);
    const thumbnail = await thumbnailOf(result.image);
    assert.deepEqual([thumbnail.width, thumbnail.height, thumbnail.pages], [50, 40, undefined]);
    await result.cleanup();
  });

  it('never enlarges a thumbnail', async () => {
    const result = await upload(await solid(10, 12).png().toBuffer(), 'tiny.png');
    const thumbnail = await thumbnailOf(result.image);
    assert.deepEqual([thumbnail.width, thumbnail.height], [10, 12]);
    await result.cleanup();
  });
});

describe('receiveUpload: sharp', { timeout: 60_000 }, () => {
  it('runs without an operation cache', () => {
    const { memory, files, items } = sharp.cache();
    assert.deepEqual([memory.max, files.max, items.max], [0, 0, 0]);
  });
});

describe('receiveUpload: images refused', { timeout: 60_000 }, () => {
  const refusedImage = async (bytes: Buffer, message: RegExp, target = server) => {
    const { status } = await target.post(formWith(bytes, 'image.png', 'image/png'));
    assert.equal(status, 400);
    assert.match((await refused(target, 'VALIDATION_FAILED')).message, message);
    assert.deepEqual(await target.tempFiles(), []);
  };
  const stillServing = async () => {
    const result = await upload(await solid(20, 20).png().toBuffer(), 'next.png');
    assert.equal(result.image?.width, 20);
    await result.cleanup();
  };

  it('refuses a decompression bomb (30000×30000 in 110 KB) from its header, and serves the next request', async () => {
    const bomb = blackPng(30_000, 30_000);
    assert.ok(bomb.length < 200_000);
    await refusedImage(bomb, /more than 40000000 pixels/);
    // Within sharp's own default limit (0x3FFF²), so refused by maxPixels alone.
    await refusedImage(blackPng(10_000, 10_000), /more than 40000000 pixels/);
    await stillServing();
  });

  it('counts every frame of an animation against maxPixels', async () => {
    const small = await startUploadServer({ maxBytes: 1024 * 1024, maxPixels: 25_000 });
    try {
      for (const animation of [noise(100, 100, 3).gif(), noise(100, 100, 3).webp({ delay: [50, 50, 50] })]) {
        await refusedImage(await animation.toBuffer(), /more than 25000 pixels/, small);
      }
      const { status } = await small.post(formWith(await noise(100, 100).gif().toBuffer(), 'still.gif'));
      assert.equal(status, 200);
      await (await uploaded(small)).cleanup();
    } finally {
      await small.close();
    }
  });

  it('refuses corrupt images with the right magic number, and serves the next request', async () => {
    const png = await noise(200, 200).png().toBuffer();
    await refusedImage(Buffer.concat([png.subarray(0, 8), Buffer.alloc(4000, 0x5a)]), /not a valid PNG image/);
    await refusedImage(png.subarray(0, Math.floor(png.length * 0.6)), /not a valid PNG image/);
    const jpeg = await noise(200, 200).jpeg().toBuffer();
    await refusedImage(Buffer.concat([jpeg.subarray(0, 3), Buffer.alloc(4000, 0x5a)]), /not a valid JPEG image/);
    await refusedImage(jpeg.subarray(0, Math.floor(jpeg.length * 0.6)), /not a valid JPEG image/);
    const gif = await noise(50, 50).gif().toBuffer();
    await refusedImage(Buffer.concat([gif.subarray(0, 6), Buffer.alloc(4000, 0x5a)]), /not a valid GIF image/);
    await stillServing();
  });
});
