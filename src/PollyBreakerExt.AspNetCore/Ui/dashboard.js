'use strict';
// The dashboard: one card per breaker, drawn at once from the snapshot the page carries, then kept live from the event
// stream, or by polling the JSON list when the stream delivers nothing (a proxy that buffers responses). No library, no
// build step.
(() => {
  const base = document.documentElement.dataset.base;
  const windowMs = 5 * 60 * 1000;
  const cards = new Map();
  let history = {}; // key -> ratio samples of the last five minutes, from the server
  const list = document.getElementById('cards');
  const empty = document.getElementById('empty');
  const status = document.getElementById('status');
  const template = document.getElementById('card');
  let clockOffset = 0; // server clock minus this browser's
  let retryMs = 1000;
  const stallMs = 5000; // a snapshot comes each second: this long without one, the stream is not delivering
  const pollMs = 2000;
  let lastDelivery = Date.now(); // the snapshot the page carries counts as one
  let polling = null;

  const percent = ratio => (ratio * 100).toFixed(ratio > 0 && ratio < 0.1 ? 1 : 0) + '%';
  const serverNow = () => Date.now() + clockOffset;
  const duration = ms => {
    const s = Math.max(0, Math.floor(ms / 1000));
    if (s < 60) return s + 's';
    if (s < 3600) return Math.floor(s / 60) + 'm ' + String(s % 60).padStart(2, '0') + 's';
    return Math.floor(s / 3600) + 'h ' + String(Math.floor(s / 60) % 60).padStart(2, '0') + 'm';
  };
  const setStatus = (text, live) => { status.textContent = text; status.dataset.live = String(live); };

  function connect() {
    const source = new EventSource(base + '/stream');
    source.addEventListener('open', () => { retryMs = 1000; if (!polling) setStatus('Live', true); });
    source.addEventListener('history', e => { delivered(); onHistory(JSON.parse(e.data)); });
    source.addEventListener('snapshot', e => { delivered(); onSnapshot(JSON.parse(e.data)); });
    source.addEventListener('transition', e => { delivered(); onTransition(JSON.parse(e.data)); });
    source.addEventListener('error', () => {
      if (!polling) setStatus('Reconnecting…', false);
      // The browser retries by itself after a dropped stream; after a refused one it gives up, so we retry, backing off.
      if (source.readyState === EventSource.CLOSED) {
        setTimeout(connect, retryMs);
        retryMs = Math.min(retryMs * 2, 30000);
      }
    });
  }

  function delivered() {
    lastDelivery = Date.now();
    if (polling) {
      clearInterval(polling);
      polling = null;
      setStatus('Live', true);
    }
  }

  function watchStream() {
    if (!polling && Date.now() - lastDelivery >= stallMs) {
      setStatus('No live updates for ' + stallMs / 1000 + ' s: polling every ' + pollMs / 1000 + ' s', false);
      poll();
      polling = setInterval(poll, pollMs);
    }
  }

  async function poll() {
    try {
      const response = await fetch(base, { headers: { Accept: 'application/json' } });
      if (!response.ok) throw new Error(response.status + ' ' + response.statusText);
      const breakers = await response.json();
      // The list has no clock of its own: the server's time is the last one known, moved on by this browser's.
      if (polling) onSnapshot({ now: new Date(serverNow()).toISOString(), breakers });
    } catch (e) {
      if (polling) setStatus('No live updates; polling failed: ' + e.message, false);
    }
  }

  function onHistory(message) {
    history = message.samples;
    for (const [key, card] of cards) card.load(history[key] || []);
  }

  function onSnapshot(snapshot) {
    const now = Date.parse(snapshot.now);
    clockOffset = now - Date.now();
    const seen = new Set();
    for (const breaker of snapshot.breakers) {
      seen.add(breaker.key);
      const card = cards.get(breaker.key) || addCard(breaker.key);
      card.sample(breaker, now);
    }
    for (const [key, card] of cards) {
      if (!seen.has(key)) { card.el.remove(); cards.delete(key); }
    }
    empty.hidden = cards.size > 0;
  }

  function onTransition(transition) {
    const card = cards.get(transition.key);
    if (card) card.transition(transition);
  }

  function addCard(key) {
    const el = template.content.firstElementChild.cloneNode(true);
    const $ = selector => el.querySelector(selector);
    let points = [];
    let breaker = null;
    let lastRejected = null;
    let focusNext = null;
    el.dataset.key = key;
    el.setAttribute('aria-label', key);
    $('.isolate').setAttribute('aria-label', 'Isolate ' + key); // a screen reader says which breaker
    $('.close').setAttribute('aria-label', 'Close ' + key);

    const showFleet = fleet => {
      $('.fleet').hidden = $('.fleet-note').hidden = !fleet;
      el.dataset.fleet = String(!!fleet);
      const scope = fleet ? ' on every replica' : '';
      $('.isolate').setAttribute('aria-label', 'Isolate ' + key + scope);
      $('.close').setAttribute('aria-label', 'Close ' + key + scope);
      if (!fleet) return;
      $('.replica').textContent = fleet.replicaId;
      $('.link').textContent = fleet.connected ? 'connected' : 'disconnected';
      $('.link').dataset.connected = String(fleet.connected);
    };
    // A snapshot's cards show time open as of the snapshot, all of them at one instant: read from this browser's clock
    // while drawing, the later cards of a snapshot would be ahead by the time the earlier ones took to draw.
    const showState = (at = serverNow()) => {
      el.dataset.state = breaker.state;
      $('.name').textContent = breaker.pipelineName || key;
      $('.instance').textContent = breaker.instanceName || '';
      $('.strategy').textContent = breaker.strategyName;
      $('.state').textContent = breaker.state;
      $('.reason').textContent = breaker.lastReason || '–';
      $('.isolate').disabled = breaker.state === 'Isolated';
      $('.close').disabled = breaker.state === 'Closed';
      if (focusNext && !focusNext.disabled) { focusNext.focus(); focusNext = null; }
      // The incident's time: since the circuit left Closed, through every reopening and half-open since.
      $('.open-for').textContent = breaker.state === 'Closed' ? '–' : duration(at - Date.parse(breaker.openSince || breaker.stateSince));
    };
    const line = (selector, value) => {
      const start = serverNow() - windowMs;
      $(selector).setAttribute('points', points
        .map(p => ((p.t - start) / windowMs * 300).toFixed(1) + ',' + (58 - value(p) * 56).toFixed(1)).join(' '));
    };
    const draw = () => {
      line('.failures', p => p.failureRatio);
      line('.slow', p => p.slowCallRatio);
    };

    const card = {
      el,
      sample(next, now) {
        // A rate over at least half a second: snapshots can come closer together (one at each reconnect).
        const seconds = lastRejected ? (now - lastRejected.t) / 1000 : 0;
        if (!lastRejected || seconds >= 0.5) {
          const rate = lastRejected ? Math.max(0, next.rejectedCalls - lastRejected.count) / seconds : 0;
          $('.rejections').textContent = rate.toFixed(rate > 0 && rate < 10 ? 1 : 0);
          lastRejected = { t: now, count: next.rejectedCalls };
        }
        breaker = next;
        showFleet(next.fleet);
        if (!points.length || points[points.length - 1].t < now) {
          points.push({ t: now, failureRatio: next.metrics.failureRatio, slowCallRatio: next.metrics.slowCallRatio });
        }
        while (points.length && points[0].t < now - windowMs) points.shift();
        draw();
        $('.failure-ratio').textContent = percent(next.metrics.failureRatio);
        $('.slow-ratio').textContent = percent(next.metrics.slowCallRatio);
        showState(now);
      },
      load(samples) {
        points = samples.slice();
        if (breaker) draw();
      },
      transition(t) {
        const openSince = t.to === 'Closed' ? null : t.from === 'Closed' ? t.at : breaker.openSince;
        breaker = { ...breaker, state: t.to, lastReason: t.reason, stateSince: t.at, openSince };
        showState();
      },
    };

    const command = async action => {
      const error = $('.error');
      error.hidden = true;
      focusNext = null;
      for (const button of el.querySelectorAll('button')) button.disabled = true;
      try {
        const response = await fetch(base + '/' + encodeURIComponent(key) + '/' + action, {
          method: 'POST',
          headers: { 'X-PollyBreakerExt': '1' },
        });
        if (!response.ok) {
          const problem = await response.json().catch(() => ({}));
          throw new Error(problem.detail || problem.title || response.status + ' ' + response.statusText);
        }
      } catch (e) {
        error.textContent = (action === 'isolate' ? 'Isolate' : 'Close') + ' failed: ' + e.message;
        error.hidden = false;
      } finally {
        // The pressed button gets disabled once the new state arrives (the answer may come first): then the focus goes to
        // the other one, for the keyboard, unless the user moved it elsewhere.
        const focused = document.activeElement;
        if (error.hidden && (!focused || focused === document.body || el.contains(focused))) {
          focusNext = $(action === 'isolate' ? '.close' : '.isolate');
        }
        showState();
      }
    };
    $('.isolate').addEventListener('click', () => command('isolate'));
    $('.close').addEventListener('click', () => command('close'));

    card.load(history[key] || []);
    if (!cards.size) performance.mark('first-card'); // how long a page takes to show something, for its test
    cards.set(key, card);
    list.append(el);
    return card;
  }

  const carried = id => JSON.parse(document.getElementById(id).textContent);
  onHistory(carried('first-history'));
  onSnapshot(carried('first-snapshot'));
  connect();
  setInterval(watchStream, 1000);
})();
