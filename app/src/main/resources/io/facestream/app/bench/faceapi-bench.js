// face-api.js (@vladmandic/face-api) on TensorFlow.js's WASM backend, for `facestream bench recognition`:
// reads the manifest the Java side wrote (binary PPM images, so both sides see the same pixels), and writes
// for each image the 128-d descriptor of its largest face (or null) and the milliseconds it took; with
// "allFaces" in the manifest (the video benchmark's frames), every face's box, score and descriptor as well.
// Runs only where `facestream bench recognition` installed the pinned packages beside it.
// Usage: node faceapi-bench.js MANIFEST.json OUT.json
'use strict';
const fs = require('fs');
const path = require('path');
const tf = require('@tensorflow/tfjs');
require('@tensorflow/tfjs-backend-wasm'); // registers the 'wasm' backend
const faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js');

/** A binary PPM (P6, maxval 255) as an int32 [h, w, 3] tensor. */
function readPpm(file) {
  const buf = fs.readFileSync(file);
  const fields = [];
  let i = 0;
  while (fields.length < 4) {
    while (/\s/.test(String.fromCharCode(buf[i]))) i++;
    let start = i;
    while (!/\s/.test(String.fromCharCode(buf[i]))) i++;
    fields.push(buf.toString('latin1', start, i));
  }
  i++; // the single whitespace after maxval
  const [magic, w, h, max] = [fields[0], Number(fields[1]), Number(fields[2]), Number(fields[3])];
  if (magic !== 'P6' || max !== 255 || buf.length - i !== w * h * 3) throw new Error(`${file}: not an 8-bit P6 PPM`);
  return tf.tensor3d(new Int32Array(buf.subarray(i)), [h, w, 3], 'int32');
}

async function main() {
  const [manifestFile, outFile] = process.argv.slice(2);
  const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
  // no setWasmPaths: in Node the backend reads its .wasm files from its own package folder (a path given
  // here would be fetched as a URL)
  await tf.setBackend('wasm');
  await tf.ready();
  const modelDir = path.join(path.dirname(require.resolve('@vladmandic/face-api/package.json')), 'model');
  const loadStart = performance.now();
  await faceapi.nets.ssdMobilenetv1.loadFromDisk(modelDir);
  await faceapi.nets.faceLandmark68Net.loadFromDisk(modelDir);
  await faceapi.nets.faceRecognitionNet.loadFromDisk(modelDir);
  const loadMs = performance.now() - loadStart;
  const options = new faceapi.SsdMobilenetv1Options({ minConfidence: manifest.minConfidence ?? 0.5, maxResults: 10 });
  // the subject of each photo, as the Java side takes it: every face detected with its landmarks, then the
  // descriptor of the largest one only (face-api's own aligned crop of it)
  async function subject(tensor) {
    const faces = await faceapi.detectAllFaces(tensor, options).withFaceLandmarks();
    let best = null;
    for (const f of faces) {
      if (best === null || f.detection.box.area > best.detection.box.area) best = f;
    }
    if (best === null) return { faces: 0, descriptor: null };
    if (manifest.allFaces) {
      const all = [];
      for (const f of faces) {
        const b = f.detection.box;
        all.push({ box: [b.x, b.y, b.width, b.height], score: f.detection.score, descriptor: await describe(tensor, f) });
      }
      return { faces: faces.length, descriptor: all[faces.indexOf(best)].descriptor, all };
    }
    return { faces: faces.length, descriptor: await describe(tensor, best) };
  }
  async function describe(tensor, face) {
    const [crop] = await faceapi.extractFaceTensors(tensor, [face.alignedRect]);
    const descriptor = await faceapi.computeFaceDescriptor(crop);
    tf.dispose(crop);
    return Array.from(descriptor);
  }
  // one unmeasured run, so that the first photo does not pay for WASM compilation and kernel set-up
  if (manifest.images.length > 0) {
    const warm = readPpm(manifest.images[0]);
    await subject(warm);
    tf.dispose(warm);
  }
  const results = [];
  for (const file of manifest.images) {
    const tensor = readPpm(file);
    const t0 = performance.now();
    const found = await subject(tensor);
    const ms = performance.now() - t0;
    tf.dispose(tensor);
    results.push({ file, ms, faces: found.faces, descriptor: found.descriptor, all: found.all });
  }
  fs.writeFileSync(outFile, JSON.stringify({
    faceapi: faceapi.version, tfjs: tf.version_core, backend: tf.getBackend(), loadMs, results,
  }));
}

main().catch((e) => { console.error(e && e.stack ? e.stack : String(e)); process.exit(1); });
