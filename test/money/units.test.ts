import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decimalToNano,
  formatNanoAmount,
  nanoToNumber,
  formatRate,
  formatUsd,
  formatUsdExact,
  formatUsdDecimal,
  nusdToUsd,
  usdPerMillionToRate,
  usdPerTokenToRate,
  usdToNusd,
} from '../../src/domain/money/units.js';

void test('usdPerMillionToRate converts decimals exactly (rate = USD/M x 1e6)', () => {
  assert.equal(usdPerMillionToRate(0.0028), 2800); // 0.0028 * 1e6 in floats is 2799.9999999999995
  assert.equal(usdPerMillionToRate(0.435), 435000);
  assert.equal(usdPerMillionToRate(1.2), 1200000);
  assert.equal(usdPerMillionToRate(0.003625), 3625);
  assert.equal(usdPerMillionToRate('0.14'), 140000);
  assert.equal(usdPerMillionToRate(0), 0);
  assert.equal(usdPerMillionToRate(3), 3000000);
  assert.equal(usdPerMillionToRate('1.5e-3'), 1500);
  assert.equal(usdPerMillionToRate(0.1 + 0.2), 300000); // "0.30000000000000004": digits past 6 rounded off
});

void test('usdPerMillionToRate rounds half-up beyond 6 decimals', () => {
  assert.equal(usdPerMillionToRate('0.0000005'), 1); // 0.5 pico -> 1
  assert.equal(usdPerMillionToRate('0.0000004999'), 0);
  assert.equal(usdPerMillionToRate('1.2345675'), 1234568);
  assert.equal(usdPerMillionToRate('1.2345674999'), 1234567);
  assert.equal(usdPerMillionToRate(1e-7), 0); // String(1e-7) is "1e-7"
  assert.equal(usdPerMillionToRate(5e-7), 1);
});

void test('usdPerMillionToRate rejects what is not a non-negative decimal', () => {
  assert.throws(() => usdPerMillionToRate(-1), RangeError);
  assert.throws(() => usdPerMillionToRate(Number.NaN), RangeError);
  assert.throws(() => usdPerMillionToRate(Infinity), RangeError);
  assert.throws(() => usdPerMillionToRate('abc'), RangeError);
  assert.throws(() => usdPerMillionToRate(''), RangeError);
  assert.throws(() => usdPerMillionToRate('.'), RangeError);
  assert.throws(() => usdPerMillionToRate('1.2.3'), RangeError);
  assert.throws(() => usdPerMillionToRate(1e21), RangeError); // unsafe integer
});

void test('usdPerTokenToRate converts per-token prices (rate = USD/token x 1e12)', () => {
  assert.equal(usdPerTokenToRate('0.00000014'), 140000);
  assert.equal(usdPerTokenToRate(2.8e-7), 280000); // exponent form
  assert.equal(usdPerTokenToRate('0.0000000028'), 2800);
  assert.equal(usdPerTokenToRate('0.000000000001'), 1); // 12th decimal exact
  assert.equal(usdPerTokenToRate('0.0000000000015'), 2); // 1.5 pico half-up
  assert.equal(usdPerTokenToRate('0.0000000000014'), 1);
  assert.equal(usdPerTokenToRate('0'), 0);
  assert.throws(() => usdPerTokenToRate('-0.000001'), RangeError);
});

void test('usdToNusd converts USD exactly, half-up beyond 9 decimals', () => {
  assert.equal(usdToNusd(50), 50_000_000_000);
  assert.equal(usdToNusd(0.1), 100_000_000);
  assert.equal(usdToNusd('1234.56789'), 1_234_567_890_000);
  assert.equal(usdToNusd('0.000000001'), 1);
  assert.equal(usdToNusd('0.0000000015'), 2);
  assert.equal(usdToNusd('0.0000000014999'), 1);
  assert.equal(usdToNusd('-0.0000000015'), -2); // mirror of the positive
  assert.equal(usdToNusd(0.00123), 1_230_000);
  assert.equal(usdToNusd('1e-3'), 1_000_000);
});

void test('nusdToUsd is exact to 1e-9 in JSON', () => {
  assert.equal(nusdToUsd(113_680_000), 0.11368);
  assert.equal(JSON.stringify(nusdToUsd(1_234_567_890_123)), '1234.567890123');
  assert.equal(JSON.stringify(nusdToUsd(999_999_999_999_999)), '999999.999999999');
  assert.equal(nusdToUsd(0), 0);
});

void test('formatUsd renders cents, half-up, with separators', () => {
  assert.equal(formatUsd(0), '$0.00');
  assert.equal(formatUsd(4_999_999), '<$0.01'); // $0.004999999: not zero, so never "$0.00"
  assert.equal(formatUsd(1), '<$0.01');
  assert.equal(formatUsd(5_000_000), '$0.01'); // exactly half a cent rounds up
  assert.equal(formatUsd(1_234_567_890_000), '$1,234.57'); // $1,234.56789
  assert.equal(formatUsd(1_004_999_999), '$1.00');
  assert.equal(formatUsd(1_005_000_000), '$1.01');
  assert.equal(formatUsd(1_000_000_000_000_000), '$1,000,000.00');
  assert.equal(formatUsd(-1_234_567_890_000), '-$1,234.57');
  assert.equal(formatUsd(-5_000_000), '-$0.01');
  assert.equal(formatUsd(-1), '-<$0.01');
  assert.equal(formatUsd(113_680_000, { cents: false }), '$0.11368');
  assert.throws(() => formatUsd(1.5), RangeError);
});

void test('formatUsdExact renders all 9 decimals, trimmed', () => {
  assert.equal(formatUsdExact(1234), '$0.000001234');
  assert.equal(formatUsdExact(1_000_000_000), '$1.00');
  assert.equal(formatUsdExact(1_500_000_000), '$1.50');
  assert.equal(formatUsdExact(1_234_567_890_123), '$1,234.567890123');
  assert.equal(formatUsdExact(-1), '-$0.000000001');
  assert.equal(formatUsdExact(0), '$0.00');
});

void test('formatRate renders USD per 1M tokens', () => {
  assert.equal(formatRate(2800), '$0.0028');
  assert.equal(formatRate(3625), '$0.003625');
  assert.equal(formatRate(435000), '$0.435');
  assert.equal(formatRate(1200000), '$1.20');
  assert.equal(formatRate(12_000_000), '$12.00');
  assert.equal(formatRate(0), '$0.00');
  assert.equal(formatRate(1), '$0.000001');
  assert.throws(() => formatRate(-1), RangeError);
});

void test('formatUsdDecimal: a plain exact decimal for files programs read (no $, no grouping)', () => {
  assert.equal(formatUsdDecimal(2_000 * 1e9), '2000.00');
  assert.equal(formatUsdDecimal(8_999_999_999_999_991), '8999999.999999991');
  assert.equal(formatUsdDecimal(1234), '0.000001234');
  assert.equal(formatUsdDecimal(-1_500_000_000), '-1.50', 'a negative amount stays a number');
  assert.equal(formatUsdDecimal(0), '0.00');
  assert.throws(() => formatUsdDecimal(0.5), RangeError);
});

void test('decimalToNano: balances of any currency, exactly, as bigint (strings and JSON numbers, negatives, beyond 2^53)', () => {
  assert.equal(decimalToNano('110.50'), 110_500_000_000n);
  assert.equal(decimalToNano(49.58894), 49_588_940_000n);
  assert.equal(decimalToNano(8.2), 8_200_000_000n); // 8.2 * 1e9 in floats is 8199999999.999999
  assert.equal(decimalToNano(-3.00001), -3_000_010_000n);
  assert.equal(decimalToNano('12345678901.123456789'), 12_345_678_901_123_456_789n);
  assert.equal(decimalToNano('0.0000000015'), 2n); // half-up beyond 9 decimals
  assert.equal(decimalToNano('-0.0000000015'), -2n); // away from zero
  assert.equal(decimalToNano(1e-9), 1n);
  for (const bad of ['', '1,50', 'NaN', '12abc', '.']) assert.throws(() => decimalToNano(bad), RangeError, bad);
  assert.throws(() => decimalToNano(Infinity), RangeError);
});

void test('nanoToNumber and formatNanoAmount render nano-units exactly', () => {
  assert.equal(nanoToNumber(12_345_679_000n), 12.345679);
  assert.equal(nanoToNumber(-1_250_000_000n), -1.25);
  assert.equal(formatNanoAmount(1_234_500_000_000n), '1,234.50');
  assert.equal(formatNanoAmount(-3_000_010_000n), '-3.00001');
  assert.equal(formatNanoAmount(0n), '0.00');
});
