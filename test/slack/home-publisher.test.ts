// App Home's publisher (src/adapters/slack/home.ts) with its limits made small, a Web API client
// talking to the fake Slack, and views built from real services: refreshes of one person are
// coalesced into one per window and carry the latest state; the workspace budget holds publishes
// back until a token is there; a refresh that changes nothing is not sent; stop() drops waiting
// refreshes. Time for the limits is a number the test sets, and the publisher's timers fire when
// the test says so (fire()): no sleeps, no real-time windows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import bolt from '@slack/bolt';
import { HomePublisher, type HomeLimits } from '../../src/adapters/slack/home.js';
import { homeView, type HomeView } from '../../src/adapters/slack/home-view.js';
import { homeData } from '../../src/features/home/home-data.js';
import { startFakeSlack, type FakeSlack } from '../support/fake-slack.js';
import { makeServices } from '../support/services.js';
import type { TestContext } from 'node:test';

async function rig(t: TestContext, limits: Partial<HomeLimits>) {
  const slack: FakeSlack = await startFakeSlack(t);
  const fixture = makeServices({ timezone: 'UTC' }, { owner: t });
  const { services } = fixture;
  const client = new bolt.webApi.WebClient('xoxb-test-token', { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } });
  const time = { ms: 1_000_000 };
  const timers: Array<{ fn: () => void; ms: number; cancelled: boolean }> = [];
  /** Runs the timers set so far (those not cancelled); returns how many ran. */
  const fire = (): number => {
    const due = timers.splice(0).filter((x) => !x.cancelled);
    due.forEach((x) => x.fn());
    return due.length;
  };
  let builds = 0;
  const home = new HomePublisher({
    views: { publish: (args) => client.views.publish(args) },
    build: async (user): Promise<HomeView> => {
      builds++;
      return homeView(await homeData(services, { id: user, local: false }, services.clock()));
    },
    audienceOf: () => 'everyone',
    log: pino({ level: 'silent' }),
    limits: { periodicMs: 0, recentViewerMs: 60_000, ...limits },
    now: () => time.ms,
    timer: (fn, ms) => {
      const entry = { fn, ms, cancelled: false };
      timers.push(entry);
      return { cancel: () => (entry.cancelled = true) };
    },
  });
  t.after(() => home.stop());
  let n = 0;
  const alert = (title: string) => services.store.alerts.record([{ key: `test:${++n}`, kind: 'budget', channel: 'C0ALERTS', text: title, reply: { kind: 'result', title } }], services.clock());
  const published = (user?: string) => slack.calls.filter((c) => c.method === 'views.publish' && (!user || c.body.user_id === user));
  const alertsShown = (user: string) => JSON.stringify(slack.homeViews.get(user)?.blocks.find((b) => (b as { block_id?: string }).block_id === 'home.alerts'));
  const waiting = () => timers.filter((x) => !x.cancelled);
  return { home, time, fire, waiting, alert, published, alertsShown, builds: () => builds };
}

test('ten changes in a burst: one refresh at once, one at the end of the window with the latest state, nothing else', async (t) => {
  const { home, fire, waiting, alert, published, alertsShown } = await rig(t, { perUserMs: 60_000 });
  await home.opened('U0ANA');
  assert.equal(published().length, 1);
  await alert('Alert 1');
  home.changed('test');
  await home.idle();
  assert.equal(published().length, 2, 'the first refresh goes at once (opens do not count against the window)');
  for (let i = 2; i <= 10; i++) {
    await alert(`Alert ${i}`);
    home.changed('test');
  }
  await home.idle();
  assert.equal(published().length, 2, 'nothing more inside the window');
  assert.deepEqual(waiting().map((x) => x.ms), [60_000], 'one refresh waits for the window\'s end');
  assert.equal(fire(), 1);
  await home.idle();
  assert.equal(published().length, 3, 'the open, the first refresh, one coalesced refresh');
  assert.match(alertsShown('U0ANA'), /Alert 10/, 'the last refresh shows the latest change');
});

test('a change that leaves the view as it was publishes nothing; an open soon after an identical one publishes nothing either', async (t) => {
  const { home, published, builds } = await rig(t, { perUserMs: 60_000 });
  await home.opened('U0ANA');
  home.changed('test');
  await home.idle();
  assert.equal(published().length, 1);
  await home.opened('U0ANA');
  assert.equal(published().length, 1, 'the same content was sent less than a window ago');
  assert.ok(builds() >= 1);
});

test('the workspace budget holds publishes back until a token is there, then sends them', async (t) => {
  // 60 a minute: one token a second, a burst of 60. Three people opening with 2 tokens left.
  const { home, time, fire, waiting, published } = await rig(t, { perMinute: 60 });
  for (let i = 0; i < 58; i++) await home.opened(`U0P${i}`);
  assert.equal(published().length, 58);
  await home.opened('U0ANA');
  await home.opened('U0BEN');
  await home.opened('U0CAT');
  assert.deepEqual(published().slice(58).map((c) => c.body.user_id), ['U0ANA', 'U0BEN'], 'the bucket is empty');
  assert.deepEqual(waiting().map((x) => x.ms), [1000], 'U0CAT waits a token\'s time');
  time.ms += 1000;
  fire();
  await home.idle();
  assert.deepEqual(published().slice(58).map((c) => c.body.user_id), ['U0ANA', 'U0BEN', 'U0CAT']);
});

test('stop() drops the refreshes still waiting: nothing is published after it', async (t) => {
  const { home, fire, waiting, alert, published } = await rig(t, { perUserMs: 60_000 });
  await home.opened('U0ANA');
  await alert('First');
  home.changed('test');
  await home.idle();
  await alert('Second');
  home.changed('test');
  assert.equal(waiting().length, 1);
  home.stop();
  assert.equal(waiting().length, 0, 'its timer is cancelled');
  assert.equal(fire(), 0);
  await home.idle();
  home.changed('after stop');
  await home.opened('U0ANA');
  assert.equal(published().length, 2, 'the open and the first refresh; the second waited for the window and was dropped');
});
