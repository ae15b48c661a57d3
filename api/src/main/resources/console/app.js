// The console: one ES module, no build step. It only calls the HTTP API; the session cookie authenticates
// reads, media and the alerts WebSocket, and every write carries the session's CSRF token.
const main = document.getElementById('main');
const errorBox = document.getElementById('error');
let csrfToken = null;

/** Builds an element; strings become text nodes (never HTML), so API data cannot inject markup. */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else el.setAttribute(key, value === true ? '' : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

function showError(message) {
  errorBox.textContent = message;
  errorBox.hidden = !message;
}

/** The API's own message from an error body, whichever seed's shape it has. */
function messageOf(body, status) {
  if (body) {
    if (typeof body.detail === 'string') return body.detail;
    if (Array.isArray(body.detail)) return body.detail.map((d) => d.msg || JSON.stringify(d)).join('; ');
    if (typeof body.error === 'string') return body.error;
    if (body.error && body.error.message) return body.error.message;
    if (body.message) return body.message;
  }
  return `The server answered ${status}.`;
}

async function api(path, {method = 'GET', json, form} = {}) {
  const headers = {};
  let body;
  if (json !== undefined) { headers['Content-Type'] = 'application/json'; body = JSON.stringify(json); }
  if (form) body = form;
  if (method !== 'GET') headers['X-CSRF-Token'] = csrfToken;
  const response = await fetch(path, {method, headers, body, credentials: 'same-origin'});
  if (response.status === 401) { location.assign('/signin'); throw new Error('Signed out.'); }
  const text = await response.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = text; }
  if (!response.ok) throw new Error(messageOf(data, response.status));
  return data;
}

/** Runs an action, showing the API's message on failure. */
async function attempt(action) {
  showError('');
  try { return await action(); } catch (e) { showError(e.message); return undefined; }
}

/** Replaces the page's content; absent parts (null, false) are left out rather than drawn as text. */
const show = (...nodes) => main.replaceChildren(...nodes.flat().filter((n) => n !== null && n !== undefined && n !== false));
const when = (t) => (t ? new Date(t).toLocaleString() : '—');
const badge = (status) => h('span', {class: `badge ${String(status).toLowerCase()}`}, status);
const empty = (...text) => h('div', {class: 'empty'}, ...text);

/** An alert can arrive before its track's picture is stored: try again a few times, a second apart. */
function retryImage(event) {
  const img = event.target;
  const tries = Number(img.dataset.tries || 0);
  if (tries >= 10) return;
  img.dataset.tries = tries + 1;
  const url = new URL(img.src);
  url.searchParams.set('retry', tries + 1); // a new URL, so the browser asks again
  setTimeout(() => { img.src = url.href; }, 1000);
}

// ---- alerts ----------------------------------------------------------------------------------------------
let alertSocket = null;

/** Whether this session may write (an admin key); a read key's console shows no write buttons. */
let canWrite = true;

/** Alerts on the page by id, with their li, so a pushed acknowledgement redraws the one it is about. */
const alertsShown = new Map();
/** The alerts page's filter: null (all), true (acknowledged only) or false (unacknowledged only). */
let alertFilter = null;

function alertItem(alert) {
  const match = alert.match || {};
  const ackPath = `/api/v1/alerts/${encodeURIComponent(alert.alert_id)}/ack`;
  const acknowledge = async (method) => {
    const updated = await attempt(() => api(ackPath, {method, json: method === 'POST' ? {} : undefined}));
    if (updated) showAlert(updated);
  };
  const ack = alert.acknowledged
    ? h('p', {class: 'ack-state'}, h('span', {class: 'badge acknowledged'}, 'Acknowledged'), ' by ',
      h('span', {class: 'ack-by'}, alert.acknowledged_by), ' ', h('time', {datetime: alert.acknowledged_at}, when(alert.acknowledged_at)),
      alert.acknowledgement_note ? h('span', {class: 'ack-note'}, ` · ${alert.acknowledgement_note}`) : null,
      canWrite ? [' ', h('button', {type: 'button', class: 'secondary unack', onclick: () => acknowledge('DELETE')}, 'Undo')] : null)
    : (canWrite ? h('button', {type: 'button', class: 'ack', 'aria-label': `Acknowledge the alert for ${alert.poi_id}`,
      onclick: () => acknowledge('POST')}, 'Acknowledge') : null);
  return h('li', {dataset: {alertId: alert.alert_id}, tabindex: 0, class: alert.acknowledged ? 'acknowledged' : null},
    match.thumbnail_path ? h('img', {src: match.thumbnail_path, alt: `Face of POI ${alert.poi_id}`, onerror: retryImage}) : null,
    h('div', {},
      h('strong', {class: 'alert-poi'}, alert.poi_id), ' ', badge(alert.severity), h('br'),
      'camera ', h('span', {class: 'alert-camera'}, match.camera_id), ' · similarity ',
      (match.similarity_score ?? 0).toFixed(2), h('br'), h('time', {datetime: alert.timestamp}, when(alert.timestamp)), ack));
}

/** Draws an alert where it is (or leaves it out when the filter no longer shows it). */
function showAlert(alert) {
  const old = alertsShown.get(alert.alert_id);
  if (!old) return;
  const wanted = alertFilter === null || alertFilter === Boolean(alert.acknowledged);
  if (!wanted) { old.li.remove(); alertsShown.delete(alert.alert_id); return; }
  const li = alertItem(alert);
  const focused = old.li.contains(document.activeElement);
  old.li.replaceWith(li);
  alertsShown.set(alert.alert_id, {alert, li});
  if (focused) li.focus(); // the button the operator pressed is gone: keep their place in the list
}

/** The operator's opt-ins, remembered per browser: they are this browser's preferences, not shared state. */
const alertPrefs = {
  get: (name) => localStorage.getItem(`facestream.alerts.${name}`) === 'on',
  set: (name, on) => (on ? localStorage.setItem(`facestream.alerts.${name}`, 'on') : localStorage.removeItem(`facestream.alerts.${name}`)),
};
let audio = null;

/** A short two-tone chime made by the Web Audio API (no sound file to fetch). */
function chime() {
  audio = audio || new AudioContext();
  if (audio.state === 'suspended') audio.resume(); // allowed once the page has had a click or key press
  const now = audio.currentTime;
  [880, 660].forEach((frequency, n) => {
    const tone = audio.createOscillator();
    const gain = audio.createGain();
    tone.frequency.value = frequency;
    gain.gain.setValueAtTime(0.2, now + n * 0.18);
    gain.gain.exponentialRampToValueAtTime(0.001, now + n * 0.18 + 0.16);
    tone.connect(gain).connect(audio.destination);
    tone.start(now + n * 0.18);
    tone.stop(now + n * 0.18 + 0.17);
  });
}

function announce(alert) {
  const match = alert.match || {};
  if (alertPrefs.get('sound')) chime();
  if (alertPrefs.get('notify') && 'Notification' in window && Notification.permission === 'granted') {
    try {
      const note = new Notification(`Person of interest ${alert.poi_id}`, {tag: alert.alert_id,
        body: `${alert.severity} · camera ${match.camera_id} · similarity ${(match.similarity_score ?? 0).toFixed(2)}`});
      note.onclick = () => { window.focus(); note.close(); };
    } catch (e) { // a phone's browser may allow notifications only from a service worker
      showError(`This browser would not show a desktop notification: ${e.message}`);
    }
  }
}

// A browser starts sound only after the page had a click or key press: after a reload, the first one unlocks it.
for (const type of ['pointerdown', 'keydown']) {
  document.addEventListener(type, () => { if (alertPrefs.get('sound')) { audio = audio || new AudioContext(); audio.resume(); } }, {once: true});
}

function alertOptIns() {
  const sound = h('input', {type: 'checkbox', id: 'alert-sound', checked: alertPrefs.get('sound')});
  sound.addEventListener('change', () => {
    alertPrefs.set('sound', sound.checked);
    if (sound.checked) { audio = audio || new AudioContext(); audio.resume(); } // this click unlocks the sound
  });
  const notify = h('input', {type: 'checkbox', id: 'alert-notify',
    checked: alertPrefs.get('notify') && 'Notification' in window && Notification.permission === 'granted'});
  notify.addEventListener('change', async () => {
    if (!notify.checked) return alertPrefs.set('notify', false);
    if (!('Notification' in window)) {
      notify.checked = false;
      return showError('This browser has no desktop notifications.');
    }
    const permission = await Notification.requestPermission();
    if (permission !== 'granted') {
      notify.checked = false;
      alertPrefs.set('notify', false);
      return showError('Desktop notifications are blocked for this site: allow them in the browser\'s site settings, then tick again.');
    }
    alertPrefs.set('notify', true);
  });
  return h('fieldset', {class: 'row opt-ins'}, h('legend', {}, 'On a new alert (this browser only)'),
    h('label', {}, sound, ' play a sound'), h('label', {}, notify, ' show a desktop notification'));
}

async function alertsPage() {
  const list = h('ul', {class: 'feed', id: 'alert-feed', 'aria-live': 'polite'});
  const state = h('span', {id: 'alerts-state', class: 'badge'}, 'connecting');
  const none = empty('No alerts yet. Enrol a person of interest under ', h('a', {href: '#/people'}, 'People & POIs'),
    ' and add a camera under ', h('a', {href: '#/cameras'}, 'Cameras'), '; alerts appear here as they happen.');
  // seed 001's clear is the shared way to dismiss alerts: it empties the recent list for every operator
  const clear = canWrite ? h('button', {type: 'button', class: 'secondary', id: 'alerts-clear', onclick: async () => {
    if (!confirm('Clear every recent alert, for every operator?')) return;
    if ((await attempt(() => api('/api/v1/alerts', {method: 'DELETE'}))) !== undefined) { list.replaceChildren(); alertsShown.clear(); none.hidden = false; }
  }}, 'Clear all alerts') : null;
  const filter = h('select', {id: 'alerts-filter', onchange: () => load()},
    h('option', {value: ''}, 'all'), h('option', {value: 'false'}, 'unacknowledged'), h('option', {value: 'true'}, 'acknowledged'));
  main.replaceChildren(h('h1', {}, 'Alerts'), h('div', {class: 'row'}, 'Live feed: ', state, clear,
    h('label', {}, 'Show ', filter)), alertOptIns(), none, list);
  const add = (alert, first) => {
    const li = alertItem(alert);
    alertsShown.set(alert.alert_id, {alert, li});
    if (first) list.prepend(li); else list.append(li);
    none.hidden = true;
  };
  async function load() {
    alertFilter = filter.value === '' ? null : filter.value === 'true';
    const past = await attempt(() => api(`/api/v1/alerts${filter.value ? `?acknowledged=${filter.value}` : ''}`));
    list.replaceChildren();
    alertsShown.clear();
    (Array.isArray(past) ? past : []).forEach((a) => add(a, false));
    none.hidden = list.children.length > 0;
  }
  await load();
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  alertSocket = new WebSocket(`${scheme}://${location.host}/api/v1/ws/alerts`);
  alertSocket.onopen = () => { state.textContent = 'connected'; state.className = 'badge online'; };
  alertSocket.onclose = () => { state.textContent = 'disconnected'; state.className = 'badge offline'; };
  alertSocket.onmessage = (event) => {
    const message = JSON.parse(event.data);
    if (message.event_type === 'alert_acknowledged' || message.event_type === 'alert_unacknowledged') {
      // an operator somewhere (this console or another, through any instance) acknowledged it or took that back
      const shown = alertsShown.get(message.alert_id);
      if (shown) showAlert({...shown.alert, ...message, event_type: shown.alert.event_type,
        status: message.acknowledged ? 'Acknowledged' : 'New'});
      return;
    }
    if (message.event_type !== 'poi_match_alert' && message.event_type !== 'unknown_face_alert') {
      if (message.error) showError(messageOf(message, 503));
      return;
    }
    if (alertFilter !== true) add(message, true); // a new alert is not acknowledged yet
    announce(message);
  };
}

// ---- cameras ---------------------------------------------------------------------------------------------
// Every field of seed 002's camera with its documented range (see /docs, POST /api/cameras).
const CAMERA_FIELDS = [
  ['name', 'text', {required: true, maxlength: 200}],
  ['rtsp_url', 'text', {maxlength: 2048, placeholder: 'rtsp://user:pass@host/path'}],
  ['location', 'text', {maxlength: 200}],
  ['enabled', 'checkbox', {}],
  ['detect_conf', 'number', {min: 0, max: 1, step: 0.01}],
  ['detect_interval', 'number', {min: 0, max: 60, step: 0.01}],
  ['rtsp_transport', 'select', {options: ['tcp', 'udp']}],
  ['live_view_fps', 'number', {min: 0.1, max: 30, step: 0.1}],
  ['min_face_size', 'number', {min: 8, max: 1024, step: 1}],
  ['faces_enabled', 'checkbox', {}],
  ['pre_seconds', 'number', {min: 0, max: 120, step: 1}],
  ['post_seconds', 'number', {min: 0, max: 300, step: 1}],
  ['trigger_classes', 'text', {maxlength: 500}],
  ['trigger_cooldown', 'number', {min: 0, max: 3600, step: 0.1}],
  ['min_trigger_frames', 'number', {min: 1, max: 100, step: 1}],
  ['detect_iou', 'number', {min: 0, max: 1, step: 0.01}],
  ['detect_imgsz', 'number', {min: 128, max: 1920, step: 1}],
  ['reid_enabled', 'checkbox', {}],
];

function cameraForm(camera, onSaved) {
  const form = h('form', {class: 'fields', id: 'camera-form'}, h('h2', {class: 'full'},
    camera ? `Edit camera ${camera.id}` : 'Add a camera'));
  if (!camera) form.append(h('label', {}, 'id (optional)', h('input', {name: 'id', maxlength: 64})));
  for (const [name, type, opts] of CAMERA_FIELDS) {
    const value = camera ? camera[name] : undefined;
    let input;
    if (type === 'select') {
      input = h('select', {name}, opts.options.map((o) => h('option', {value: o, selected: value === o}, o)));
    } else if (type === 'checkbox') {
      input = h('input', {name, type, checked: camera ? Boolean(value) : name === 'enabled' || name === 'faces_enabled'});
    } else {
      const range = opts.min !== undefined ? ` (${opts.min}–${opts.max})` : '';
      input = h('input', {name, type, ...opts, value: value ?? '', required: opts.required && !camera,
        title: `${name}${range}`});
    }
    const range = opts.min !== undefined ? ` ${opts.min}–${opts.max}` : '';
    form.append(h('label', {}, `${name}${range}`, input));
  }
  form.append(h('div', {class: 'actions'}, h('button', {type: 'submit'}, camera ? 'Save' : 'Add camera'),
    camera ? h('button', {type: 'button', class: 'secondary', onclick: () => cameraPage()}, 'Cancel') : null));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const body = {};
    for (const [name, type] of [['id', 'text'], ...CAMERA_FIELDS]) {
      const input = form.elements[name];
      if (!input) continue;
      if (type === 'checkbox') body[name] = input.checked;
      else if (input.value === '') continue;
      else body[name] = type === 'number' ? Number(input.value) : input.value;
    }
    const saved = await attempt(() => camera
      ? api(`/api/cameras/${encodeURIComponent(camera.id)}`, {method: 'PUT', json: body})
      : api('/api/cameras', {method: 'POST', json: body}));
    if (saved) onSaved();
  });
  return form;
}

/** A manual recording in progress: the server's started_at, kept by this tab until Stop (the server keeps no state). */
const recordings = {
  get: (cameraId) => sessionStorage.getItem(`facestream.recording.${cameraId}`),
  set: (cameraId, startedAt) => (startedAt ? sessionStorage.setItem(`facestream.recording.${cameraId}`, startedAt)
    : sessionStorage.removeItem(`facestream.recording.${cameraId}`)),
};

/** Record / Stop recording on a camera's tile (seed 002's record/start and record/stop); the note says what happened. */
function recordButton(camera, note) {
  const path = `/api/live/${encodeURIComponent(camera.id)}/record`;
  const button = h('button', {type: 'button'});
  const draw = () => {
    const started = recordings.get(camera.id);
    button.textContent = started ? 'Stop recording' : 'Record';
    button.className = started ? 'danger record' : 'secondary record';
    button.setAttribute('aria-pressed', started ? 'true' : 'false');
  };
  const recording = (started) => note.replaceChildren(h('span', {class: 'recording'}, `● recording since ${when(started)}`));
  button.addEventListener('click', async () => {
    const started = recordings.get(camera.id);
    button.disabled = true;
    if (!started) {
      const r = await attempt(() => api(`${path}/start`, {method: 'POST'}));
      if (r) {
        recordings.set(camera.id, r.started_at);
        recording(r.started_at);
      }
    } else {
      note.replaceChildren('Cutting the clip…');
      const r = await attempt(() => api(`${path}/stop`, {method: 'POST', json: {started_at: started}}));
      recordings.set(camera.id, null); // a refused started_at would be refused again; a new recording starts afresh
      note.replaceChildren(r ? h('span', {class: 'recorded'}, `Recorded ${r.duration.toFixed(1)} s: `,
        h('a', {href: `#/events?camera_id=${encodeURIComponent(camera.id)}&label=manual`}, 'see it in Events')) : '');
    }
    button.disabled = false;
    draw();
  });
  draw();
  if (recordings.get(camera.id)) recording(recordings.get(camera.id)); // begun before this page was drawn
  return button;
}

/** Whether this browser plays HLS itself (Safari; a recent Chromium, 156 as tested): the console adds no HLS library. */
const nativeHls = () => document.createElement('video').canPlayType('application/vnd.apple.mpegurl') !== '';
/** The cameras whose HLS session this page opened: closed when the page changes or the tab goes away. */
const hlsOpen = new Set();
const closeHls = (cameraId) => {
  hlsOpen.delete(cameraId);
  // a GET: it needs no CSRF token, and keepalive lets it finish as the tab closes
  return fetch(`/api/live/${encodeURIComponent(cameraId)}/hls/close`, {credentials: 'same-origin', keepalive: true}).catch(() => null);
};
window.addEventListener('pagehide', () => [...hlsOpen].forEach(closeHls));

/** "Live with sound": the camera's HLS stream in a <video> on its tile, in a browser that plays HLS natively. */
function liveSoundButton(camera, slot) {
  if (!nativeHls()) return h('span', {class: 'hint'}, 'Live with sound needs a browser that plays HLS itself.');
  const playlist = `/api/live/${encodeURIComponent(camera.id)}/hls/index.m3u8`;
  const button = h('button', {type: 'button', class: 'secondary live-sound', 'aria-pressed': 'false'}, 'Live with sound');
  button.addEventListener('click', async () => {
    if (hlsOpen.has(camera.id)) {
      slot.replaceChildren();
      await closeHls(camera.id);
    } else {
      button.disabled = true;
      // asked by fetch first, so that a refusal (HLS disabled, at capacity) shows the API's message; this starts the
      // session. Chromium's own HLS player failed on a live playlist of one segment ("could not parse"), so the video
      // is given the playlist once it lists three (the HLS spec's start distance from a live edge), or after 20 s.
      let started;
      for (let tries = 0; tries < 20; tries++) {
        started = await attempt(() => api(playlist));
        if (started === undefined || (started.match(/^seg\d+\.ts$/gm) || []).length >= 3) break;
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
      button.disabled = false;
      if (started === undefined) return;
      hlsOpen.add(camera.id);
      slot.replaceChildren(h('video', {class: 'hls', src: playlist, controls: true, autoplay: true, playsinline: true,
        'aria-label': `Live view of ${camera.name} with sound`}));
    }
    const on = hlsOpen.has(camera.id);
    button.textContent = on ? 'Stop live sound' : 'Live with sound';
    button.setAttribute('aria-pressed', String(on));
  });
  return button;
}

async function cameraPage(editing) {
  [...hlsOpen].forEach(closeHls); // the tiles are drawn afresh, without their players
  const cameras = (await attempt(() => api('/api/cameras'))) || [];
  const grid = h('div', {class: 'grid', id: 'camera-grid'});
  for (const c of cameras) {
    const stream = (fps) => `/api/live/${encodeURIComponent(c.id)}/stream?fps=${fps}`;
    const note = h('div', {class: 'record-note', role: 'status'});
    const sound = h('div', {class: 'hls-slot'});
    // 1 fps in the grid; the focused tile at the server's full live-view rate (it clamps fps to its maximum)
    const live = h('img', {src: stream(1), alt: `Live view of ${c.name}`, tabindex: 0,
      onfocus: (e) => { e.target.src = stream(30); }, onblur: (e) => { e.target.src = stream(1); }});
    grid.append(h('div', {class: 'card tile', dataset: {cameraId: c.id}}, live,
      h('div', {class: 'row'}, h('strong', {}, c.name), badge(c.status), `${(c.fps ?? 0).toFixed(1)} fps`),
      h('div', {class: 'hint'}, c.rtsp_url),
      note, sound,
      h('div', {class: 'row'},
        recordButton(c, note), liveSoundButton(c, sound),
        h('button', {type: 'button', class: 'secondary', onclick: () => cameraPage(c)}, 'Edit'),
        h('button', {type: 'button', class: 'danger', onclick: async () => {
          if (confirm(`Delete camera ${c.name}?`) && (await attempt(() => api(`/api/cameras/${encodeURIComponent(c.id)}`, {method: 'DELETE'}))) !== undefined) cameraPage();
        }}, 'Delete'))));
  }
  main.replaceChildren(h('h1', {}, 'Cameras'),
    cameras.length ? grid : empty('No cameras yet: add one with the form below (an RTSP or HTTP URL).'),
    cameraForm(editing, () => cameraPage()));
}

// ---- events and the clip player --------------------------------------------------------------------------
/** Events drawn per page of the events list unless the address asks for another page size (`limit`). */
const EVENTS_PAGE = 24;
/** The list parameters of seed 002's GET /api/events that the page offers, kept in the page's address. */
const EVENT_FILTERS = ['camera_id', 'person_id', 'from', 'to', 'label', 'limit'];
/** MediaError's codes, in words. */
const MEDIA_ERRORS = {1: 'loading was stopped', 2: 'a network error', 3: 'the browser could not decode it',
  4: 'the browser cannot play this clip (its format or the camera\'s codec)'};

const eventPlace = (e) => e.camera_name || e.camera_id;
const eventWho = (e) => e.person_name || e.identity_name || (e.identity_id ? `identity ${e.identity_id.slice(0, 8)}` : null);

/** A <video> on the event's clip: the session cookie authenticates it, and the browser seeks with Range requests. */
function clipPlayer(event, onClose) {
  const video = h('video', {id: 'clip-player', src: event.clip_url, controls: true, tabindex: 0, preload: 'metadata', playsinline: true,
    poster: event.thumbnail_url, 'aria-label': `Clip of ${eventPlace(event)} at ${when(event.start_ts)}`});
  const download = () => h('a', {href: event.clip_url, download: `${event.id}.mp4`}, 'download');
  const problem = h('p', {class: 'error', role: 'alert', id: 'player-error', hidden: true});
  video.addEventListener('error', () => {
    if (!video.getAttribute('src')) return; // the player was closed
    problem.replaceChildren(`This clip cannot be played here: ${MEDIA_ERRORS[video.error && video.error.code] || 'an unknown error'}. `,
      'You can still ', download(), ' it.');
    problem.hidden = false;
  });
  const close = () => {
    video.removeAttribute('src');
    video.load(); // ends the clip's download
    section.remove();
    if (onClose) onClose();
  };
  const section = h('section', {class: 'card player', id: 'event-player', 'aria-label': 'Clip player', dataset: {eventId: event.id}},
    h('div', {class: 'row'}, h('h2', {}, `${eventPlace(event)} · ${when(event.start_ts)}`),
      h('button', {type: 'button', class: 'secondary', id: 'close-player', onclick: close}, 'Close')),
    video, problem,
    h('p', {class: 'hint'}, `${event.label} · ${event.duration.toFixed(1)} s · ${eventWho(event) || 'nobody recognised'} · `, download()));
  section.addEventListener('keydown', (e) => { if (e.key === 'Escape') close(); });
  return section;
}

/** One event: its thumbnail opens the player; a selection set (the events page) adds a tick box, onDelete a button. */
function eventCard(event, {onPlay, selected, onDelete}) {
  const who = eventWho(event);
  return h('li', {class: 'card event', dataset: {eventId: event.id}},
    h('button', {type: 'button', class: 'play', 'aria-label': `Play the clip of ${eventPlace(event)} at ${when(event.start_ts)}`,
      onclick: (e) => onPlay(event, e.currentTarget)},
    event.thumbnail_url ? h('img', {src: event.thumbnail_url, alt: '', loading: 'lazy', width: 320, height: 180}) : h('span', {class: 'hint'}, 'no thumbnail'),
    h('span', {class: 'play-mark', 'aria-hidden': 'true'}, '▶')),
    h('div', {class: 'row'},
      selected ? h('input', {type: 'checkbox', value: event.id, 'aria-label': `Select the event of ${eventPlace(event)} at ${when(event.start_ts)}`,
        onchange: (e) => (e.target.checked ? selected.add(event.id) : selected.delete(event.id))}) : null,
      h('strong', {}, eventPlace(event)), badge(event.label), `${event.duration.toFixed(1)} s`),
    h('div', {}, h('time', {datetime: event.start_ts}, when(event.start_ts)), h('br'),
      who && event.identity_id ? h('a', {href: `#/identities/${encodeURIComponent(event.identity_id)}`, class: 'event-who'}, who)
        : h('span', {class: 'hint event-who'}, who || (event.kind === 'manual' ? 'manual recording' : 'nobody recognised'))),
    onDelete ? h('button', {type: 'button', class: 'danger delete-event', onclick: () => onDelete(event)}, 'Delete') : null);
}

/** Events as cards with one player above them (events, an identity, a face group). */
function eventGallery(events, {id = 'events', ...options} = {}) {
  const slot = h('div', {class: 'player-slot'});
  const onPlay = (event, opener) => {
    slot.replaceChildren(clipPlayer(event, () => opener.focus()));
    slot.querySelector('video').focus();
  };
  return h('div', {}, slot, h('ul', {class: 'events', id}, events.map((e) => eventCard(e, {...options, onPlay}))));
}

/** An ISO time as a datetime-local input's value (local time, to the minute). */
function localInput(iso) {
  const t = new Date(iso || NaN);
  if (Number.isNaN(t.getTime())) return '';
  return new Date(t.getTime() - t.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
}

async function eventsPage(notice) {
  const query = new URLSearchParams(location.hash.split('?')[1] || '');
  const filters = Object.fromEntries(EVENT_FILTERS.filter((name) => query.get(name)).map((name) => [name, query.get(name)]));
  const offset = Math.max(0, Math.floor(Number(query.get('offset'))) || 0);
  const pageSize = Number(filters.limit) || EVENTS_PAGE; // the API refuses a size out of 1-500 with its own message
  const [data, cameras, people] = await Promise.all([
    attempt(() => api(`/api/events?${new URLSearchParams({limit: EVENTS_PAGE, ...filters, offset})}`)),
    api('/api/cameras').catch(() => []), api('/api/people').catch(() => [])]);
  const go = (next) => { location.hash = `#/events?${new URLSearchParams(next)}`; }; // the route redraws the page

  const options = (list, chosen, anyText) => {
    const known = list.some(([value]) => value === chosen);
    return [h('option', {value: ''}, anyText), ...list.map(([value, text]) => h('option', {value, selected: value === chosen}, text)),
      chosen && !known ? h('option', {value: chosen, selected: true}, chosen) : null];
  };
  const form = h('form', {class: 'fields', id: 'event-filters'},
    h('label', {}, 'Camera', h('select', {name: 'camera_id'}, options((cameras || []).map((c) => [c.id, c.name]), filters.camera_id, 'every camera'))),
    h('label', {}, 'Person', h('select', {name: 'person_id'}, options((people || []).map((p) => [p.id, p.name]), filters.person_id, 'anyone'))),
    h('label', {}, 'From', h('input', {type: 'datetime-local', name: 'from', value: localInput(filters.from)})),
    h('label', {}, 'To (before)', h('input', {type: 'datetime-local', name: 'to', value: localInput(filters.to)})),
    h('label', {}, 'Label', h('select', {name: 'label'}, options([['face', 'face (a presence)'], ['manual', 'manual recording']], filters.label, 'any'))),
    h('label', {}, 'Per page', h('select', {name: 'limit'}, options([12, 48, 96].map((n) => [String(n), String(n)]), filters.limit, String(EVENTS_PAGE)))),
    h('div', {class: 'actions'}, h('button', {type: 'submit'}, 'Show'),
      h('button', {type: 'button', class: 'secondary', onclick: () => go({})}, 'Clear filters'),
      h('button', {type: 'button', class: 'secondary', id: 'events-refresh', onclick: () => eventsPage()}, 'Refresh')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const next = {};
    for (const name of EVENT_FILTERS) {
      const value = form.elements[name].value;
      if (value) next[name] = name === 'from' || name === 'to' ? new Date(value).toISOString() : value;
    }
    go(next);
  });

  const items = (data && data.items) || [];
  const total = data ? data.total : 0;
  const selected = new Set();
  const reload = (message) => eventsPage(message);
  const onDelete = async (event) => {
    if (!confirm(`Delete the event of ${eventPlace(event)} at ${when(event.start_ts)}, with its clip?`)) return;
    if ((await attempt(() => api(`/api/events/${encodeURIComponent(event.id)}`, {method: 'DELETE'}))) !== undefined) reload('Deleted 1 event.');
  };
  const selectAll = h('input', {type: 'checkbox', id: 'events-select-all', onchange: (e) => {
    for (const box of main.querySelectorAll('#events input[type=checkbox]')) {
      box.checked = e.target.checked;
      box.dispatchEvent(new Event('change'));
    }
  }});
  const bulk = h('button', {type: 'button', class: 'danger', id: 'events-delete-selected', onclick: async () => {
    if (!selected.size) return showError('Tick the events to delete first.');
    if (!confirm(`Delete ${selected.size} event(s) with their clips?`)) return;
    const r = await attempt(() => api('/api/events/bulk-delete', {method: 'POST', json: {ids: [...selected]}}));
    if (r) reload(`Deleted ${r.deleted} event${r.deleted === 1 ? '' : 's'}${r.not_found.length ? ` (${r.not_found.length} already gone)` : ''}.`);
  }}, 'Delete selected');
  // clear-all takes the camera and the label, not the time or the person: the question says what goes
  const scope = [filters.camera_id ? `of camera ${filters.camera_id}` : null, filters.label ? `labelled ${filters.label}` : null].filter(Boolean);
  const clearAll = h('button', {type: 'button', class: 'danger', id: 'events-clear-all', onclick: async () => {
    const question = scope.length
      ? `Delete EVERY event ${scope.join(' ')}, with their clips (whatever their time or person)? This cannot be undone.`
      : 'Delete EVERY recorded event of every camera, with their clips? This cannot be undone.';
    if (!confirm(question)) return;
    const r = await attempt(() => api('/api/events/clear-all', {method: 'POST',
      json: {confirm: true, ...(filters.camera_id ? {camera_id: filters.camera_id} : {}), ...(filters.label ? {label: filters.label} : {})}}));
    if (r) reload(`Cleared ${r.deleted} event${r.deleted === 1 ? '' : 's'}.`);
  }}, scope.length ? `Clear all ${scope.join(' ')}` : 'Clear all events');

  const filtered = EVENT_FILTERS.some((name) => name !== 'limit' && filters[name]);
  let content;
  if (!data) content = empty('The events could not be read (see the message above). ', h('a', {href: '#/events'}, 'Show every event'));
  else if (!total && !filtered) content = empty('No events yet: one is recorded each time a camera sees someone (add a camera under ',
    h('a', {href: '#/cameras'}, 'Cameras'), '), or when you press Record on a camera\'s tile. Replayed files make no clips.');
  else if (!total) content = empty('No event matches these filters: widen the time range, or ', h('a', {href: '#/events'}, 'show every event'), '.');
  else if (!items.length) content = empty(`No events on this page (there are ${total}). `, h('a', {href: '#/events'}, 'Back to the first page'));
  else content = eventGallery(items, {selected, onDelete});
  const pager = total > pageSize || offset > 0 ? h('nav', {class: 'row pager', 'aria-label': 'Pages of events'},
    h('button', {type: 'button', class: 'secondary', id: 'events-newer', disabled: offset === 0,
      onclick: () => go({...filters, offset: Math.max(0, offset - pageSize)})}, '← Newer'),
    h('span', {id: 'events-range'}, `${Math.min(offset + 1, total)}–${Math.min(offset + pageSize, total)} of ${total}`),
    h('button', {type: 'button', class: 'secondary', id: 'events-older', disabled: offset + pageSize >= total,
      onclick: () => go({...filters, offset: offset + pageSize})}, 'Older →'))
    : null;
  show(h('h1', {}, 'Events'),
    h('p', {class: 'hint'}, 'Recorded clips: one per presence of a face at a camera, and manual recordings. Open one to play it; the player seeks anywhere in the clip.'),
    form,
    notice ? h('p', {class: 'notice', role: 'status', id: 'events-notice'}, notice) : null,
    data ? h('p', {id: 'events-summary'}, `${total} event${total === 1 ? '' : 's'}${filtered ? ' match' : ''}`) : null,
    items.length ? h('div', {class: 'row'}, h('label', {}, selectAll, ' select all on this page'), bulk) : null,
    data && total ? h('div', {class: 'row'}, clearAll) : null,
    pager, content);
}

// ---- identities ------------------------------------------------------------------------------------------
const SVG = 'http://www.w3.org/2000/svg';

/** An SVG element; like h(), children that are strings become text nodes. */
function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) if (value !== undefined && value !== null) el.setAttribute(key, value);
  for (const child of children.flat()) if (child !== null && child !== undefined) el.append(child instanceof Node ? child : String(child));
  return el;
}

/**
 * A bar chart as inline SVG (no chart library: a few rectangles need none, and the page has no build step).
 * Horizontal bars, one per item, or vertical columns; each bar carries its figure as a tooltip, and the figure's
 * caption plus a visually hidden table say the same to a screen reader.
 */
function barChart(id, caption, items, {columns = false, unit = ''} = {}) {
  const max = Math.max(1, ...items.map((i) => i.value));
  let chart;
  if (columns) {
    const w = 12 * items.length;
    chart = svg('svg', {viewBox: `0 0 ${w} 80`, class: 'chart', 'aria-hidden': 'true'},
      items.map((item, n) => {
        const height = Math.round((item.value / max) * 60);
        return svg('g', {}, svg('rect', {x: n * 12 + 1.5, y: 62 - height, width: 9, height: Math.max(height, item.value ? 1 : 0), class: 'bar'},
          svg('title', {}, `${item.label}: ${item.value}${unit}`)),
        n % 3 === 0 ? svg('text', {x: n * 12 + 6, y: 76, 'text-anchor': 'middle', class: 'axis'}, item.short ?? item.label) : null);
      }));
  } else {
    const rowHeight = 26;
    chart = svg('svg', {viewBox: `0 0 400 ${Math.max(1, items.length) * rowHeight}`, class: 'chart', 'aria-hidden': 'true'},
      items.map((item, n) => svg('g', {},
        svg('text', {x: 0, y: n * rowHeight + 17, class: 'axis'}, item.label.length > 18 ? `${item.label.slice(0, 17)}…` : item.label),
        svg('rect', {x: 130, y: n * rowHeight + 4, width: Math.max((item.value / max) * 220, item.value ? 1 : 0), height: 18, class: 'bar'},
          svg('title', {}, `${item.label}: ${item.value}${unit}`)),
        svg('text', {x: 134 + (item.value / max) * 220, y: n * rowHeight + 17, class: 'value'}, `${item.value}${unit}`))));
  }
  const table = h('table', {class: 'sr-only'}, h('tbody', {}, items.map((i) => h('tr', {}, h('th', {}, i.label), h('td', {}, `${i.value}${unit}`)))));
  return h('figure', {class: 'card', id}, h('figcaption', {}, caption), items.length ? chart : h('p', {class: 'hint'}, 'Nothing yet.'), table);
}

async function analyticsSection() {
  const a = await attempt(() => api('/api/identities/analytics'));
  if (!a) return null;
  const s = a.summary;
  const figures = [['identities', s.total_identities], ['named', s.named], ['unnamed', s.unnamed], ['new today', s.created_today],
    ['seen today', s.seen_today], ['seen in 7 days', s.seen7d], ['sightings', s.total_sightings]];
  const hour = (t) => new Date(t).getHours();
  return h('section', {id: 'analytics', 'aria-label': 'Analytics'},
    h('dl', {class: 'stats'}, figures.map(([label, value]) => h('div', {}, h('dt', {}, label), h('dd', {}, value)))),
    h('div', {class: 'charts'},
      barChart('chart-hours', 'Sightings per hour, last 24 hours (local time)',
        a.by_hour.map((b) => ({label: `${hour(b.hour)}:00, ${b.distinct_people} people`, short: hour(b.hour), value: b.sightings})), {columns: true}),
      barChart('chart-cameras', 'Sightings per camera or file', a.by_camera.map((c) => ({label: c.camera_id, value: c.sightings}))),
      barChart('chart-dwell', 'Average time on screen per camera or file', a.by_camera.map((c) => ({label: c.camera_id, value: c.avg_dwell_seconds})), {unit: ' s'}),
      barChart('chart-kinds', 'Sightings by how they matched', Object.entries(a.by_match_kind).map(([kind, n]) => ({label: kind, value: n})))));
}

async function identitiesPage() {
  const [data, analytics] = await Promise.all([attempt(() => api('/api/identities?limit=200')), analyticsSection()]);
  const items = (data && data.items) || [];
  const selected = new Set();
  const rows = items.map((i) => h('tr', {dataset: {identityId: i.id}},
    h('td', {}, h('input', {type: 'checkbox', 'aria-label': `Select ${i.name || i.id}`,
      onchange: (e) => (e.target.checked ? selected.add(i.id) : selected.delete(i.id))})),
    h('td', {}, i.face_thumb_url ? h('img', {src: i.face_thumb_url, alt: ''}) : ''),
    h('td', {}, h('a', {href: `#/identities/${encodeURIComponent(i.id)}`, class: 'identity-name'}, i.name || i.id)),
    h('td', {}, i.num_sightings), h('td', {}, (i.cameras || []).join(', ')), h('td', {}, when(i.last_seen))));
  const merge = h('button', {type: 'button', onclick: async () => {
    const ids = [...selected];
    if (ids.length < 2) return showError('Select at least two identities to merge; the first selected is kept.');
    if (await attempt(() => api('/api/identities/merge', {method: 'POST', json: {target_id: ids[0], source_ids: ids.slice(1)}}))) identitiesPage();
  }}, 'Merge selected');
  show(h('h1', {}, `Identities (${data ? data.total : 0})`), analytics,
    items.length ? h('div', {}, h('div', {class: 'row'}, merge),
      h('table', {id: 'identity-table'}, h('thead', {}, h('tr', {}, h('th', {}, ''), h('th', {}, 'Face'), h('th', {}, 'Name'),
        h('th', {}, 'Sightings'), h('th', {}, 'Cameras'), h('th', {}, 'Last seen'))), h('tbody', {}, rows)))
      : empty('No identities yet: they appear once a camera or a replayed file has seen faces.'));
}

/** Up to this many of an identity's faces and sightings are listed for selection (the API's page maximum). */
const DETAIL_PAGE = 200;

async function identityPage(id, notice) {
  const path = `/api/identities/${encodeURIComponent(id)}`;
  const identity = await attempt(() => api(path));
  if (!identity) return show(empty('No such identity (it may have been merged or deleted). ', h('a', {href: '#/identities'}, 'All identities')));
  const [faces, sightings, events] = await Promise.all([
    attempt(() => api(`${path}/faces?limit=${DETAIL_PAGE}`)), attempt(() => api(`${path}/sightings?limit=${DETAIL_PAGE}`)),
    attempt(() => api(`${path}/events?limit=${EVENTS_PAGE}`))]);
  const reload = (message) => identityPage(id, message);
  const rename = h('form', {class: 'row', id: 'rename-form'},
    h('label', {for: 'identity-name'}, 'Name'), h('input', {id: 'identity-name', name: 'name', value: identity.name || '', maxlength: 200}),
    h('button', {type: 'submit'}, 'Rename'));
  rename.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (await attempt(() => api(path, {method: 'PUT', json: {name: rename.elements.name.value}}))) identityPage(id);
  });

  // faces: tick those that are someone else, then "Not this person" (negative feedback the pipeline remembers)
  const faceItems = (faces && faces.items) || [];
  const badFaces = new Set();
  const reject = h('button', {type: 'button', class: 'danger', id: 'reject-faces', onclick: async () => {
    if (!badFaces.size) return showError('Tick the faces that are not this person first.');
    const r = await attempt(() => api(`${path}/reject-faces`, {method: 'POST', json: {face_ids: [...badFaces]}}));
    if (r) reload(`${r.rejected} face${r.rejected === 1 ? '' : 's'} marked as not this person: they left the identity, and faces like them will not join it again.`);
  }}, 'Not this person');
  const faceSection = faceItems.length ? [h('div', {class: 'members', id: 'identity-faces'}, faceItems.map((f) =>
    h('label', {class: 'member', title: `${f.camera_id || f.file_id || ''} ${when(f.ts)} · quality ${f.quality}`},
      h('input', {type: 'checkbox', value: f.id, 'aria-label': `Select face ${f.id}`,
        onchange: (e) => (e.target.checked ? badFaces.add(f.id) : badFaces.delete(f.id))}),
      f.thumb_url ? h('img', {src: f.thumb_url, alt: '', width: 64, height: 64}) : h('span', {class: 'hint'}, 'no crop')))),
  faces.total > faceItems.length ? h('p', {class: 'hint'}, `The oldest ${faceItems.length} of ${faces.total} faces.`) : null,
  h('div', {class: 'row'}, reject)] : [empty('No faces kept for this identity.')];

  // sightings: tick some to split them off, or let the faces decide (auto)
  const sightingItems = (sightings && sightings.items) || [];
  const moving = new Set();
  const newName = h('input', {name: 'new_name', maxlength: 200, placeholder: 'Name of the new identity (optional)', 'aria-label': 'Name of the new identity'});
  const split = async (body) => {
    const r = await attempt(() => api(`${path}/split`, {method: 'POST', json: {...body, ...(newName.value.trim() ? {new_name: newName.value.trim()} : {})}}));
    if (r) reload(r.detail);
  };
  const splitForm = h('form', {class: 'row', id: 'split-form'}, newName,
    h('button', {type: 'submit'}, 'Split ticked sightings off'),
    h('button', {type: 'button', class: 'secondary', id: 'split-auto', onclick: () => split({auto: true})}, 'Split automatically'));
  splitForm.addEventListener('submit', (e) => {
    e.preventDefault();
    if (!moving.size) return showError('Tick the sightings to split off first, or split automatically.');
    split({sighting_ids: [...moving]});
  });
  const sightingSection = sightingItems.length ? [h('table', {id: 'sightings'}, h('thead', {}, h('tr', {}, h('th', {}, ''), h('th', {}, 'Face'),
    h('th', {}, 'Camera or file'), h('th', {}, 'Seen'), h('th', {}, 'For'), h('th', {}, 'Match'))),
  h('tbody', {}, sightingItems.map((s) => h('tr', {dataset: {sightingId: s.id}},
    h('td', {}, h('input', {type: 'checkbox', 'aria-label': `Select sighting at ${when(s.ts)}`,
      onchange: (e) => (e.target.checked ? moving.add(s.id) : moving.delete(s.id))})),
    h('td', {}, s.thumb_url ? h('img', {src: s.thumb_url, alt: ''}) : ''), h('td', {}, s.camera_id || s.file_id),
    h('td', {}, when(s.ts)), h('td', {}, `${s.duration_seconds.toFixed(1)} s`), h('td', {}, s.match_kind))))),
  sightings.total > sightingItems.length ? h('p', {class: 'hint'}, `The newest ${sightingItems.length} of ${sightings.total} sightings.`) : null,
  splitForm] : [empty('No sightings.')];

  show(h('h1', {id: 'identity-title'}, identity.name || identity.id), rename,
    notice ? h('p', {class: 'notice', role: 'status', id: 'identity-notice'}, notice) : null,
    h('p', {}, `${identity.num_sightings} sightings, ${identity.num_faces} faces; first seen ${when(identity.first_seen)}, last seen ${when(identity.last_seen)}`),
    h('h2', {}, 'Faces'), faceSection,
    h('h2', {}, 'Sightings'), sightingSection,
    h('h2', {}, 'Recorded clips'), events && events.total
      ? [eventGallery(events.items, {id: 'identity-events'}), events.total > events.items.length
        ? h('p', {class: 'hint'}, `The newest ${events.items.length} of ${events.total} clips: `, h('a', {href: '#/events'}, 'all events')) : null]
      : empty('No recorded clips of this identity: clips are recorded at live cameras (replayed files make none).'),
    h('div', {class: 'row'}, h('a', {href: '#/identities'}, '← All identities'),
      h('button', {type: 'button', class: 'danger', onclick: async () => {
        if (confirm('Delete this identity?') && (await attempt(() => api(path, {method: 'DELETE'}))) !== undefined) location.hash = '#/identities';
      }}, 'Delete identity')));
}

// ---- people and POIs -------------------------------------------------------------------------------------
function dropZone(input, label = 'Drop face photos here, or ') {
  const zone = h('div', {class: 'drop'}, label, input);
  zone.addEventListener('dragover', (e) => { e.preventDefault(); zone.classList.add('over'); });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (e) => { e.preventDefault(); zone.classList.remove('over'); input.files = e.dataTransfer.files; });
  return zone;
}

async function peoplePage() {
  const [pois, people] = await Promise.all([attempt(() => api('/api/v1/poi')), attempt(() => api('/api/people'))]);
  const poiList = Array.isArray(pois) ? pois : (pois && pois.pois) || [];
  const files = h('input', {type: 'file', name: 'images', accept: 'image/jpeg,image/png', multiple: true, id: 'poi-images'});
  const enrol = h('form', {class: 'fields', id: 'poi-form'}, h('h2', {class: 'full'}, 'Enrol a person of interest'),
    h('div', {class: 'full'}, dropZone(files)),
    h('label', {}, 'severity', h('select', {name: 'severity'}, ['low', 'medium', 'high', 'critical'].map((s) => h('option', {selected: s === 'medium'}, s)))),
    h('label', {}, 'notes', h('input', {name: 'notes', maxlength: 1000})),
    h('div', {class: 'actions'}, h('button', {type: 'submit'}, 'Enrol POI')));
  enrol.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!files.files.length) return showError('Choose 1 to 5 face photos (JPEG or PNG) first.');
    const form = new FormData();
    [...files.files].forEach((f) => form.append('images', f));
    form.append('severity', enrol.elements.severity.value);
    if (enrol.elements.notes.value) form.append('notes', enrol.elements.notes.value);
    if (await attempt(() => api('/api/v1/poi', {method: 'POST', form}))) peoplePage();
  });
  const poiRows = poiList.map((p) => h('tr', {dataset: {poiId: p.poi_id}}, h('td', {}, p.poi_id), h('td', {}, badge(p.severity)),
    h('td', {}, p.notes || ''), h('td', {}, when(p.created_at)),
    h('td', {}, h('button', {type: 'button', class: 'danger', onclick: async () => {
      if (confirm('Remove this POI?') && (await attempt(() => api(`/api/v1/poi/${encodeURIComponent(p.poi_id)}`, {method: 'DELETE'}))) !== undefined) peoplePage();
    }}, 'Remove'))));
  const personRows = (people || []).map((p) => h('tr', {}, h('td', {}, h('a', {href: `#/people/${encodeURIComponent(p.id)}`}, p.name)),
    h('td', {}, p.num_faces), h('td', {}, p.is_poi ? badge(p.severity || 'poi') : ''), h('td', {}, when(p.updated_at))));
  main.replaceChildren(h('h1', {}, 'People & POIs'), enrol,
    h('h2', {}, 'Persons of interest'),
    poiList.length ? h('table', {id: 'poi-table'}, h('tbody', {}, poiRows)) : empty('No POIs yet: enrol one from a photo above.'),
    h('h2', {}, 'People'),
    personRows.length ? h('table', {}, h('tbody', {}, personRows)) : empty('No people yet: enrolled POIs and people registered by the API appear here.'));
}

async function personPage(id) {
  const path = `/api/people/${encodeURIComponent(id)}`;
  const person = await attempt(() => api(path));
  if (!person) return;
  const faces = (await attempt(() => api(`${path}/faces`))) || [];
  const list = Array.isArray(faces) ? faces : faces.items || [];
  const file = h('input', {type: 'file', name: 'file', accept: 'image/jpeg,image/png'});
  const add = h('form', {class: 'row'}, dropZone(file), h('button', {type: 'submit'}, 'Add face'));
  add.addEventListener('submit', async (e) => {
    e.preventDefault();
    const form = new FormData();
    form.append('file', file.files[0]);
    if (await attempt(() => api(`${path}/faces`, {method: 'POST', form}))) personPage(id);
  });
  main.replaceChildren(h('h1', {}, person.name), h('p', {}, person.notes || ''), h('h2', {}, 'Reference faces'),
    list.length ? h('div', {class: 'row'}, list.map((f) => h('img', {src: f.image_url, alt: `Reference face ${f.id}`, width: 112, height: 112})))
      : empty('No reference faces: add a photo below.'), add, h('a', {href: '#/people'}, '← People & POIs'));
}

// ---- face groups ---------------------------------------------------------------------------------------
/** Member thumbnails drawn per group before "Show all"; the rest are still selectable once shown. */
const GROUP_PREVIEW = 24;

/** The face groups' settings, kept in the page's address so a reload or a shared link regroups alike. */
function groupSettings() {
  const query = new URLSearchParams(location.hash.split('?')[1] || '');
  const number = (name, fallback, min, max) => {
    const v = Number(query.get(name));
    return query.has(name) && Number.isFinite(v) && v >= min && v <= max ? v : fallback;
  };
  return {face_threshold: number('face_threshold', 0.5, 0, 1), min_size: number('min_size', 1, 1, 2000),
    max_samples: number('max_samples', 2000, 1, 2000)};
}

function groupCard(group, onChanged) {
  const selected = new Set();
  const members = group.members;
  const memberTile = (m) => h('label', {class: 'member', title: `${m.camera_id || m.file_id || ''} ${when(m.ts)}`},
    h('input', {type: 'checkbox', value: m.id, 'aria-label': `Select face ${m.id}`,
      onchange: (e) => (e.target.checked ? selected.add(m.id) : selected.delete(m.id))}),
    m.thumb_url ? h('img', {src: m.thumb_url, alt: '', width: 64, height: 64}) : h('span', {class: 'hint'}, 'no crop'));
  const strip = h('div', {class: 'members'}, members.slice(0, GROUP_PREVIEW).map(memberTile));
  const more = members.length > GROUP_PREVIEW ? h('button', {type: 'button', class: 'secondary', onclick: (e) => {
    strip.append(...members.slice(GROUP_PREVIEW).map(memberTile));
    e.target.remove();
  }}, `Show all ${members.length}`) : null;
  // the selected faces, or every member of the group when none is selected
  const chosen = () => (selected.size ? [...selected] : members.map((m) => m.id));
  const name = h('input', {name: 'name', maxlength: 200, required: true, 'aria-label': 'Name of the new person',
    placeholder: 'Name', value: group.label || ''});
  const enrol = h('form', {class: 'row group-enrol'}, name, h('button', {type: 'submit'}, 'Enrol as person'));
  enrol.addEventListener('submit', async (e) => {
    e.preventDefault();
    const r = await attempt(() => api('/api/face-groups/enroll', {method: 'POST', json: {sample_ids: chosen(), name: name.value}}));
    if (r) onChanged(`Enrolled ${r.name} with ${r.enrolled_faces} reference faces (see People & POIs).`);
  });
  const labelInput = h('input', {name: 'label', maxlength: 200, 'aria-label': 'Label', placeholder: 'Label (empty clears it)',
    value: group.label || ''});
  const label = h('form', {class: 'row group-label'}, labelInput, h('button', {type: 'submit', class: 'secondary'}, 'Label'));
  label.addEventListener('submit', async (e) => {
    e.preventDefault();
    const r = await attempt(() => api('/api/face-groups/label', {method: 'POST', json: {sample_ids: chosen(), label: labelInput.value}}));
    if (r) onChanged(`Labelled ${r.updated} faces ${r.label ? `"${r.label}"` : '(label cleared)'}.`);
  });
  const remove = h('button', {type: 'button', class: 'danger', onclick: async () => {
    if (!selected.size) return showError('Select the faces to delete first (tick them).');
    if (!confirm(`Delete ${selected.size} captured face(s)? They leave their identities too.`)) return;
    const r = await attempt(() => api('/api/face-groups/samples/bulk-delete', {method: 'POST', json: {ids: [...selected]}}));
    if (r) onChanged(`Deleted ${r.deleted} faces.`);
  }}, 'Delete selected faces');
  const clipSlot = h('div', {class: 'group-clips'});
  const clips = h('button', {type: 'button', class: 'secondary group-clips-button', onclick: async () => {
    const r = await attempt(() => api('/api/face-groups/clips', {method: 'POST', json: {sample_ids: chosen()}}));
    if (r) clipSlot.replaceChildren(h('h3', {}, `${r.total} recorded clip${r.total === 1 ? '' : 's'} of these faces`),
      r.total ? eventGallery(r.items, {id: `clips-${group.group_id}`}) : empty('None: clips are recorded at live cameras (replayed files make none).'));
  }}, 'Show clips');
  return h('section', {class: 'card group', dataset: {groupId: group.group_id}, 'aria-label': `Group of ${group.size} faces`},
    h('div', {class: 'row'},
      group.rep_thumb_url ? h('img', {src: group.rep_thumb_url, alt: 'Representative face', width: 96, height: 96, class: 'rep'}) : null,
      h('div', {},
        h('strong', {class: 'group-size'}, `${group.size} face${group.size === 1 ? '' : 's'}`), ' ',
        group.label ? badge(group.label) : h('span', {class: 'hint'}, 'no label'), h('br'),
        h('span', {class: 'hint'}, `${(group.cameras || []).join(', ') || 'recorded files'} · ${when(group.first_seen)} – ${when(group.last_seen)}`))),
    strip, more,
    h('p', {class: 'hint'}, group.size > members.length
      ? `The actions below use the ticked faces, or, when none is ticked, the group's ${members.length} best faces of ${group.size} (deleting needs ticks).`
      : 'The actions below use the ticked faces, or the whole group when none is ticked (deleting needs ticks).'),
    h('div', {class: 'row'}, enrol, label, remove, clips), clipSlot);
}

async function faceGroupsPage(notice) {
  const settings = groupSettings();
  const query = new URLSearchParams({...settings, max_members: 500});
  const data = await attempt(() => api(`/api/face-groups?${query}`));
  const reload = (message) => faceGroupsPage(message);
  const slider = h('input', {type: 'range', id: 'group-threshold', name: 'face_threshold', min: 0, max: 1, step: 0.01,
    value: settings.face_threshold, 'aria-describedby': 'group-threshold-value'});
  const shown = h('output', {id: 'group-threshold-value', for: 'group-threshold'}, settings.face_threshold.toFixed(2));
  slider.addEventListener('input', () => { shown.textContent = Number(slider.value).toFixed(2); });
  const minSize = h('input', {type: 'number', name: 'min_size', min: 1, max: 2000, value: settings.min_size});
  const form = h('form', {class: 'fields', id: 'group-settings'},
    h('label', {}, 'Link faces at similarity ≥', h('span', {class: 'row'}, slider, shown)),
    h('label', {}, 'Smallest group shown', minSize),
    h('div', {class: 'actions'}, h('button', {type: 'submit'}, 'Regroup')));
  const apply = (e) => {
    if (e) e.preventDefault();
    const next = new URLSearchParams({face_threshold: slider.value, min_size: minSize.value || 1});
    location.hash = `#/face-groups?${next}`; // the route redraws the page with these settings
  };
  form.addEventListener('submit', apply);
  slider.addEventListener('change', apply); // released (mouse) or moved (keyboard): regroup
  const groups = (data && data.groups) || [];
  let content;
  if (!data) content = empty('The groups could not be computed (see the message above).');
  else if (!data.total_samples) content = empty('No faces captured yet: faces appear here once a camera (', h('a', {href: '#/cameras'}, 'add one'),
    ') or a replayed file (facestream replay FILE) has seen people.');
  else if (!groups.length) content = empty(`No group has ${settings.min_size} or more faces: lower "Smallest group shown".`);
  else content = h('div', {class: 'groups', id: 'face-groups'}, groups.map((g) => groupCard(g, reload)));
  show(h('h1', {}, 'Face groups'),
    h('p', {class: 'hint'}, 'Captured faces grouped on demand by how alike they are: a higher threshold makes smaller, surer groups.'),
    form,
    notice ? h('p', {class: 'notice', role: 'status', id: 'groups-notice'}, notice) : null,
    data ? h('p', {id: 'groups-summary'}, `${data.total_samples} faces in ${data.total_groups} groups`) : null,
    content);
}

// ---- search by photo -------------------------------------------------------------------------------------
function searchPage() {
  const file = h('input', {type: 'file', name: 'image', accept: 'image/jpeg,image/png', id: 'search-image', required: true});
  const results = h('div', {id: 'search-results'});
  const form = h('form', {class: 'fields', id: 'search-form'}, h('div', {class: 'full'}, dropZone(file)),
    h('label', {}, 'from (ISO 8601)', h('input', {name: 'start_time', placeholder: '2026-01-01T00:00:00Z'})),
    h('label', {}, 'to (ISO 8601)', h('input', {name: 'end_time'})),
    h('label', {}, 'top_k 1–1000', h('input', {name: 'top_k', type: 'number', min: 1, max: 1000, value: 20})),
    h('div', {class: 'actions'}, h('button', {type: 'submit'}, 'Search')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const body = new FormData();
    body.append('image', file.files[0]);
    for (const name of ['start_time', 'end_time', 'top_k']) if (form.elements[name].value) body.append(name, form.elements[name].value);
    const r = await attempt(() => api('/api/v1/search', {method: 'POST', form: body}));
    if (!r) return;
    const stage = r.search_stats && r.search_stats.search_stage;
    results.replaceChildren(h('p', {id: 'search-summary'}, `${r.total_appearances} appearances (${stage === 'poi_index' ? `stage 1: POI ${r.matched_poi_id}` : `stage 2: ${stage}`})`),
      r.appearances.length ? h('div', {class: 'grid'}, r.appearances.map((a) => h('div', {class: 'card'},
        a.thumbnail_url ? h('img', {src: a.thumbnail_url, alt: 'Matched face'}) : null,
        h('div', {}, `camera ${a.camera_id} · similarity ${a.similarity.toFixed(2)}`),
        h('div', {}, when(a.best_match_time || a.timestamp)))))
        : empty('No appearance of this face in the range. Try a wider range or another photo.'));
  });
  main.replaceChildren(h('h1', {}, 'Search by photo'), form, results);
}

// ---- files (seed 000's identity index) -------------------------------------------------------------------
let refreshTimer = null; // a page's periodic refresh, stopped when the page changes

const percent = (fraction) => `${Math.round((fraction || 0) * 100)}%`;

function replaysTable(files) {
  return h('table', {id: 'replays'}, h('thead', {}, h('tr', {}, h('th', {}, 'File'), h('th', {}, 'Status'), h('th', {}, 'Progress'),
    h('th', {}, 'Frames'), h('th', {}, 'Faces'), h('th', {}, 'Identities'), h('th', {}, 'Started'))),
  h('tbody', {}, files.map((f) => h('tr', {dataset: {fileId: f.file_uuid}},
    h('td', {}, h('strong', {}, f.name), h('br'), h('span', {class: 'hint'}, f.camera_id || f.file_uuid)),
    h('td', {}, badge(f.status), f.error ? h('div', {class: 'hint'}, f.error) : null),
    h('td', {}, h('progress', {max: 1, value: f.progress, 'aria-label': `${f.name} replayed`}), ' ', percent(f.progress)),
    h('td', {}, `${f.frames_processed} of ${f.frame_count}`), h('td', {}, f.faces_detected),
    h('td', {}, `${f.identities} (${f.sightings} sightings)`), h('td', {}, when(f.registered_at))))));
}

/**
 * The video upload: a file input inside a drop zone (keyboard reachable as any input), the upload's own progress
 * from XHR (fetch reports none for a request body), then the replay's progress in the table from /api/v1/files.
 */
function videoUploadForm(onAccepted) {
  const input = h('input', {type: 'file', name: 'file', id: 'video-file', accept: 'video/*,.mkv,.webm,.avi,.ts,.mpg,.flv,.wmv'});
  const camera = h('input', {name: 'camera_id', id: 'video-camera', maxlength: 64, autocomplete: 'off',
    pattern: '[A-Za-z0-9][A-Za-z0-9_.\\-]{0,63}', title: '1-64 letters, digits, ".", "_" or "-"'});
  const bar = h('progress', {id: 'upload-progress', max: 1, value: 0, hidden: true, 'aria-label': 'Upload progress'});
  const status = h('span', {id: 'upload-status', role: 'status', 'aria-live': 'polite'});
  const button = h('button', {type: 'submit', id: 'upload-submit'}, 'Upload and replay');
  const form = h('form', {class: 'fields', id: 'upload-form'}, h('h2', {class: 'full'}, 'Upload a video'),
    h('div', {class: 'full'}, dropZone(input, 'Drop a video here (mp4, mkv, webm, avi, mov, ts...), or ')),
    h('label', {}, 'camera id (optional: alerts name it)', camera),
    h('div', {class: 'actions'}, button, ' ', bar, ' ', status));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    if (!input.files.length) return showError('Choose a video file first.');
    const body = new FormData();
    if (camera.value.trim()) body.append('camera_id', camera.value.trim());
    body.append('file', input.files[0]);
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/api/v1/files');
    xhr.setRequestHeader('X-CSRF-Token', csrfToken);
    xhr.upload.addEventListener('progress', (ev) => {
      if (!ev.lengthComputable) return;
      bar.value = ev.loaded / ev.total;
      status.textContent = `Uploading: ${percent(ev.loaded / ev.total)}`;
    });
    const done = () => { button.disabled = false; bar.hidden = true; };
    xhr.addEventListener('load', () => {
      done();
      let data = null;
      try { data = JSON.parse(xhr.responseText); } catch { data = null; }
      if (xhr.status === 401) { location.assign('/signin'); return; }
      if (xhr.status !== 202) { status.textContent = ''; showError(messageOf(data, xhr.status)); return; }
      status.textContent = `Uploaded ${data.name}: replaying (progress below).`;
      status.dataset.fileId = data.file_uuid;
      form.reset();
      onAccepted(data);
    });
    // the server refuses some uploads before reading them (too large, too many at once) and closes the connection
    xhr.addEventListener('error', () => { done(); status.textContent = ''; showError('The upload was cut off: the server refused it ' +
      'before reading it (over its size limit, or too many uploads at once) or the connection was lost.'); });
    showError('');
    bar.hidden = false;
    bar.value = 0;
    button.disabled = true;
    status.textContent = 'Uploading: 0%';
    xhr.send(body);
  });
  return form;
}

async function filesPage() {
  const [replays, data] = await Promise.all([attempt(() => api('/api/v1/files?limit=100')),
    attempt(() => api('/api/v1/identities?page=1&page_size=100'))]);
  const files = (replays && replays.data) || [];
  const items = (data && data.identities) || [];
  const detail = h('div', {id: 'files-detail'});
  const replaySection = h('section', {id: 'replay-section', 'aria-label': 'Replayed files'},
    files.length ? replaysTable(files) : empty(canWrite ? 'No recorded file replayed yet: upload one above, or run ' : 'No recorded file replayed yet: run ',
      h('code', {}, 'facestream replay FILE'), ' (or a folder) against this server, and its progress shows here as it goes.'));
  /** Polls the files view every 2 s while a replay runs, or until {@code awaited} (an upload's file id) shows. */
  const follow = (awaited) => {
    if (refreshTimer) clearInterval(refreshTimer);
    refreshTimer = setInterval(async () => {
      const next = await api('/api/v1/files?limit=100').catch(() => null);
      if (!next) return;
      const seen = !awaited || next.data.some((f) => f.file_uuid === awaited);
      if (next.data.length) replaySection.replaceChildren(replaysTable(next.data));
      if (seen && !next.data.some((f) => f.status === 'processing')) { clearInterval(refreshTimer); refreshTimer = null; }
    }, 2000);
  };
  show(h('h1', {}, 'Files and their identities'),
    h('p', {class: 'hint'}, canWrite ? 'Upload a video to index it, or replay one with facestream replay on the server; either way the ' +
      'replay runs on the server and its progress shows below.' : 'Videos are indexed on the server (an admin key may upload one here); ' +
      'the console follows their progress.'),
    canWrite ? videoUploadForm((accepted) => follow(accepted.file_uuid)) : null,
    h('h2', {}, 'Replays'), replaySection,
    h('h2', {}, 'Identities in files'),
    items.length ? h('table', {}, h('tbody', {}, items.map((i) => h('tr', {},
      h('td', {}, h('button', {type: 'button', class: 'secondary', onclick: async () => {
        const found = await attempt(() => api(`/api/v1/identity/${encodeURIComponent(i.identity_uuid)}/files`));
        if (found) detail.replaceChildren(h('h2', {}, `Files of ${i.name || i.identity_uuid}`), found.data.length
          ? h('table', {}, h('tbody', {}, found.data.map((f) => h('tr', {}, h('td', {}, f.file_name || f.file_uuid),
            h('td', {}, `${f.face_count} faces`), h('td', {}, `${f.sightings} sightings`)))))
          : empty('This identity appears in no recorded file.'));
      }}, i.name || i.identity_uuid)),
      h('td', {}, `${i.face_count} faces`), h('td', {}, (i.file_uuids || []).length + ' files'), h('td', {}, when(i.last_seen))))))
      : empty('No identities from files yet: upload or replay a recording and they appear here.'), detail);
  // while a replay runs, follow its progress (a replay re-publishes its record every 2 s)
  if (files.some((f) => f.status === 'processing')) follow(null);
}

// ---- system ----------------------------------------------------------------------------------------------
const tagsOf = (figure) => Object.entries(figure.tags || {}).map(([k, v]) => `${k}=${v}`).join(', ');
const figureValue = (f) => (f.kind === 'timer' ? `${f.count} × mean ${f.mean_ms} ms, max ${f.max_ms} ms` : String(f.value));
const mib = (bytes) => `${(bytes / 1048576).toFixed(0)} MiB`;

async function systemPage() {
  const [health, system, status, metrics] = await Promise.all([
    fetch('/health').then((r) => r.json()).catch((e) => ({status: 'unreachable', detail: e.message})),
    attempt(() => api('/api/system')), attempt(() => api('/api/v1/status')), attempt(() => api('/api/system/metrics'))]);
  const figures = (metrics && metrics.figures) || [];
  const named = (name) => figures.find((f) => f.name === name);
  const workers = (system && system.workers) || [];
  const own = figures.filter((f) => f.name.startsWith('facestream.'));
  const lag = (status && status.kafka_lag) || {};
  const facts = [
    ['pipeline', status ? status.pipeline_state : '—'], ['Kafka', status ? (status.kafka_connected ? 'connected' : 'not connected') : '—'],
    ['faces stored', status ? status.faiss_vectors : '—'], ['MQTT', status ? (status.mqtt_connected ? 'connected' : 'off') : '—'],
    ['uptime', named('process.uptime') ? `${Math.round(named('process.uptime').value / 60)} min` : '—'],
    ['CPU (process)', named('process.cpu.usage') ? percent(named('process.cpu.usage').value) : '—'],
    ['heap', named('jvm.memory.used') ? `${mib(named('jvm.memory.used').value)} of ${mib(named('jvm.memory.max')?.value || 0)}` : '—'],
    ['version', system ? system.version : '—']];
  show(h('h1', {}, 'System'), h('div', {class: 'row'}, 'Health: ', badge(health.status)),
    h('dl', {class: 'stats', id: 'system-facts'}, facts.map(([label, value]) => h('div', {}, h('dt', {}, label), h('dd', {}, value)))),
    h('h2', {}, 'Camera workers'),
    workers.length ? h('table', {id: 'workers'}, h('thead', {}, h('tr', {}, h('th', {}, 'Camera'), h('th', {}, 'Status'), h('th', {}, 'fps'),
      h('th', {}, 'Last frame'), h('th', {}, 'Last error'))), h('tbody', {}, workers.map((w) => h('tr', {dataset: {cameraId: w.camera_id}},
      h('td', {}, w.name || w.camera_id), h('td', {}, badge(w.status)), h('td', {}, (w.fps ?? 0).toFixed(1)),
      h('td', {}, when(w.last_frame_time)), h('td', {}, w.last_error || '')))))
      : empty('No camera workers: add a camera under ', h('a', {href: '#/cameras'}, 'Cameras'), ' and its worker shows here.'),
    h('h2', {}, 'Pipeline lag (records to read)'),
    Object.keys(lag).length ? h('table', {id: 'lag'}, h('tbody', {}, Object.entries(lag).map(([topic, n]) => h('tr', {}, h('td', {}, topic), h('td', {}, n)))))
      : empty('No lag figures yet (the pipeline has not reported its consumers).'),
    h('h2', {}, 'Metrics'),
    h('table', {id: 'metrics'}, h('thead', {}, h('tr', {}, h('th', {}, 'Metric'), h('th', {}, 'Labels'), h('th', {}, 'Value'))),
      h('tbody', {}, figures.filter((f) => f.name === 'http.server.requests').concat(own).map((f) => h('tr', {},
        h('td', {}, f.name), h('td', {}, tagsOf(f)), h('td', {}, figureValue(f)))))),
    own.length ? null : h('p', {class: 'hint'}, 'No pipeline meters in this process (cameras, replays and the pipeline add theirs when they run here).'),
    metrics && metrics.truncated ? h('p', {class: 'hint'}, 'More figures exist: /metrics (with an API key) has them all.') : null,
    h('h2', {}, 'Models'),
    system ? h('table', {id: 'models'}, h('tbody', {}, system.models.map((m) => h('tr', {}, h('td', {}, m.role), h('td', {}, m.id),
      h('td', {}, m.engine), h('td', {class: 'hint'}, (m.sha256 || '').slice(0, 12)))))) : null,
    h('details', {}, h('summary', {}, 'Everything /api/system says'), h('pre', {id: 'system-info'}, JSON.stringify(system, null, 2))));
}

// ---- routing ---------------------------------------------------------------------------------------------
const PAGES = {alerts: alertsPage, cameras: () => cameraPage(), events: () => eventsPage(), identities: identitiesPage, people: peoplePage,
  'face-groups': () => faceGroupsPage(), search: searchPage, files: filesPage, system: systemPage};

async function route(event) {
  if (alertSocket) { alertSocket.close(); alertSocket = null; }
  if (refreshTimer) { clearInterval(refreshTimer); refreshTimer = null; }
  [...hlsOpen].forEach(closeHls);
  showError('');
  const [, page = 'alerts', id] = (location.hash || '#/alerts').split('?')[0].split('/');
  for (const link of document.querySelectorAll('nav a')) {
    if (link.getAttribute('href') === `#/${page}`) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  delete main.dataset.page; // set again once this page is drawn (tests and screenshots wait for it)
  if (page === 'identities' && id) await identityPage(decodeURIComponent(id));
  else if (page === 'people' && id) await personPage(decodeURIComponent(id));
  else await (PAGES[page] || alertsPage)();
  main.dataset.page = page;
  if (event) main.focus({preventScroll: true}); // after a page change, not over the skip link at load
}

document.getElementById('signout').addEventListener('click', async () => {
  await fetch('/api/console/session', {method: 'DELETE'});
  location.assign('/signin');
});

const session = await fetch('/api/console/session', {credentials: 'same-origin'});
if (session.ok) {
  const s = await session.json();
  csrfToken = s.csrf_token;
  canWrite = s.scopes.includes('admin');
  document.getElementById('who').textContent = `${s.name} (${s.scopes.join(', ')})`;
} else {
  // auth.required=false serves the console without a session: writes need no token then.
  document.getElementById('who').textContent = 'not signed in';
}
window.addEventListener('hashchange', route);
await route();
document.body.dataset.ready = 'true';
