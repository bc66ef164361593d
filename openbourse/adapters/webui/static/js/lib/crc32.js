// CRC-32 (IEEE), as a signed 32-bit integer: the `books` channel checksum.

const TABLE = (() => {
  const table = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c;
  }
  return table;
})();

const encoder = new TextEncoder();

export function crc32(text) {
  let crc = -1;
  for (const byte of encoder.encode(text)) crc = TABLE[(crc ^ byte) & 0xff] ^ (crc >>> 8);
  return (crc ^ -1) | 0;
}
