// The portal in real headless Chromium (Debian's /usr/bin/chromium) driven by
// playwright-core. Run by crates/azmc/tests/it/portal_browser.rs, which talks to this
// script over stdin/stdout between the browser steps and the API calls it makes itself:
//   -> "DOWNLOADED <file name>"   <- the thumbprint of the downloaded certificate (or FAIL)
//   -> "DELETED"                  <- "ok" (or FAIL)
//   -> "DONE"
// Then every page, signed in and out, at 1280 and 390 pixels wide: no sideways scroll,
// the navigation there with the current page marked, a screenshot of each in
// $SCREENSHOT_DIR (<page>-<width>.png).
// On any failure a full-page screenshot goes to $SCREENSHOT and the exit status is 1.
import { createRequire } from 'node:module';
import readline from 'node:readline';

const require = createRequire(import.meta.url);
const env = (k) => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} is not set`);
  return v;
};
const { chromium } = require(env('PLAYWRIGHT_CORE'));
const rl = readline.createInterface({ input: process.stdin });
const lines = rl[Symbol.asyncIterator]();
async function ask(message) {
  console.log(message);
  const { value, done } = await lines.next();
  if (done) throw new Error('the test closed stdin');
  if (value.trim() === 'FAIL') throw new Error(`the test failed after "${message}"`);
  return value.trim();
}
function check(ok, what) {
  if (!ok) throw new Error(what);
}
const path = (page) => new URL(page.url()).pathname;

const base = env('PORTAL_URL');

// Each page of `pages` ([name, path, the navigation entry marked current or null, the
// status if not 200]) at
// 1280 and 390 pixels: no sideways scroll, the navigation there and right, a screenshot.
async function layout(pages) {
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: width > 800 ? 900 : 844 });
    for (const [name, at, current, status] of pages) {
      const r = await page.goto(base + at);
      check(r.status() === (status || 200), `${name}: status ${r.status()}`);
      await page.screenshot({ path: `${env('SCREENSHOT_DIR')}/${name}-${width}.png`, fullPage: true });
      const { scroll, client } = await page.evaluate(() => ({
        scroll: document.documentElement.scrollWidth,
        client: document.documentElement.clientWidth,
      }));
      check(scroll <= client, `${name} at ${width}px scrolls sideways: ${scroll} > ${client}`);
      check((await page.locator('nav[aria-label=Main] a').count()) >= 2, `${name}: navigation present`);
      const marked = await page.locator('nav[aria-label=Main] a[aria-current=page]').evaluateAll((a) => a.map((x) => x.getAttribute('href')));
      if (current) check(marked.length === 1 && marked[0] === current, `${name}: current page marked: ${marked}`);
      else check(marked.length <= 1, `${name}: at most one current page: ${marked}`);
      // The header band spans the page.
      const band = await page.evaluate(() => document.querySelector('header').getBoundingClientRect().width);
      check(band >= client - 1, `${name} at ${width}px: header ${band} < ${client}`);
    }
  }
}
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});
const context = await browser.newContext({ ignoreHTTPSErrors: true, acceptDownloads: true });
const page = await context.newPage();
page.setDefaultTimeout(20000);
try {
  // Sign in (the portal sends us there first).
  await page.goto(base + '/subscriptions');
  check(path(page) === '/signin', 'not sent to the sign-in page: ' + page.url());
  await page.getByLabel('Username').fill(env('AZMC_USER'));
  await page.getByLabel('Password').fill(env('AZMC_PASSWORD'));
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/subscriptions$/);
  const subs = await page.textContent('main');
  check(subs.includes(env('KEEP_SUB')) && subs.includes(env('DROP_SUB')), 'both subscriptions listed');
  check(subs.includes(env('RETIRED_SUB')) && (await page.locator('.badge.disabled').count()) >= 1, 'the disabled subscription marked');

  // Upload a .cer to one subscription and see it listed.
  await page.getByRole('link', { name: 'Management certificates' }).click();
  await page.getByRole('link', { name: /Upload a management certificate/ }).click();
  await page.setInputFiles('#certificate', env('CER_FILE'));
  await page.check(`input[name=subscription][value="${env('KEEP_SUB')}"]`);
  await page.getByRole('button', { name: 'Upload' }).click();
  await page.waitForURL(/\/certificates\?done=uploaded$/);
  const listed = await page.textContent('main');
  check(listed.includes(env('CER_THUMBPRINT')), 'the uploaded certificate is listed');
  check(listed.includes('Certificate CN=Browser upload (') && listed.includes('uploaded to Keep.'), 'the message names what changed: ' + listed);
  // The same-origin script ran (the CSP allows it): long identifiers got copy buttons.
  check((await page.locator('button.copy').count()) >= 1, 'copy buttons');

  // A refused upload comes back on the same form, the error at the field, the
  // navigation there.
  await page.getByRole('link', { name: /Upload a management certificate/ }).click();
  await page.setInputFiles('#certificate', env('CER_FILE'));
  for (const box of await page.locator('input[name=subscription]').all()) await box.uncheck();
  await page.getByRole('button', { name: 'Upload' }).click();
  await page.waitForLoadState();
  check(path(page) === '/certificates/upload', 'still on the upload form: ' + page.url());
  check((await page.textContent('#subscriptions-error')).includes('Choose at least one subscription.'), 'the error at the subscriptions');
  check((await page.getAttribute('nav[aria-label=Main] a[aria-current=page]', 'href')) === '/certificates', 'navigation kept');

  // Publish settings: both subscriptions pre-selected; keep one; press the button.
  await page.getByRole('link', { name: 'Publish settings' }).click();
  const boxes = page.locator('input[name=subscription]');
  check((await boxes.count()) === 3, 'three subscriptions offered (not the disabled one)');
  for (let i = 0; i < 3; i++) check(await boxes.nth(i).isChecked(), 'every subscription pre-selected');
  await page.uncheck(`input[name=subscription][value="${env('DROP_SUB')}"]`);
  await page.uncheck(`input[name=subscription][value="${env('LONG_SUB')}"]`);
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Download publish settings' }).click(),
  ]);
  check(/-credentials\.publishsettings$/.test(download.suggestedFilename()), 'file name ' + download.suggestedFilename());
  await download.saveAs(env('DOWNLOAD_TO'));
  const thumbprint = await ask('DOWNLOADED ' + download.suggestedFilename());
  // The page (its script) shows what was made, with a way to revoke it.
  await page.waitForURL(/\/publishsettings\?issued=1$/);
  const made = await page.textContent('main');
  check(made.includes('Your latest publish settings') && made.includes(thumbprint), 'the new certificate shown: ' + made);
  check((await page.getByRole('link', { name: /Revoke this certificate/ }).count()) === 1, 'a revoke link');

  // Issue #17's bug: every subscription ticked (the default), one of them with a
  // 51-character name: the file still comes.
  await page.goto(base + '/publishsettings');
  for (let i = 0; i < 3; i++) check(await boxes.nth(i).isChecked(), 'every subscription pre-selected again');
  const [all] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Download publish settings' }).click(),
  ]);
  check(/-credentials\.publishsettings$/.test(all.suggestedFilename()), 'all ticked: file name ' + all.suggestedFilename());
  check((await all.failure()) === null, 'all ticked: the download completed');
  await page.waitForURL(/\/publishsettings\?issued=1$/);

  // Delete the first certificate (confirmation page), see it gone.
  await page.goto(base + '/certificates');
  check((await page.getByRole('link', { name: `Delete ${thumbprint} from all your subscriptions` }).count()) === 0,
    'no "from all" for a certificate in one subscription');
  await page.getByRole('link', { name: `Delete ${thumbprint} from Keep` }).click();
  await page.getByRole('button', { name: 'Delete' }).click();
  await page.waitForURL(/\/certificates\?done=deleted$/);
  const after = await page.textContent('main');
  check(!after.includes(thumbprint), 'the deleted certificate is gone');
  check(after.includes('deleted from Keep.'), 'the message names the subscription: ' + after);
  await ask('DELETED');

  // Every page at a laptop's and a phone's width.
  const pages = [
    ['subscriptions', '/subscriptions', '/subscriptions'],
    ['subscription', '/subscriptions/' + env('KEEP_SUB'), '/subscriptions'],
    ['certificates', '/certificates', '/certificates'],
    ['upload', '/certificates/upload', '/certificates'],
    ['publishsettings', '/publishsettings', '/publishsettings'],
    ['resources', '/resources', '/resources'],
    ['operations', '/operations', '/operations'],
    ['operations-filtered', '/operations?range=24h&status=Succeeded', '/operations'],
    ['password', '/account/password', '/account/password'],
    ['trust', '/ca', null],
    ['delete', `/certificates/${env('CER_THUMBPRINT')}/delete?subscription=${env('KEEP_SUB')}`, '/certificates'],
    ['coadmin-remove', `/subscriptions/${env('KEEP_SUB')}/coadmins/remove?username=sam`, '/subscriptions'],
    ['not-found', '/no/such/page', null, 404],
    ['operations-error', '/operations?from=yesterday&status=Failed', '/operations', 400],
  ];
  await layout(pages);
  // The refused filter stays on its form, at its field, with what was typed.
  check((await page.textContent('#f-from-error')).includes('From: give a time'), 'the From error at its field');
  check((await page.inputValue('#f-from')) === 'yesterday', 'the typed value kept');
  check((await page.inputValue('#f-status')) === 'Failed', 'the chosen status kept');

  // Sign out: the portal is closed again.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL(/\/signin$/);
  await page.goto(base + '/certificates');
  check(path(page) === '/signin', 'signed out');
  await layout([
    ['signin', '/signin', '/signin'],
    ['trust-signed-out', '/ca', '/ca'],
  ]);
  console.log('DONE');
} catch (e) {
  await page.screenshot({ path: env('SCREENSHOT'), fullPage: true }).catch(() => {});
  console.error('browser test failed: ' + ((e && e.stack) || e));
  process.exitCode = 1;
} finally {
  await browser.close();
  rl.close();
}
