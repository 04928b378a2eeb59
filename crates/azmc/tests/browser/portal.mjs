// The portal in real headless Chromium (Debian's /usr/bin/chromium) driven by
// playwright-core. Run by crates/azmc/tests/it/portal_browser.rs, which talks to this
// script over stdin/stdout between the browser steps and the API calls it makes itself:
//   -> "DOWNLOADED <file name>"   <- the thumbprint of the downloaded certificate (or FAIL)
//   -> "DELETED"                  <- "ok" (or FAIL)
//   -> "DONE"
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

  // Upload a .cer to one subscription and see it listed.
  await page.getByRole('link', { name: 'Management certificates' }).click();
  await page.getByRole('link', { name: /Upload a management certificate/ }).click();
  await page.setInputFiles('#certificate', env('CER_FILE'));
  await page.check(`input[name=subscription][value="${env('KEEP_SUB')}"]`);
  await page.getByRole('button', { name: 'Upload' }).click();
  await page.waitForURL(/\/certificates\?done=uploaded$/);
  check((await page.textContent('main')).includes(env('CER_THUMBPRINT')), 'the uploaded certificate is listed');

  // Publish settings: both subscriptions pre-selected; keep one; press the button.
  await page.getByRole('link', { name: 'Publish settings' }).click();
  const boxes = page.locator('input[name=subscription]');
  check((await boxes.count()) === 2, 'two subscriptions offered');
  for (let i = 0; i < 2; i++) check(await boxes.nth(i).isChecked(), 'every subscription pre-selected');
  await page.uncheck(`input[name=subscription][value="${env('DROP_SUB')}"]`);
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Download publish settings' }).click(),
  ]);
  check(/-credentials\.publishsettings$/.test(download.suggestedFilename()), 'file name ' + download.suggestedFilename());
  await download.saveAs(env('DOWNLOAD_TO'));
  const thumbprint = await ask('DOWNLOADED ' + download.suggestedFilename());

  // Delete that certificate (confirmation page), see it gone.
  await page.goto(base + '/certificates');
  await page.getByRole('link', { name: `Delete ${thumbprint} from all your subscriptions` }).click();
  await page.getByRole('button', { name: 'Delete' }).click();
  await page.waitForURL(/\/certificates\?done=deleted$/);
  check(!(await page.textContent('main')).includes(thumbprint), 'the deleted certificate is gone');
  await ask('DELETED');

  // Sign out: the portal is closed again.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL(/\/signin$/);
  await page.goto(base + '/certificates');
  check(path(page) === '/signin', 'signed out');
  console.log('DONE');
} catch (e) {
  await page.screenshot({ path: env('SCREENSHOT'), fullPage: true }).catch(() => {});
  console.error('browser test failed: ' + ((e && e.stack) || e));
  process.exitCode = 1;
} finally {
  await browser.close();
  rl.close();
}
