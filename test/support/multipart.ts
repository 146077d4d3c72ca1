// Reads a multipart/form-data body (RFC 7578) into its parts, bytes kept as bytes: the fake
// Slack's upload URL receives files.uploadV2's file this way (the WebClient posts a FormData).
export interface FormPart {
  name: string;
  filename?: string;
  contentType?: string;
  data: Buffer;
}

/** The parts of `body`, or null when `contentType` is not multipart/form-data with a boundary. */
export function parseMultipart(body: Buffer, contentType: string | undefined): FormPart[] | null {
  const boundary = /^multipart\/form-data;.*\bboundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType ?? '');
  if (!boundary) return null;
  const delimiter = Buffer.from(`--${boundary[1] ?? boundary[2]}`);
  const parts: FormPart[] = [];
  let at = body.indexOf(delimiter);
  while (at >= 0) {
    const start = at + delimiter.length;
    // "--" after a delimiter closes the body.
    if (body.subarray(start, start + 2).toString() === '--') break;
    const next = body.indexOf(delimiter, start);
    if (next < 0) break;
    const part = body.subarray(start + 2, next - 2); // past CRLF, before the CRLF that precedes the next delimiter
    const split = part.indexOf('\r\n\r\n');
    const head = part.subarray(0, split).toString('utf8');
    const disposition = /content-disposition:\s*form-data;([^\r\n]*)/i.exec(head)?.[1] ?? '';
    const type = /content-type:\s*([^\r\n]+)/i.exec(head)?.[1];
    const filename = /filename="([^"]*)"/.exec(disposition)?.[1];
    parts.push({
      name: /\bname="([^"]*)"/.exec(disposition)?.[1] ?? '',
      ...(filename !== undefined ? { filename } : {}),
      ...(type ? { contentType: type.trim() } : {}),
      data: Buffer.from(part.subarray(split + 4)),
    });
    at = next;
  }
  return parts;
}
