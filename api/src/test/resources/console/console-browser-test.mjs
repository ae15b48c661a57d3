// Drives the console in headless Chromium (Debian's package) with playwright-core, against a running server.
// Env: BASE_URL, ADMIN_KEY, READ_KEY, PHOTO (a face JPEG), UPLOAD_VIDEO (a video to upload), SHOTS (screenshot folder),
// PLAYWRIGHT (playwright-core's folder).
// Prints "STEP <name> <ms>" as it goes and "AWAIT_REPLAY" when the alerts page is live, then waits for the
// test to replay a video; any failure exits non-zero with the reason.
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import { readFileSync } from 'node:fs';

const require = createRequire(import.meta.url);
const { chromium } = require(process.env.PLAYWRIGHT);
const base = process.env.BASE_URL;
const shots = process.env.SHOTS;
const started = Date.now();
const step = (name) => console.log(`STEP ${name} ${Date.now() - started}`);
const check = (ok, what) => { if (!ok) throw new Error(what); };

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run'],
});
try {
  const context = await browser.newContext({viewport: {width: 1280, height: 720}});
  const page = await context.newPage();
  page.on('pageerror', (e) => console.log(`PAGEERROR ${e.message}`));
  page.on('dialog', (dialog) => dialog.accept()); // the console's confirm() before a delete or a clear
  // Records the desktop notifications and chimes the console makes, still calling the browser's own API.
  await context.addInitScript(() => {
    window.__notes = [];
    window.__tones = 0;
    if (window.Notification) {
      const Native = window.Notification;
      window.Notification = class extends Native { constructor(title, options) { super(title, options); window.__notes.push(title); } };
      Object.defineProperty(window.Notification, 'permission', {get: () => Native.permission});
      window.Notification.requestPermission = (...a) => Native.requestPermission(...a);
    }
    const start = OscillatorNode.prototype.start;
    OscillatorNode.prototype.start = function (...a) { window.__tones++; return start.apply(this, a); };
  });

  // Unauthenticated: the console sends the browser to sign-in.
  await page.goto(`${base}/#/identities`);
  check(new URL(page.url()).pathname === '/signin', `unauthenticated / ended at ${page.url()}`);
  step('redirected-to-signin');

  // A wrong key shows the API's own message; the right one signs in.
  await page.fill('#api-key', 'not-a-key');
  await page.press('#api-key', 'Enter');
  await page.waitForSelector('#signin-error:not([hidden])');
  check((await page.textContent('#signin-error')) === 'Invalid API key.', 'the wrong key message');
  await page.screenshot({path: `${shots}/signin.png`});
  await page.fill('#api-key', process.env.ADMIN_KEY);
  const t0 = Date.now();
  await page.press('#api-key', 'Enter');
  await page.waitForSelector('body[data-ready="true"]');
  console.log(`FIRST_PAINT ${await page.evaluate(() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? -1)}`);
  console.log(`SIGNIN_TO_READY ${Date.now() - t0}`);
  const cookies = await context.cookies();
  const session = cookies.find((c) => c.name === 'facestream_session');
  check(session && session.httpOnly && session.sameSite === 'Strict', `session cookie ${JSON.stringify(session)}`);
  check(await page.evaluate(() => !document.cookie.includes('facestream_session')), 'the cookie is hidden from scripts');
  step('signed-in');

  // Keyboard: the skip link is the first stop and shows focus.
  await page.keyboard.press('Tab');
  check(await page.evaluate(() => document.activeElement.className === 'skip'), 'the skip link takes the first Tab');
  check(await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle !== 'none'), 'focus is visible');

  // Enrol a POI by uploading a photo.
  await page.goto(`${base}/#/people`);
  await page.waitForSelector('#poi-form');
  await page.setInputFiles('#poi-images', process.env.PHOTO);
  await page.selectOption('#poi-form select[name=severity]', 'high');
  await page.fill('#poi-form input[name=notes]', 'Browser test suspect');
  await page.click('#poi-form button[type=submit]');
  await page.waitForSelector('#poi-table tr[data-poi-id]', {timeout: 30000});
  const poiId = await page.getAttribute('#poi-table tr[data-poi-id]', 'data-poi-id');
  console.log(`POI ${poiId}`);
  await page.screenshot({path: `${shots}/people.png`, fullPage: true});
  step('poi-enrolled');

  // A write from the page without the CSRF header is refused, even same-origin with the cookie.
  const noCsrf = await page.evaluate(async () => (await fetch('/api/people', {method: 'POST',
    headers: {'Content-Type': 'application/json'}, body: '{"name":"no csrf"}'})).status);
  check(noCsrf === 403, `a cookie write without the CSRF header answered ${noCsrf}`);

  // The alerts feed: connected over the WebSocket; the test replays a video now.
  await page.goto(`${base}/#/alerts`);
  await page.waitForSelector('#alerts-state.online', {timeout: 10000});
  // opt in to a sound and a desktop notification (the browser grants the permission as a user would)
  await context.grantPermissions(['notifications'], {origin: base});
  await page.check('#alert-sound');
  await page.check('#alert-notify');
  await page.waitForFunction(() => localStorage.getItem('facestream.alerts.notify') === 'on');
  const before = await page.locator('#alert-feed li').count();
  console.log('AWAIT_REPLAY');
  const stdin = createInterface({input: process.stdin});
  await new Promise((resolve) => stdin.once('line', resolve));
  stdin.close(); // an open stdin would keep node from exiting
  await page.waitForSelector(`#alert-feed li:nth-child(${before + 1})`, {timeout: 60000});
  const poiShown = await page.textContent('#alert-feed li:first-child .alert-poi');
  check(poiShown === poiId, `the pushed alert names ${poiShown}, not ${poiId}`);
  check(await page.evaluate(() => performance.getEntriesByType('navigation').length) === 1, 'no reload');
  // the thumbnail comes through the cookie too (an <img> cannot send a header)
  const thumb = await page.getAttribute('#alert-feed li:first-child img', 'src');
  let thumbStatus = 0;
  for (let tries = 0; tries < 40 && thumbStatus !== 200; tries++) {
    // the track's picture is stored as its track closes, which may come after the alert
    if (tries) await page.waitForTimeout(500);
    thumbStatus = await page.evaluate(async (src) => (await fetch(src)).status, thumb);
  }
  console.log(`THUMBNAIL ${thumb} ${thumbStatus}`);
  check(thumbStatus === 200, `the alert's thumbnail ${thumb} answered ${thumbStatus}`);
  await page.waitForFunction(() => { const img = document.querySelector('#alert-feed li:first-child img'); return img.complete && img.naturalWidth > 0; }, null, {timeout: 15000});
  await page.screenshot({path: `${shots}/alerts.png`, fullPage: true});
  const notes = await page.evaluate(() => window.__notes);
  check(notes.includes(`Person of interest ${poiId}`), `desktop notifications: ${JSON.stringify(notes)}`);
  check(await page.evaluate(() => window.__tones) >= 2, 'the chime played');
  // the opt-ins are remembered by this browser
  await page.reload();
  await page.waitForSelector('#alerts-state.online', {timeout: 10000});
  check(await page.isChecked('#alert-sound') && await page.isChecked('#alert-notify'), 'opt-ins remembered after a reload');
  // Acknowledging is shared too: a second console open on the alerts sees it acknowledged live, without a reload.
  const other = await context.newPage();
  other.on('pageerror', (e) => console.log(`PAGEERROR ${e.message}`));
  await other.goto(`${base}/#/alerts`);
  await other.waitForSelector('#alerts-state.online', {timeout: 10000});
  const alertId = await page.getAttribute('#alert-feed li:first-child', 'data-alert-id');
  const item = (id) => `#alert-feed li[data-alert-id="${id}"]`;
  // by keyboard: the button is a Tab stop after the alert itself
  await page.focus(item(alertId));
  await page.keyboard.press('Tab');
  check(await page.evaluate(() => document.activeElement.className === 'ack'), 'Tab from an alert reaches its Acknowledge button');
  await page.keyboard.press('Enter');
  await page.waitForSelector(`${item(alertId)}.acknowledged .ack-by`, {timeout: 15000});
  const who = (await page.textContent('#who')).split(' (')[0];
  check((await page.textContent(`${item(alertId)} .ack-by`)) === who, `acknowledged by ${who}`);
  check(await page.evaluate(() => document.activeElement.closest('li')?.classList.contains('acknowledged')), 'focus stays on the alert');
  await other.waitForSelector(`${item(alertId)}.acknowledged .ack-by`, {timeout: 15000});
  check((await other.textContent(`${item(alertId)} .ack-by`)) === who, 'the other console shows who acknowledged it');
  check(await other.evaluate(() => performance.getEntriesByType('navigation').length) === 1, 'the other console did not reload');
  // the consoles drew it from the pushed event, which can come before the view has applied it on a loaded machine
  let listed = [];
  for (let tries = 0; tries < 30 && !listed.includes(alertId); tries++) {
    if (tries) await page.waitForTimeout(500);
    listed = await page.evaluate(async () => (await (await fetch('/api/v1/alerts?acknowledged=true')).json()).map((a) => a.alert_id));
  }
  check(listed.includes(alertId), `the server lists ${alertId} acknowledged: ${JSON.stringify(listed)}`);
  await page.screenshot({path: `${shots}/alerts-acknowledged.png`, fullPage: true});
  // the filter: unacknowledged alerts only, then acknowledged only
  await page.selectOption('#alerts-filter', 'false');
  await page.waitForFunction((sel) => !document.querySelector(sel), item(alertId), {timeout: 15000});
  await page.selectOption('#alerts-filter', 'true');
  await page.waitForSelector(`${item(alertId)}.acknowledged`, {timeout: 15000});
  await page.selectOption('#alerts-filter', '');
  // undone from the other console: this one shows it unacknowledged again
  await other.click(`${item(alertId)} button.unack`);
  await page.waitForSelector(`${item(alertId)}:not(.acknowledged) button.ack`, {timeout: 15000});
  await other.close();
  step('alert-acknowledged');
  // a read key's console draws no write button on the alerts
  const reader = await browser.newContext({viewport: {width: 1280, height: 720}});
  const readPage = await reader.newPage();
  readPage.on('pageerror', (e) => console.log(`PAGEERROR ${e.message}`));
  await readPage.goto(`${base}/signin`);
  await readPage.fill('#api-key', process.env.READ_KEY);
  await readPage.press('#api-key', 'Enter');
  await readPage.waitForSelector('body[data-ready="true"]');
  await readPage.waitForSelector(`main[data-page="alerts"] ${item(alertId)}`, {timeout: 15000});
  check(await readPage.locator('#alert-feed button').count() === 0, 'a read key sees no Acknowledge button');
  check(await readPage.locator('#alerts-clear').count() === 0, 'a read key sees no Clear button');
  // and the API refuses it anyway
  const refused = await readPage.evaluate(async (id) => {
    const token = (await (await fetch('/api/console/session')).json()).csrf_token; // with the token: refused for its scope
    return (await fetch(`/api/v1/alerts/${encodeURIComponent(id)}/ack`, {method: 'POST', headers: {'X-CSRF-Token': token}})).status;
  }, alertId);
  check(refused === 403, `a read session's acknowledgement answered ${refused}`);
  await reader.close();
  step('alert-read-only');
  // clearing is shared (seed 001's DELETE /alerts): the feed is empty, for a fresh load too
  await page.click('#alerts-clear');
  await page.waitForFunction(() => document.querySelectorAll('#alert-feed li').length === 0, null, {timeout: 30000});
  check((await page.evaluate(async () => (await (await fetch('/api/v1/alerts')).json()).length)) === 0, 'alerts cleared on the server');
  step('alert-pushed');

  // Rename an identity from the replay.
  await page.goto(`${base}/#/identities`);
  await page.waitForSelector('tr[data-identity-id] a.identity-name', {timeout: 30000});
  await page.screenshot({path: `${shots}/identities.png`, fullPage: true});
  await page.click('tr[data-identity-id] a.identity-name');
  await page.waitForSelector('#rename-form');
  await page.fill('#identity-name', 'Renamed In Browser');
  await page.click('#rename-form button[type=submit]');
  await page.waitForFunction(() => document.querySelector('#identity-title')?.textContent === 'Renamed In Browser', null, {timeout: 30000});
  await page.screenshot({path: `${shots}/identity.png`, fullPage: true});
  step('identity-renamed');

  // Merge by selection: the POI's identity and the stranger's from the same replay become one.
  await page.goto(`${base}/#/identities`);
  await page.waitForFunction(() => document.querySelectorAll('tr[data-identity-id]').length >= 2, null, {timeout: 30000});
  const rows = await page.locator('tr[data-identity-id]').count();
  await page.check('tr[data-identity-id]:nth-child(1) input[type=checkbox]');
  await page.check('tr[data-identity-id]:nth-child(2) input[type=checkbox]');
  await page.click('text=Merge selected');
  await page.waitForFunction((n) => document.querySelectorAll('tr[data-identity-id]').length === n - 1, rows, {timeout: 30000});
  step('identities-merged');

  // Analytics charts from /api/identities/analytics: the replay's camera has its bar.
  await page.waitForSelector('#chart-cameras svg rect');
  const cameraBars = await page.$$eval('#chart-cameras svg rect title', (ts) => ts.map((t) => t.textContent));
  check(cameraBars.some((t) => t.startsWith('console-cam: ')), `the per-camera chart: ${cameraBars}`);
  check(await page.$$eval('#chart-hours svg rect', (r) => r.length) === 24, 'the hourly chart has 24 columns');
  await page.screenshot({path: `${shots}/identities-analytics.png`, fullPage: true});

  // Split by ticked sightings: the merged identity gives its second sighting back to a new identity.
  await page.click('tr[data-identity-id] a.identity-name');
  await page.waitForSelector('#sightings');
  const sightingsBefore = await page.locator('#sightings tr[data-sighting-id]').count();
  check(sightingsBefore >= 2, `the merged identity has ${sightingsBefore} sightings`);
  await page.locator('#split-form button[type=submit]').click();
  check((await page.textContent('#error')).startsWith('Tick the sightings'), 'a split without ticks explains itself');
  await page.check('#sightings tr[data-sighting-id]:nth-child(2) input[type=checkbox]');
  await page.fill('#split-form input[name=new_name]', 'Split Off');
  await page.click('#split-form button[type=submit]');
  await page.waitForSelector('#identity-notice', {timeout: 30000});
  const splitNotice = await page.textContent('#identity-notice');
  check(splitNotice.startsWith('Moved 1 sighting'), `split notice: ${splitNotice}`);
  check(await page.locator('#sightings tr[data-sighting-id]').count() === sightingsBefore - 1, 'one sighting fewer after the split');
  await page.screenshot({path: `${shots}/identity-split.png`, fullPage: true});
  // an automatic split of an identity left with one sighting: the API's own refusal is shown
  if (sightingsBefore === 2) {
    await page.click('#split-auto');
    await page.waitForSelector('#error:not([hidden])');
    const autoError = await page.textContent('#error');
    check(autoError.startsWith('auto: ') || autoError.startsWith('sighting_ids: '), `auto split refusal: ${autoError}`);
  }
  step('identity-split');

  // "Not this person": a ticked face leaves the identity as negative feedback.
  const facesBefore = await page.locator('#identity-faces input[type=checkbox]').count();
  check(facesBefore >= 1, 'the identity shows its faces');
  await page.check('#identity-faces input[type=checkbox] >> nth=0');
  await page.click('#reject-faces');
  await page.waitForFunction(() => document.querySelector('#identity-notice')?.textContent.startsWith('1 face marked as not this person'), null, {timeout: 30000});
  check(await page.locator('#identity-faces input[type=checkbox]').count() === facesBefore - 1, 'the rejected face left the identity');
  step('face-rejected');

  // Search by photo: the POI's photo finds the POI (stage 1) and its appearances.
  await page.goto(`${base}/#/search`);
  await page.setInputFiles('#search-image', process.env.PHOTO);
  await page.click('#search-form button[type=submit]');
  await page.waitForSelector('#search-summary', {timeout: 30000});
  const summary = await page.textContent('#search-summary');
  check(summary.includes(`POI ${poiId}`), `search summary: ${summary}`);
  await page.screenshot({path: `${shots}/search.png`, fullPage: true});
  step('searched');

  // files: a photo is refused with the API's message; a video dropped on the form, sent by the keyboard, shows its
  // upload's progress, then its replay's row until completed
  await page.goto(`${base}/#/files`);
  await page.waitForSelector('#upload-form');
  await page.setInputFiles('#video-file', process.env.PHOTO);
  await page.click('#upload-submit');
  await page.waitForFunction(() => !document.getElementById('error').hidden);
  const photoRefused = await page.textContent('#error');
  check(photoRefused.startsWith('Not a video'), `a photo's upload: ${photoRefused}`);
  await page.evaluate(() => {
    window.__uploadStatuses = [];
    const status = document.getElementById('upload-status');
    new MutationObserver(() => window.__uploadStatuses.push(status.textContent)).observe(status, {childList: true, characterData: true, subtree: true});
  });
  const dropped = await page.evaluateHandle((b64) => {
    const transfer = new DataTransfer();
    transfer.items.add(new File([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], 'front door.mp4', {type: 'video/mp4'}));
    return transfer;
  }, readFileSync(process.env.UPLOAD_VIDEO).toString('base64'));
  await page.dispatchEvent('#upload-form .drop', 'drop', {dataTransfer: dropped});
  check(await page.evaluate(() => document.getElementById('video-file').files[0]?.name) === 'front door.mp4', 'the dropped video is chosen');
  await page.focus('#video-camera');
  await page.keyboard.type('console-upload-cam');
  await page.focus('#upload-submit');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.getElementById('upload-status').dataset.fileId);
  const uploadedId = await page.evaluate(() => document.getElementById('upload-status').dataset.fileId);
  const statuses = await page.evaluate(() => window.__uploadStatuses);
  check(statuses.some((t) => t.startsWith('Uploading:')) && statuses.some((t) => t.startsWith('Uploaded front door.mp4')),
    `the upload's progress was shown: ${JSON.stringify(statuses)}`);
  await page.waitForFunction((id) => {
    const row = document.querySelector(`#replays tr[data-file-id="${id}"]`);
    return row && row.textContent.includes('completed') && row.textContent.includes('100%');
  }, uploadedId, {timeout: 120000});
  check((await page.textContent(`#replays tr[data-file-id="${uploadedId}"]`)).includes('console-upload-cam'), 'the upload\'s camera is shown');
  step('video-uploaded');

  // Face groups: the replay's faces grouped; the threshold slider regroups (keyboard), a group is labelled, one
  // face deleted, and a group enrolled as a person.
  await page.goto(`${base}/#/face-groups`);
  await page.waitForSelector('#face-groups section.group', {timeout: 30000});
  await page.screenshot({path: `${shots}/face-groups.png`, fullPage: true});
  const samplesIn = async () => Number((await page.textContent('#groups-summary')).split(' ')[0]);
  const samplesBefore = await samplesIn();
  await page.focus('#group-settings input[name=min_size]');
  await page.keyboard.press('Shift+Tab'); // reached by keyboard, as an operator would
  check(await page.evaluate(() => document.activeElement.id === 'group-threshold'), 'Shift+Tab reaches the slider');
  check(await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle !== 'none'), 'the slider shows focus');
  await page.evaluate(() => { document.querySelector('#face-groups').dataset.old = 'yes'; }); // gone once regrouped
  await page.keyboard.press('ArrowRight');
  await page.waitForFunction(() => location.hash.includes('face_threshold=0.51'), null, {timeout: 10000});
  await page.waitForSelector('main[data-page="face-groups"] #face-groups:not([data-old])', {timeout: 30000});
  check(await page.textContent('#group-threshold-value') === '0.51', 'the regrouped page shows the new threshold');
  check(await samplesIn() === samplesBefore, 'regrouping keeps every face');
  const biggest = page.locator('#face-groups section.group').first();
  await biggest.locator('.group-label input').fill('Browser label');
  await biggest.locator('.group-label button').click();
  await page.waitForSelector('#groups-notice', {timeout: 30000});
  const labelled = await page.textContent('#groups-notice');
  check(/^Labelled \d+ faces "Browser label"/.test(labelled), `label notice: ${labelled}`);
  await page.waitForFunction(() => [...document.querySelectorAll('#face-groups .group .badge')].some((b) => b.textContent === 'Browser label'));
  // delete one face of the last group by ticking it
  const last = page.locator('#face-groups section.group').last();
  await last.locator('.member input').first().check();
  await last.locator('text=Delete selected faces').click();
  await page.waitForFunction(() => document.querySelector('#groups-notice')?.textContent === 'Deleted 1 faces.', null, {timeout: 30000});
  check(await samplesIn() === samplesBefore - 1, `one face fewer after the delete: ${await samplesIn()} of ${samplesBefore}`);
  // an empty selection with delete shows what to do instead of calling the API
  await page.locator('#face-groups section.group').first().locator('text=Delete selected faces').click();
  check((await page.textContent('#error')).startsWith('Select the faces to delete'), 'delete without a selection explains itself');
  await page.locator('#face-groups section.group').first().locator('.group-enrol input').fill('Group Person');
  await page.locator('#face-groups section.group').first().locator('.group-enrol button').click();
  await page.waitForFunction(() => document.querySelector('#groups-notice')?.textContent.startsWith('Enrolled Group Person with'), null, {timeout: 30000});
  const enrolled = await page.evaluate(async () => (await (await fetch('/api/people')).json()).map((p) => p.name));
  check(enrolled.includes('Group Person'), `the group became a person: ${enrolled}`);
  // an empty result says what to do next
  await page.goto(`${base}/#/face-groups?min_size=2000`);
  await page.waitForSelector('main[data-page="face-groups"] .empty');
  const none = await page.textContent('main .empty');
  check(none.startsWith('No group has 2000 or more faces: lower'), `face groups' empty state: ${none}`);
  step('face-groups');

  // Add a camera with the form: its URL comes back masked, and its tile's MJPEG stream (a "no signal" picture
  // until the first frame) draws through the cookie.
  await page.goto(`${base}/#/cameras`);
  await page.waitForSelector('#camera-form');
  step('cameras-page');
  await page.fill('#camera-form input[name=name]', 'Gate');
  // the browser checks the ranges itself; the server's refusals show its own message
  await page.fill('#camera-form input[name=rtsp_url]', 'ftp://127.0.0.1/gate');
  await page.click('#camera-form button[type=submit]');
  await page.waitForSelector('#error:not([hidden])');
  const urlError = await page.textContent('#error');
  step('camera-refused');
  check(urlError.includes('rtsp_url'), `a refused URL shows the API's message: ${urlError}`);
  await page.fill('#camera-form input[name=rtsp_url]', 'rtsp://viewer:s3cret@127.0.0.1:9/gate');
  await page.fill('#camera-form input[name=detect_conf]', '0.6');
  await page.click('#camera-form button[type=submit]');
  await page.waitForSelector('#camera-grid .tile', {timeout: 30000});
  const tileShown = Date.now();
  const shownUrl = await page.textContent('#camera-grid .tile .hint');
  check(shownUrl.includes('***@') && !shownUrl.includes('s3cret'), `the camera URL is masked: ${shownUrl}`);
  await page.waitForFunction(() => document.querySelector('#camera-grid .tile img').naturalWidth > 0, null, {timeout: 15000});
  // the idle camera's "no signal" part is drawn as it arrives (the server sends the next delimiter right after it)
  console.log(`IDLE_TILE_DRAWN ${Date.now() - tileShown}`);
  step('camera-added');

  // A live camera fed by a local RTSP stream, added with the form: its worker records an event for each presence.
  const liveId = process.env.LIVE_CAMERA_ID;
  await page.fill('#camera-form input[name=id]', liveId);
  await page.fill('#camera-form input[name=name]', 'Hall');
  await page.fill('#camera-form input[name=rtsp_url]', process.env.LIVE_RTSP_URL);
  await page.selectOption('#camera-form select[name=rtsp_transport]', 'udp');
  await page.fill('#camera-form input[name=detect_interval]', '0.2');
  await page.fill('#camera-form input[name=live_view_fps]', '2');
  await page.fill('#camera-form input[name=pre_seconds]', '1');
  await page.fill('#camera-form input[name=post_seconds]', '1');
  await page.click('#camera-form button[type=submit]');
  const liveTile = `#camera-grid .tile[data-camera-id="${liveId}"]`;
  await page.waitForSelector(liveTile, {timeout: 30000});
  const apiJson = (path) => page.evaluate(async (p) => (await fetch(p)).json(), path);
  const waitFor = async (what, test, seconds) => {
    for (const deadline = Date.now() + seconds * 1000; ; await page.waitForTimeout(1000)) {
      const value = await test();
      if (value) return value;
      if (Date.now() > deadline) throw new Error(`timed out after ${seconds} s waiting for ${what}`);
    }
  };
  await waitFor('the live camera online', async () => (await apiJson(`/api/cameras/${liveId}`)).status === 'online', 150);
  step('live-camera-online');
  // a manual recording from the tile: Record, 3 s, Stop; the tile links to the new event
  await page.click(`${liveTile} button.record`);
  await page.waitForSelector(`${liveTile} button.record[aria-pressed="true"]`);
  await page.waitForTimeout(3000);
  await page.click(`${liveTile} button.record`);
  await page.waitForSelector(`${liveTile} .recorded a`, {timeout: 60000});
  const recorded = await page.textContent(`${liveTile} .recorded`);
  check(/^Recorded \d+\.\d s: see it in Events$/.test(recorded), `the tile's note: ${recorded}`);
  check(await page.getAttribute(`${liveTile} button.record`, 'aria-pressed') === 'false', 'the button is Record again');
  step('manual-recorded');
  // live with sound: Chromium plays the camera's HLS stream itself (no library); stopping closes the server's session
  await page.click(`${liveTile} button.live-sound`);
  await page.waitForFunction((tile) => document.querySelector(`${tile} video.hls`)?.readyState >= 2, liveTile, {timeout: 45000});
  const hlsState = await page.$eval(`${liveTile} video.hls`, (v) => ({error: v.error && v.error.code, message: v.error && v.error.message,
    width: v.videoWidth, readyState: v.readyState, paused: v.paused, time: v.currentTime}));
  console.log(`HLS ${JSON.stringify(hlsState)}`);
  check(hlsState.error === null && hlsState.width > 0, `the HLS player shows the camera: ${JSON.stringify(hlsState)}`);
  await page.locator(liveTile).screenshot({path: `${shots}/camera-live-sound.png`});
  await page.click(`${liveTile} button.live-sound`);
  await page.waitForSelector(`${liveTile} button.live-sound[aria-pressed="false"]`); // once its close was answered
  check(await page.locator(`${liveTile} video.hls`).count() === 0, 'the HLS player is gone');
  const closed = await page.evaluate(async (id) => (await (await fetch(`/api/live/${id}/hls/close`)).json()).closed, liveId);
  check(closed === false, 'the HLS session was closed by the Stop button');
  step('live-sound');
  // the camera's first presence (the face walks through for 3 s of every 8)
  await waitFor('a presence event', async () => (await apiJson(`/api/events?camera_id=${liveId}&label=face`)).total >= 1, 120);
  step('presence-recorded');

  // Events page: both events listed with thumbnails, newest first.
  await page.click(`${liveTile} .recorded a`); // the tile's link: this camera's manual recordings
  await page.waitForSelector('main[data-page="events"] #events li.event');
  check(await page.inputValue('#event-filters select[name=label]') === 'manual', 'the tile\'s link filters on manual');
  check(await page.locator('#events li.event').count() === 1, 'one manual recording');
  check(await page.textContent('#events li.event .badge') === 'manual', 'labelled manual');
  await page.selectOption('#event-filters select[name=label]', '');
  await page.click('#event-filters button[type=submit]');
  await page.waitForFunction(() => !location.hash.includes('label=') && document.querySelectorAll('#events li.event').length >= 2, null, {timeout: 15000});
  await page.waitForFunction(() => [...document.querySelectorAll('#events li.event img')].every((i) => i.complete && i.naturalWidth > 0), null, {timeout: 15000});
  const eventsSummary = await page.textContent('#events-summary');
  check(/^\d+ events match$/.test(eventsSummary), `events summary: ${eventsSummary}`);
  await page.screenshot({path: `${shots}/events.png`, fullPage: true});
  // paging, one event a page: the next page holds the next older event (a second presence comes with the video's
  // next loop, 8 s on: on a loaded machine it may not be recorded yet)
  await waitFor('three events of the camera', async () => (await apiJson(`/api/events?camera_id=${liveId}`)).total >= 3, 60);
  await page.goto(`${base}/#/events?camera_id=${encodeURIComponent(liveId)}&limit=1`);
  await page.waitForSelector('main[data-page="events"] #events-range');
  const range = await page.textContent('#events-range');
  check(/^1–1 of ([3-9]|\d\d+)$/.test(range), `first page: ${range}`);
  const newest = await page.getAttribute('#events li.event', 'data-event-id');
  check(await page.isDisabled('#events-newer'), 'no newer page than the first');
  await page.click('#events-older');
  await page.waitForFunction(() => document.querySelector('#events-range')?.textContent.startsWith('2–2 of'), null, {timeout: 15000});
  check(await page.getAttribute('#events li.event', 'data-event-id') !== newest, 'the second page shows another event');
  check(await page.inputValue('#event-filters select[name=limit]') === '1', 'the page size stays');
  step('events-paged');
  // a time range that ends before the events: the empty state says what to do
  await page.fill('#event-filters input[name=to]', '2020-01-01T00:00');
  await page.click('#event-filters button[type=submit]');
  await page.waitForSelector('main[data-page="events"] .empty');
  check((await page.textContent('main .empty')).startsWith('No event matches these filters'), 'the filtered empty state');
  // a bad time in the address: the API's own message is shown
  await page.goto(`${base}/#/events?from=yesterday`);
  await page.waitForSelector('main[data-page="events"]');
  const badTime = await page.textContent('#error');
  check(badTime === 'from: must be an ISO 8601 time with an offset, e.g. 2026-01-31T08:00:00Z', `bad time: ${badTime}`);
  step('events-filtered');

  // The clip player, reached by keyboard: the clip plays through the cookie, and a seek is answered with a range.
  const clipStatuses = [];
  page.on('response', (r) => { if (r.url().includes('/clip')) clipStatuses.push(r.status()); });
  await page.goto(`${base}/#/events?camera_id=${encodeURIComponent(liveId)}&label=face`);
  await page.waitForSelector('main[data-page="events"] #events li.event button.play');
  await page.focus('#events-clear-all');
  await page.keyboard.press('Tab'); // from the last control above the list to the first event
  check(await page.evaluate(() => document.activeElement.matches('#events li.event button.play')), 'Tab reaches the first event');
  check(await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle !== 'none'), 'the play button shows focus');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#event-player video');
  check(await page.evaluate(() => document.activeElement.id === 'clip-player'), 'the player takes the focus');
  const played = await page.evaluate(() => new Promise((resolve, reject) => {
    const video = document.getElementById('clip-player');
    const timer = setTimeout(() => reject(new Error(`the clip did not play: readyState ${video.readyState}, error ${video.error && video.error.code}`)), 30000);
    const seek = () => {
      const target = video.duration / 2;
      video.addEventListener('seeked', () => {
        video.muted = true;
        video.play().catch(reject);
        const after = () => {
          if (video.currentTime > target + 0.2) {
            clearTimeout(timer);
            video.pause();
            resolve({duration: video.duration, target, at: video.currentTime, readyState: video.readyState, error: video.error && video.error.code});
          } else video.addEventListener('timeupdate', after, {once: true});
        };
        after();
      }, {once: true});
      video.currentTime = target;
    };
    video.addEventListener('error', () => reject(new Error(`the player failed: ${video.error && video.error.code}`)));
    if (video.readyState >= 1) seek(); else video.addEventListener('loadedmetadata', seek, {once: true});
  }));
  console.log(`CLIP_PLAYED ${JSON.stringify(played)} statuses ${clipStatuses.join(',')}`);
  check(played.duration > 2 && played.readyState >= 2 && played.error === null, `after the seek: ${JSON.stringify(played)}`);
  check(played.at > played.target && played.at < played.target + 10, `it played from the seek: ${JSON.stringify(played)}`);
  check(clipStatuses.includes(206), `the clip was read in ranges: ${clipStatuses}`);
  check(!(await page.isVisible('#player-error')), 'no player error');
  await page.screenshot({path: `${shots}/events-player.png`, fullPage: true});
  await page.keyboard.press('Escape');
  await page.waitForSelector('#event-player', {state: 'detached'});
  check(await page.evaluate(() => document.activeElement.classList.contains('play')), 'closing returns the focus to the event');
  step('clip-sought');

  // The identity seen at the camera lists the clip, and plays it.
  const presence = (await apiJson(`/api/events?camera_id=${liveId}&label=face&limit=1`)).items[0];
  await page.goto(`${base}/#/identities/${encodeURIComponent(presence.identity_id)}`);
  await page.waitForSelector(`#identity-events li.event[data-event-id="${presence.id}"]`, {timeout: 15000});
  await page.click(`#identity-events li.event[data-event-id="${presence.id}"] button.play`);
  await page.waitForFunction(() => document.getElementById('clip-player')?.readyState >= 2, null, {timeout: 30000});
  await page.screenshot({path: `${shots}/identity-events.png`, fullPage: true});
  step('identity-clips');
  // A face group of the camera's faces shows its clips.
  await page.goto(`${base}/#/face-groups`);
  await page.waitForSelector('main[data-page="face-groups"] #face-groups');
  const hallGroup = page.locator('#face-groups section.group', {hasText: liveId}).first();
  check(await hallGroup.count() === 1, `a group of the camera's faces: ${await page.$$eval('#face-groups section.group .hint', (hs) => hs.map((x) => x.textContent))}`);
  // a group's faces may all be of a presence still going on (its clip is cut once it ends): ask again until one is
  const clipsTitle = await waitFor('the group\'s clips', async () => {
    await hallGroup.locator('.group-clips').evaluate((slot) => slot.replaceChildren()); // the last answer goes
    await hallGroup.locator('.group-clips-button').click();
    await hallGroup.locator('.group-clips h3').waitFor({timeout: 15000});
    const title = await hallGroup.locator('.group-clips h3').textContent();
    return title.startsWith('0 ') ? null : title;
  }, 45);
  check(/^[1-9]\d* recorded clips? of these faces$/.test(clipsTitle), `group clips: ${clipsTitle} ${await page.textContent('#error')}`);
  check(await hallGroup.locator('.group-clips li.event').count() >= 1, 'the group\'s clips are listed');
  await hallGroup.screenshot({path: `${shots}/face-group-clips.png`});
  step('group-clips');

  // At a phone's width the events page does not scroll sideways.
  await page.setViewportSize({width: 390, height: 844});
  await page.goto(`${base}/#/events`);
  await page.waitForSelector('main[data-page="events"] #events li.event');
  check(await page.evaluate(() => document.documentElement.scrollWidth) <= 390, 'no horizontal scroll on events at phone width');
  await page.screenshot({path: `${shots}/events-phone.png`, fullPage: true});
  await page.setViewportSize({width: 1280, height: 720});

  // Deleting: one by its button, then ticked ones in bulk, then clear-all of the camera (stopped first, so no
  // new presence is recorded meanwhile).
  const count = async () => (await apiJson(`/api/events?camera_id=${liveId}`)).total;
  const eventsBefore = await count();
  await page.goto(`${base}/#/events?camera_id=${encodeURIComponent(liveId)}`);
  await page.waitForSelector('main[data-page="events"] #events li.event');
  const first = await page.getAttribute('#events li.event', 'data-event-id');
  await page.click('#events li.event .delete-event');
  await page.waitForSelector('#events-notice');
  check(await page.textContent('#events-notice') === 'Deleted 1 event.', 'single delete notice');
  check(await page.locator(`#events li.event[data-event-id="${first}"]`).count() === 0, 'the deleted event left the list');
  await page.click('#events-delete-selected');
  check((await page.textContent('#error')).startsWith('Tick the events'), 'a bulk delete without ticks explains itself');
  await page.waitForSelector('#events li.event input[type=checkbox]');
  await page.check('#events li.event input[type=checkbox] >> nth=0');
  await page.evaluate(() => { document.querySelector('#events-notice').dataset.seen = 'yes'; }); // gone once redrawn
  await page.click('#events-delete-selected');
  await page.waitForFunction(() => /^Deleted 1 event/.test(document.querySelector('#events-notice')?.textContent ?? '') && !document.querySelector('#events-notice').dataset.seen, null, {timeout: 15000});
  check(await count() <= eventsBefore - 1, `two events fewer (one may have been recorded meanwhile): ${eventsBefore} then ${await count()}`);
  const stopped = await page.evaluate(async (id) => {
    const {csrf_token: token} = await (await fetch('/api/console/session')).json();
    return (await fetch(`/api/cameras/${id}`, {method: 'PUT', headers: {'Content-Type': 'application/json', 'X-CSRF-Token': token},
      body: '{"enabled": false}'})).status;
  }, liveId);
  check(stopped === 200, `camera disabled: ${stopped}`);
  await page.waitForTimeout(3000); // a presence the stop ended is recorded within the camera's post_seconds
  const clearedAt = new Date().toISOString();
  await page.click('#events-refresh');
  await page.waitForSelector('#events-clear-all');
  check((await page.textContent('#events-clear-all')) === `Clear all of camera ${liveId}`, 'clear-all names its scope');
  await page.click('#events-clear-all');
  await page.waitForSelector('#events-notice');
  const cleared = await page.textContent('#events-notice');
  check(/^Cleared [1-9]\d* events?\.$/.test(cleared), `clear-all notice: ${cleared}`);
  check((await apiJson(`/api/events?camera_id=${liveId}&to=${clearedAt}`)).total === 0, 'every event of the camera is gone');
  step('events-deleted');

  for (const name of ['cameras', 'files', 'system']) {
    await page.goto(`${base}/#/${name}`);
    await page.waitForSelector(`main[data-page="${name}"]`);
    await page.screenshot({path: `${shots}/${name}.png`, fullPage: true});
  }
  // files: the replay of this test with its final progress, from the files view
  await page.goto(`${base}/#/files`);
  await page.waitForSelector('#replays tr[data-file-id^="console-"]');
  const replayRow = await page.textContent('#replays tr[data-file-id^="console-"]');
  check(replayRow.includes('completed') && replayRow.includes('100%') && replayRow.includes('40 of 40'), `the replay's row: ${replayRow}`);
  // system: the camera added above has its worker row, and the metrics summary its HTTP figures
  await page.goto(`${base}/#/system`);
  await page.waitForSelector('#workers tr[data-camera-id]');
  check((await page.textContent('#workers')).includes('Gate'), 'the camera\'s worker is listed');
  check((await page.textContent('#metrics')).includes('http.server.requests'), 'the metrics summary');
  check(!(await page.textContent('#system-facts')).includes('—'), `every system fact was read: ${await page.textContent('#system-facts')}`);
  await page.setViewportSize({width: 390, height: 844});
  for (const name of ['alerts', 'cameras', 'identities', 'face-groups', 'files', 'system']) {
    await page.goto(`${base}/#/${name}`);
    await page.waitForSelector(`main[data-page="${name}"]`);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    check(width <= 390, `no horizontal scroll at phone width on ${name}: ${width}px`);
    await page.screenshot({path: `${shots}/${name}-phone.png`, fullPage: true});
  }
  step('pages');

  // A forged cross-site POST: a page of another site (no CSP of ours) submits a form to the API; the browser
  // leaves the SameSite=Strict cookie out.
  const evil = await context.newPage();
  await evil.setContent(`<form method="post" enctype="text/plain" action="${base}/api/people">
    <input name='{"name":"forged","x":"' value='"}'></form>`);
  await Promise.all([evil.waitForURL(`${base}/api/people`), evil.evaluate(() => document.forms[0].submit())]);
  const forged = await evil.textContent('body');
  check(forged.includes('Authentication required.'), `the forged POST answered ${forged}`);
  const people = await page.evaluate(async () => (await (await fetch('/api/people')).json()).map((p) => p.name));
  check(!people.includes('forged'), 'nothing was created by the forged POST');
  step('forged-post-refused');

  // Sign out: the cookie is gone and the console sends the browser back to sign-in.
  await page.click('#signout');
  await page.waitForURL(`${base}/signin`);
  await page.goto(`${base}/`);
  check(new URL(page.url()).pathname === '/signin', 'signed out');
  step('signed-out');
} finally {
  await browser.close();
}
