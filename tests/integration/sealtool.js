// Sealed values, computed independently of the C code (Node's crypto):
//   node sealtool.js seal-v1 KEYFILE PLAIN          prints "v1:..." (the
//        old unbound format, as versions before 006_secrets wrote it)
//   node sealtool.js open KEYFILE SEALED AAD        prints the plaintext
//        of a "v2:" value whose associated data is AAD, or exits 1
'use strict';
const crypto = require('crypto');
const fs = require('fs');

const [cmd, keyfile, value, aad] = process.argv.slice(2);
const key = Buffer.from(fs.readFileSync(keyfile, 'utf8').trim(), 'base64');
if (key.length !== 32) {
  console.error('not a master key: ' + keyfile);
  process.exit(2);
}
if (cmd === 'seal-v1') {
  const nonce = crypto.randomBytes(12);
  const c = crypto.createCipheriv('aes-256-gcm', key, nonce);
  const ct = Buffer.concat([c.update(value, 'utf8'), c.final()]);
  console.log('v1:' + Buffer.concat([nonce, ct, c.getAuthTag()]).toString('base64'));
} else if (cmd === 'open') {
  if (!value.startsWith('v2:')) process.exit(1);
  const blob = Buffer.from(value.slice(3), 'base64');
  const d = crypto.createDecipheriv('aes-256-gcm', key, blob.subarray(0, 12));
  d.setAAD(Buffer.from(aad, 'utf8'));
  d.setAuthTag(blob.subarray(blob.length - 16));
  try {
    process.stdout.write(Buffer.concat([d.update(blob.subarray(12, blob.length - 16)),
      d.final()]).toString('utf8'));
  } catch (e) {
    process.exit(1);
  }
} else {
  console.error('usage: sealtool.js seal-v1 KEYFILE PLAIN | open KEYFILE SEALED AAD');
  process.exit(2);
}
