// `k6/encoding`, the part the scripts use.
export function b64decode(input: string, encoding: 'std' | 'rawstd' | 'url' | 'rawurl' = 'std', format?: 's'): string | ArrayBuffer {
  const bytes = Buffer.from(input, encoding.endsWith('url') ? 'base64url' : 'base64');
  return format === 's' ? bytes.toString('utf8') : bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length);
}
