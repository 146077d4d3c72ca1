// Alibaba Cloud's V3 request signature, ACS3-HMAC-SHA256, with node:crypto (docs/PROVIDERS.md §6:
// the BSS OpenAPI that reads Model Studio's balance). Alibaba's npm SDK (@alicloud/openapi-client,
// @alicloud/bssopenapi20171214) brings its own HTTP client and a large dependency tree for one
// signed GET, so the signature is made here and checked against Alibaba's published example
// (test/balances/acs3.test.ts):
//
//   CanonicalRequest = METHOD \n CanonicalURI \n CanonicalQueryString \n CanonicalHeaders \n
//                      SignedHeaders \n hex(SHA256(body))
//   StringToSign     = "ACS3-HMAC-SHA256" \n hex(SHA256(CanonicalRequest))
//   Signature        = hex(HMAC-SHA256(AccessKeySecret, StringToSign))
//   Authorization    = ACS3-HMAC-SHA256 Credential=<id>,SignedHeaders=<names>,Signature=<sig>
//
// Signed headers are `host`, `content-type` and every `x-acs-*` header, lower-case and sorted;
// names and values of the query are percent-encoded per RFC 3986 and sorted by name.
import { createHash, createHmac, randomBytes } from 'node:crypto';

export const ACS3_ALGORITHM = 'ACS3-HMAC-SHA256';

const sha256Hex = (data: string): string => createHash('sha256').update(data, 'utf8').digest('hex');

/** RFC 3986 percent-encoding, as the signature wants: `~` kept, space `%20`, `*` `%2A`. */
export function percentEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** The query, encoded and sorted by name: `ImageId=…&RegionId=cn-shanghai`. */
export function canonicalQuery(query: Record<string, string>): string {
  return Object.keys(query)
    .sort()
    .map((k) => `${percentEncode(k)}=${percentEncode(query[k]!)}`)
    .join('&');
}

export interface Acs3Request {
  method: string;
  /** The path, "/" for RPC-style operations. */
  path: string;
  query: Record<string, string>;
  /** Every header sent, `host` and the `x-acs-*` ones included (`x-acs-content-sha256` is added when absent). */
  headers: Record<string, string>;
  body: string;
  accessKeyId: string;
  accessKeySecret: string;
}

export interface Acs3Signed {
  canonicalRequest: string;
  stringToSign: string;
  signature: string;
  /** The headers to send: the request's, `x-acs-content-sha256` and `authorization` added. */
  headers: Record<string, string>;
}

/** Signs a request (pure: the date and nonce are the caller's headers). */
export function signAcs3(req: Acs3Request): Acs3Signed {
  const payloadHash = sha256Hex(req.body);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) headers[k.toLowerCase()] = v;
  headers['x-acs-content-sha256'] ??= payloadHash;
  const signedNames = Object.keys(headers)
    .filter((k) => k === 'host' || k === 'content-type' || k.startsWith('x-acs-'))
    .sort();
  const canonicalHeaders = signedNames.map((k) => `${k}:${headers[k]!.trim()}\n`).join('');
  const signedHeaders = signedNames.join(';');
  const canonicalUri = req.path === '' ? '/' : req.path.split('/').map(percentEncode).join('/');
  const canonicalRequest = [req.method.toUpperCase(), canonicalUri, canonicalQuery(req.query), canonicalHeaders, signedHeaders, payloadHash].join('\n');
  const stringToSign = `${ACS3_ALGORITHM}\n${sha256Hex(canonicalRequest)}`;
  const signature = createHmac('sha256', req.accessKeySecret).update(stringToSign, 'utf8').digest('hex');
  headers.authorization = `${ACS3_ALGORITHM} Credential=${req.accessKeyId},SignedHeaders=${signedHeaders},Signature=${signature}`;
  return { canonicalRequest, stringToSign, signature, headers };
}

/** `x-acs-date`: UTC, whole seconds, `2023-10-26T10:22:32Z`. */
export const acsDate = (at: Date): string => `${at.toISOString().slice(0, 19)}Z`;

/** A fresh `x-acs-signature-nonce` (each request its own, so a replay is refused). */
export const acsNonce = (): string => randomBytes(16).toString('hex');
