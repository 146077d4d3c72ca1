// Alibaba Cloud's balance through BSS QueryAccountBalance: the ACS3-HMAC-SHA256 signature against
// the example Alibaba publishes with its V3 signature documentation, and the source over real
// HTTP against a local server that checks the signature with its own copy of the secret.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { resolveBalance } from '../../src/config/balances.js';
import { canonicalQuery, percentEncode, signAcs3 } from '../../src/upstream/balances/acs3.js';
import { BalanceError, createBalanceSource } from '../../src/upstream/balances/index.js';
import { startBalanceServer } from '../support/balance-server.js';

test("ACS3-HMAC-SHA256 gives the exact string to sign and signature of Alibaba's published example", () => {
  // Alibaba Cloud SDK "Request syntax and signature method V3", signature example: RunInstances on
  // ecs.cn-shanghai.aliyuncs.com with the fixed date, nonce and placeholder AccessKey pair.
  const signed = signAcs3({
    method: 'POST',
    path: '/',
    query: { ImageId: 'win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd', RegionId: 'cn-shanghai' },
    headers: {
      host: 'ecs.cn-shanghai.aliyuncs.com',
      'x-acs-action': 'RunInstances',
      'x-acs-version': '2014-05-26',
      'x-acs-date': '2023-10-26T10:22:32Z',
      'x-acs-signature-nonce': '3156853299f313e23d1673dc12e1703d',
    },
    body: '',
    accessKeyId: 'YourAccessKeyId',
    accessKeySecret: 'YourAccessKeySecret',
  });
  assert.equal(signed.stringToSign, 'ACS3-HMAC-SHA256\n7ea06492da5221eba5297e897ce16e55f964061054b7695beedaac1145b1e259');
  assert.equal(signed.signature, '06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0');
  assert.equal(
    signed.headers.authorization,
    'ACS3-HMAC-SHA256 Credential=YourAccessKeyId,SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0',
  );
  assert.equal(signed.headers['x-acs-content-sha256'], 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
});

test('the canonical query is RFC 3986 encoded and sorted by name', () => {
  assert.equal(percentEncode("a b*c~d/e!'()"), 'a%20b%2Ac~d%2Fe%21%27%28%29');
  assert.equal(canonicalQuery({ RoleSessionName: 'u 1/main', RoleArn: 'acs:ram::123:role/test' }), 'RoleArn=acs%3Aram%3A%3A123%3Arole%2Ftest&RoleSessionName=u%201%2Fmain');
});

const ID = 'LTAI5tTestAccessKeyId';
const SECRET = 'TestAccessKeySecret0123456789abc';

/** What the BSS endpoint does: recompute the signature with its copy of the secret, answer the balance or SignatureDoesNotMatch. */
function bss(secret: string, data: Record<string, string>) {
  return (req: IncomingMessage) => {
    const h = req.headers as Record<string, string>;
    const auth = /^ACS3-HMAC-SHA256 Credential=([^,]+),SignedHeaders=([^,]+),Signature=([0-9a-f]{64})$/.exec(h.authorization ?? '');
    if (!auth) return { status: 400, json: { Code: 'IncompleteSignature', Message: 'The request signature does not conform to Aliyun standards.' } };
    if (auth[1] !== ID) return { status: 404, json: { Code: 'InvalidAccessKeyId.NotFound', Message: 'Specified access key is not found.' } };
    const headers = Object.fromEntries(auth[2]!.split(';').map((k) => [k, h[k]!]));
    const expected = signAcs3({ method: req.method!, path: '/', query: {}, headers, body: '', accessKeyId: ID, accessKeySecret: secret }).signature;
    if (expected !== auth[3] || h['x-acs-action'] !== 'QueryAccountBalance' || h['x-acs-version'] !== '2017-12-14') {
      return { status: 400, json: { RequestId: 'R1', Code: 'SignatureDoesNotMatch', Message: 'Specified signature is not matched with our calculation.' } };
    }
    return { status: 200, json: { Code: '200', Message: 'success', RequestId: 'R2', Success: true, Data: data } };
  };
}

function alibabaSource(url: string, env: NodeJS.ProcessEnv) {
  const { source } = resolveBalance('qwen-intl', {
    base_url: 'https://dashscope-intl.aliyuncs.com/compatible-mode/v1',
    api_key_env: 'DASHSCOPE_API_KEY',
    balance: { kind: 'alibaba_bss', url, access_key_id_env: 'ALI_AK_ID', access_key_secret_env: 'ALI_AK_SECRET' },
  });
  return createBalanceSource(source!, env);
}

test('Alibaba BSS: a signed QueryAccountBalance is read exactly (decimal strings, the currency it names, arrears below zero)', async (t) => {
  const srv = await startBalanceServer(t);
  srv.set('/', { handle: bss(SECRET, { AvailableAmount: '-11.19', AvailableCashAmount: '0.00', CreditAmount: '1000.00', MybankCreditAmount: '0.00', Currency: 'CNY' }) });
  const source = alibabaSource(`${srv.url}/`, { ALI_AK_ID: ID, ALI_AK_SECRET: SECRET });
  assert.deepEqual(source.missing, []);
  const r = await source.read({ now: new Date('2026-11-23T12:00:00Z') });
  assert.equal(r.kind, 'alibaba_bss');
  assert.equal(r.currency, 'CNY');
  assert.equal(r.balance_nano, -11_190_000_000n);
  assert.equal(r.available, null);
  assert.deepEqual(r.detail, { AvailableAmount: '-11.19', AvailableCashAmount: '0.00', CreditAmount: '1000.00', MybankCreditAmount: '0.00', Currency: 'CNY' });
  const sent = srv.requests[0]!.headers;
  assert.match(String(sent['x-acs-date']), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.equal(sent['x-acs-content-sha256'], 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
});

test('Alibaba BSS: a wrong secret or id is a clear error naming the variables to check, never their values', async (t) => {
  const srv = await startBalanceServer(t);
  srv.set('/', { handle: bss(SECRET, { AvailableAmount: '1.00', Currency: 'USD' }) });
  const read = async (env: NodeJS.ProcessEnv): Promise<BalanceError> => {
    try {
      await alibabaSource(`${srv.url}/`, env).read({ now: new Date() });
    } catch (err) {
      assert.ok(err instanceof BalanceError);
      for (const v of Object.values(env)) assert.ok(!err.message.includes(v!), `a key value leaked: ${err.message}`);
      return err;
    }
    assert.fail('expected a failure');
  };
  const wrongSecret = await read({ ALI_AK_ID: ID, ALI_AK_SECRET: 'not-the-secret-at-all' });
  assert.equal(wrongSecret.reason, 'signature');
  assert.equal(
    wrongSecret.message,
    'balance unavailable: Alibaba refused the AccessKey signature: check that ALI_AK_SECRET holds the secret of the AccessKey in ALI_AK_ID (HTTP 400, SignatureDoesNotMatch)',
  );
  const wrongId = await read({ ALI_AK_ID: 'LTAI5tSomebodyElse', ALI_AK_SECRET: SECRET });
  assert.match(wrongId.message, /Alibaba does not know the AccessKey id: check ALI_AK_ID .*\(HTTP 404, InvalidAccessKeyId\.NotFound\)/);
  // Without the pair set, the source is not ready: the poll names the variables instead of calling.
  assert.deepEqual(alibabaSource(`${srv.url}/`, {}).missing, ['ALI_AK_ID', 'ALI_AK_SECRET']);
});
