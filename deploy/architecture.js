// The functions' architecture, for serverless.yml's `provider.architecture`:
//   architecture: ${file(./deploy/architecture.js)}
// It is the architecture of the `bootstrap` inside the zip serverless.yml
// deploys (package.artifact: build.sh's bootstrap.zip, or cargo-lambda's
// target/lambda/bootstrap/bootstrap.zip), read from the zip itself, so a
// deploy can never put a binary of one architecture into functions of the
// other (Lambda would fail every invocation with Runtime.InvalidEntrypoint).
// ARCH, the knob build.sh reads, is a check when set: if it disagrees with
// the zip, nothing is packaged or deployed, and the error names the command
// (build.sh's or cargo-lambda's) that makes the right zip. Commands that neither package nor deploy (remove,
// info, logs, invoke, print) never fail here: they need no zip.
//
// Serverless v3 and osls call the exported function while resolving
// variables, before any command runs; a thrown Error stops the command with
// its message. Node.js built-ins only: no npm install needed.
'use strict';

const fs = require('fs');
const path = require('path');
const zlib = require('zlib');

// ELF e_machine -> Lambda's name for it.
const MACHINES = { 183: 'arm64', 62: 'x86_64' };
const ARCHES = Object.values(MACHINES);

// Where cargo-lambda puts the zip of the binary `bootstrap`.
const CARGO_LAMBDA_ZIP = 'target/lambda/bootstrap/bootstrap.zip';

// The command that makes the zip at `artifact` for `arch` (build.sh's default
// architecture when undefined), in the words of the tool that makes it there.
function buildCommand(artifact, arch) {
  if (path.normalize(artifact) === path.normalize(CARGO_LAMBDA_ZIP)) {
    return arch === 'x86_64'
      ? '`cargo lambda build --release --target x86_64-unknown-linux-musl`'
      : '`cargo lambda build --release`';
  }
  return arch === undefined ? './build.sh' : `\`ARCH=${arch} ./build.sh\``;
}

// An error serverless shows as its message alone, without a stack trace.
function fail(message) {
  const error = new Error(message);
  error.stack = message;
  return error;
}

// The architecture of the `bootstrap` at the root of the zip at zipPath;
// `build` is the command that makes a good one, for the errors.
// Reads the zip's central directory and the entry's local file header
// (APPNOTE 4.3.7, 4.3.12, 4.3.16); the entry is stored or deflated.
function zipArchitecture(zipPath, name, build) {
  let zip;
  try {
    zip = fs.readFileSync(zipPath);
  } catch (error) {
    if (error.code === 'ENOENT') return { missing: true };
    throw fail(`cannot read ${name}: ${error.message}`);
  }
  const notAZip = fail(`${name} is not a zip file: run ${build}`);
  // End of central directory record: the last thing in the file (before a
  // comment of up to 64 KiB).
  let eocd = -1;
  for (let at = zip.length - 22; at >= Math.max(0, zip.length - 22 - 0xffff); at--) {
    if (zip.readUInt32LE(at) === 0x06054b50) {
      eocd = at;
      break;
    }
  }
  if (eocd < 0) throw notAZip;
  const count = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  let entry = null;
  for (let i = 0; i < count; i++) {
    if (at + 46 > zip.length || zip.readUInt32LE(at) !== 0x02014b50) throw notAZip;
    const nameLength = zip.readUInt16LE(at + 28);
    const entryName = zip.toString('utf8', at + 46, at + 46 + nameLength);
    if (entryName === 'bootstrap') {
      entry = {
        method: zip.readUInt16LE(at + 10),
        compressedSize: zip.readUInt32LE(at + 20),
        local: zip.readUInt32LE(at + 42),
      };
      break;
    }
    at += 46 + nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
  }
  if (!entry) throw fail(`${name} holds no \`bootstrap\` at its root: run ${build}`);
  const local = entry.local;
  if (local + 30 > zip.length || zip.readUInt32LE(local) !== 0x04034b50) throw notAZip;
  const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
  const data = zip.subarray(start, start + entry.compressedSize);
  let binary;
  try {
    if (entry.method === 0) binary = data;
    else if (entry.method === 8) binary = zlib.inflateRawSync(data);
    else throw new Error(`compression method ${entry.method}`);
  } catch (error) {
    throw fail(`cannot unpack \`bootstrap\` from ${name} (${error.message}): run ${build}`);
  }
  if (binary.length < 20 || binary.readUInt32BE(0) !== 0x7f454c46) {
    throw fail(`\`bootstrap\` in ${name} is not an ELF binary: run ${build}`);
  }
  const machine = binary.readUInt16LE(18);
  const arch = MACHINES[machine];
  if (!arch) {
    throw fail(
      `\`bootstrap\` in ${name} is for ELF machine ${machine}, which Lambda cannot run: run ${build}`,
    );
  }
  return { arch };
}

// Whether this command packages or deploys: then the zip must be there and
// right. Anything else (remove, info, logs, invoke, print) only needs a value.
function packagesOrDeploys() {
  return process.argv.slice(2).some((arg) => arg === 'package' || arg === 'deploy');
}

module.exports = async ({ resolveConfigurationProperty }) => {
  const wanted = process.env.ARCH;
  // Relative to the service directory, which serverless makes the working one.
  const artifact = (await resolveConfigurationProperty(['package', 'artifact'])) || 'bootstrap.zip';
  const zipPath = path.resolve(process.cwd(), artifact);
  // As given: bootstrap.zip, or target/lambda/bootstrap/bootstrap.zip.
  const name = path.normalize(artifact);

  if (!packagesOrDeploys()) {
    // remove, info, logs, invoke, print: nothing is uploaded, any value does.
    try {
      const found = zipArchitecture(zipPath, name, '');
      if (found.arch) return found.arch;
    } catch {
      // No zip or a broken one: nothing to check.
    }
    return ARCHES.includes(wanted) ? wanted : 'arm64';
  }

  if (wanted !== undefined && !ARCHES.includes(wanted)) {
    // build.sh's own words for it.
    throw fail(`unknown architecture '${wanted}' (from ARCH): use arm64 or x86_64`);
  }
  const build = buildCommand(artifact, wanted);
  let found;
  try {
    found = zipArchitecture(zipPath, name, build);
  } catch (error) {
    // Ours carry their message as their stack; anything else gets the same.
    if (error.stack === error.message) throw error;
    throw fail(`cannot read ${name} (${error.message}): run ${build}`);
  }
  if (found.missing) {
    throw fail(`${name} not found: run ${build} first`);
  }
  if (wanted !== undefined && wanted !== found.arch) {
    throw fail(
      `${name} holds an ${found.arch} binary but ARCH=${wanted}: ` +
        `run ${build}, or deploy with ARCH=${found.arch}`,
    );
  }
  return found.arch;
};
