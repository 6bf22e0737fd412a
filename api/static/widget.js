/*! kapbot chat widget: plain ES2017, no dependencies, talks only to its own server. */
(function () {
  'use strict';
  if (window.KapbotWidget) return;

  var VERSION = '1';
  var STORAGE_KEY = 'kapbot.v1';
  var ID_RE = /^[A-Za-z0-9_-]{1,64}$/;
  var KINDS = ['answer', 'crisis', 'disclaimer', 'reminder', 'prompt', 'greeting'];
  var CRISIS_TOPIC = 'safety.crisis';
  var MAX_CHARS = 1000;
  var MAX_ENTRIES = 150;
  var CONNECT_TIMEOUT = 4000;
  var REPLY_TIMEOUT = 30000;
  var SOCKET_RETRY_AFTER = 30000;

  var script = document.currentScript || (function () {
    var all = document.querySelectorAll('script[src*="widget.js"]');
    return all[all.length - 1] || null;
  })();
  var ds = (script && script.dataset) || {};

  // ---- configuration ------------------------------------------------------------------------
  function serverUrl() {
    try {
      var u = new URL(ds.server || (script && script.src) || location.href, location.href);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('scheme');
      return ds.server ? (u.origin + u.pathname).replace(/\/+$/, '') : u.origin;
    } catch (e) {
      return location.origin;
    }
  }
  var SERVER = serverUrl();

  var S = {
    launcher: 'Questions? Chat with us',
    placeholder: 'Type your question…',
    inputLabel: 'Your question',
    send: 'Send',
    close: 'Close chat',
    startOver: 'Start over',
    error: 'Sorry, the assistant can’t be reached right now. Your message is saved: check your connection, then try again.',
    retry: 'Try again',
    typing: 'The assistant is writing…',
    notSent: 'Not sent',
    you: 'You said:',
    bot: 'Assistant said:',
    crisisTitle: 'If you need support right now',
    sources: 'Sources',
    newTab: '(opens in a new tab)',
    replies: 'Suggested replies',
    log: 'Conversation',
    region: 'Chat assistant'
  };
  Object.keys(S).forEach(function (key) {
    var v = ds['lang' + key.charAt(0).toUpperCase() + key.slice(1)];
    if (typeof v === 'string' && v.trim()) S[key] = v.trim();
  });
  var TITLE = (ds.title || '').trim() || 'Questions about KAP';
  var GREETING = (ds.greeting || '').trim() ||
    'Hello. I’m an automated assistant. I can share general information about ketamine-assisted ' +
    'psychotherapy (KAP), but I can’t give medical advice and I’m not a crisis service. ' +
    'If you might be in danger, please call your local emergency number now.';
  var LEFT = ds.position === 'left';

  // ---- colours: custom pairs are used only when they meet WCAG AA ----------------------------
  function parseColor(value) {
    if (!value) return null;
    var v = String(value).trim();
    var m = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(v);
    if (!m) {
      try {
        var ctx = document.createElement('canvas').getContext('2d');
        if (!ctx) return null;
        ctx.fillStyle = '#010203';
        ctx.fillStyle = v;
        var first = ctx.fillStyle;
        ctx.fillStyle = '#040506';
        ctx.fillStyle = v;
        if (ctx.fillStyle !== first) return null; // not a colour
        m = /^#([0-9a-f]{6})$/i.exec(first); // rgba(...) = transparency: contrast unknowable
        if (!m) return null;
      } catch (e) {
        return null;
      }
    }
    var h = m[1].length === 3 ? m[1].replace(/./g, '$&$&') : m[1];
    return '#' + h.toLowerCase();
  }
  function luminance(hex) {
    var c = [1, 3, 5].map(function (i) {
      var v = parseInt(hex.substr(i, 2), 16) / 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  }
  function contrast(a, b) {
    var x = luminance(a), y = luminance(b);
    return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05);
  }
  function themeVars() {
    var primary = parseColor(ds.primaryColor);
    var text = parseColor(ds.textColor);
    if (!primary && !text) return null;
    var p = primary || '#1d5c63';
    var on = text && contrast(p, text) >= 4.5 ? text
      : contrast(p, '#ffffff') >= 4.5 || contrast(p, '#ffffff') >= contrast(p, '#000000') ? '#ffffff' : '#000000';
    var vars = { '--kb-primary': p, '--kb-on-primary': on };
    // The primary colour also colours links and quick replies on light surfaces if it can.
    if (contrast(p, '#f1f3f4') >= 4.5) vars['--kb-link'] = p;
    vars['--kb-focus'] = contrast(p, '#ffffff') >= 3 ? p : '#1b1f23';
    return vars;
  }
  function applyTheme(root) {
    var vars = themeVars();
    if (!vars) return;
    var decl = Object.keys(vars).map(function (k) { return k + ':' + vars[k]; }).join(';');
    try { // a constructed sheet: no style attribute, no 'unsafe-inline' needed
      if ('adoptedStyleSheets' in document && typeof CSSStyleSheet.prototype.replaceSync === 'function') {
        var sheet = new CSSStyleSheet();
        sheet.replaceSync('.kapbot-root.kapbot-root{' + decl + '}');
        document.adoptedStyleSheets = document.adoptedStyleSheets.concat([sheet]);
        return;
      }
    } catch (e) { /* fall through */ }
    Object.keys(vars).forEach(function (k) { root.style.setProperty(k, vars[k]); }); // CSSOM, CSP-safe
  }

  // ---- storage: the transcript as data, never HTML ------------------------------------------
  var store = (function () {
    if (ds.storage === 'none') return null;
    try {
      var s = ds.storage === 'local' ? window.localStorage : window.sessionStorage;
      s.setItem('kapbot.probe', '1');
      s.removeItem('kapbot.probe');
      return s;
    } catch (e) {
      return null;
    }
  })();

  function newId() {
    var chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-';
    var bytes = new Uint8Array(20);
    if (window.crypto && crypto.getRandomValues) crypto.getRandomValues(bytes);
    else for (var i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256);
    var id = 'web-';
    for (var j = 0; j < bytes.length; j++) id += chars.charAt(bytes[j] & 63);
    return id;
  }
  function str(v) { return typeof v === 'string' ? v : ''; }
  function cleanButtons(list) {
    return (Array.isArray(list) ? list : []).filter(function (b) {
      return b && typeof b.title === 'string' && b.title && typeof b.payload === 'string' && b.payload;
    }).map(function (b) { return { title: b.title, payload: b.payload }; });
  }
  function cleanSources(list) {
    return (Array.isArray(list) ? list : []).filter(function (s) { return typeof s === 'string' && s; });
  }
  function cleanEntry(e) {
    if (!e || typeof e.text !== 'string' || (e.from !== 'user' && e.from !== 'bot')) return null;
    if (e.from === 'user') {
      var u = { from: 'user', text: e.text, status: e.status === 'sent' ? 'sent' : 'failed' };
      if (typeof e.payload === 'string' && e.payload) u.payload = e.payload;
      return u;
    }
    return {
      from: 'bot', text: e.text, kind: KINDS.indexOf(e.kind) >= 0 ? e.kind : 'answer',
      topic: typeof e.topic === 'string' ? e.topic : null,
      buttons: cleanButtons(e.buttons), sources: cleanSources(e.sources)
    };
  }
  function loadState() {
    var fresh = { senderId: newId(), entries: [], flagged: false, crisisText: '' };
    if (!store) return fresh;
    try {
      var d = JSON.parse(store.getItem(STORAGE_KEY) || 'null');
      if (!d || d.v !== 1 || d.server !== SERVER || !ID_RE.test(str(d.senderId)) || !Array.isArray(d.entries)) {
        return fresh;
      }
      return {
        senderId: d.senderId,
        entries: d.entries.map(cleanEntry).filter(Boolean),
        flagged: d.flagged === true,
        crisisText: str(d.crisisText)
      };
    } catch (e) {
      return fresh;
    }
  }
  function save() {
    if (!store) return;
    try {
      store.setItem(STORAGE_KEY, JSON.stringify({
        v: 1, server: SERVER, senderId: state.senderId, flagged: state.flagged,
        crisisText: state.crisisText, entries: state.entries.slice(-MAX_ENTRIES)
      }));
    } catch (e) { /* full or disabled: the page still works */ }
  }

  var state = loadState();
  var pending = null; // the visitor entry being delivered
  var generation = 0; // bumped by reset(): late answers of an old conversation are dropped
  var isOpen = false;
  var nodes = new WeakMap(); // entry -> its element
  var replyStart = null; // first element of the answer being received

  // ---- DOM helpers --------------------------------------------------------------------------
  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      var v = attrs[k];
      if (v === null || v === undefined || v === false) return;
      if (k === 'text') e.textContent = v;
      else if (k === 'class') e.className = v;
      else e.setAttribute(k, v === true ? '' : String(v));
    });
    (children || []).forEach(function (c) {
      if (c !== null && c !== undefined) e.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
    });
    return e;
  }
  function svg(pathData) {
    var ns = 'http://www.w3.org/2000/svg';
    var s = document.createElementNS(ns, 'svg');
    s.setAttribute('viewBox', '0 0 24 24');
    s.setAttribute('aria-hidden', 'true');
    s.setAttribute('focusable', 'false');
    var p = document.createElementNS(ns, 'path');
    p.setAttribute('d', pathData);
    s.appendChild(p);
    return s;
  }

  // Text: everything escaped (text nodes only); line breaks -> <br>; "- " lines -> a list;
  // http(s) URLs -> links, only where `links` is true (assistant messages).
  var URL_RE = /https?:\/\/[^\s<>"'`]+/gi;
  var BULLET_RE = /^\s*[-*•]\s+(.*)$/;
  function appendUrls(parent, line) {
    var last = 0, m;
    URL_RE.lastIndex = 0;
    while ((m = URL_RE.exec(line))) {
      var raw = m[0];
      while (/[.,;:!?)\]}'"»”’]$/.test(raw)) {
        if (raw.slice(-1) === ')' && raw.split('(').length - 1 >= raw.split(')').length - 1) break;
        raw = raw.slice(0, -1);
      }
      var url = null;
      try { url = new URL(raw); } catch (e) { url = null; }
      if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || (m.index > 0 && /[\w/]/.test(line.charAt(m.index - 1)))) {
        continue;
      }
      if (m.index > last) parent.appendChild(document.createTextNode(line.slice(last, m.index)));
      parent.appendChild(el('a', { href: url.href, target: '_blank', rel: 'noopener noreferrer', class: 'kapbot-link' },
        [raw, el('span', { class: 'kapbot-sr', text: ' ' + S.newTab })]));
      last = m.index + raw.length;
      URL_RE.lastIndex = last;
    }
    if (last < line.length) parent.appendChild(document.createTextNode(line.slice(last)));
  }
  // Markdown links in assistant text, "[Call 988](tel:988)": crisis lines become tap-to-call and
  // tap-to-text buttons; any scheme but tel:, sms: and http(s) is not a link (shown as written).
  var MD_LINK_RE = /\[((?:\\.|[^\]\\])+)\]\(((?:tel|sms):[^\s()]+|https?:\/\/[^\s()]+)\)/g;
  var LINK_ROW_RE = /^(\s*\[(?:\\.|[^\]\\])+\]\((?:tel:|sms:|https?:\/\/)[^\s()]+\)\s*·?)+\s*$/;
  function appendInline(parent, line, links) {
    if (!links) { parent.appendChild(document.createTextNode(line)); return; }
    var row = LINK_ROW_RE.test(line), last = 0, m;
    if (row) { // a line of links only: a row of buttons, without the separators
      var box = el('span', { class: 'kapbot-link-row' });
      parent.appendChild(box);
      parent = box;
    }
    MD_LINK_RE.lastIndex = 0;
    while ((m = MD_LINK_RE.exec(line))) {
      if (m.index > last && !row) appendUrls(parent, line.slice(last, m.index));
      var title = m[1].replace(/\\(.)/g, '$1'), href = m[2];
      if (/^(tel|sms):/.test(href)) {
        parent.appendChild(el('a', { href: href, class: 'kapbot-action kapbot-action--' + href.slice(0, 3), text: title }));
      } else {
        parent.appendChild(el('a', { href: href, target: '_blank', rel: 'noopener noreferrer', class: 'kapbot-link' },
          [title, el('span', { class: 'kapbot-sr', text: ' ' + S.newTab })]));
      }
      last = m.index + m[0].length;
    }
    if (last < line.length && !row) appendUrls(parent, line.slice(last));
  }
  function renderText(container, text, links) {
    var lines = String(text).replace(/\r\n?/g, '\n').split('\n');
    var list = null, needBreak = false;
    lines.forEach(function (line) {
      var bullet = BULLET_RE.exec(line);
      if (bullet) {
        if (!list) { list = el('ul'); container.appendChild(list); }
        var li = el('li');
        appendInline(li, bullet[1], links);
        list.appendChild(li);
        needBreak = false;
        return;
      }
      if (list) {
        list = null;
        if (!line.trim()) return; // the list already ends the line
      }
      if (needBreak) container.appendChild(el('br'));
      appendInline(container, line, links);
      needBreak = true;
    });
    return container;
  }
  function resourcesOf(text) {
    // The banner stays small on a phone: the call/text buttons if the clinic gave numbers,
    // else the list of resources.
    var lines = String(text).split(/\r?\n/);
    var rows = lines.filter(function (l) { return LINK_ROW_RE.test(l); });
    if (rows.length) return rows.join('\n');
    var items = lines.map(function (l) { return BULLET_RE.exec(l); }).filter(Boolean);
    return items.length ? items.map(function (m) { return '- ' + m[1]; }).join('\n') : text;
  }

  // ---- the widget's DOM ---------------------------------------------------------------------
  var ids = { panel: 'kapbot-panel', log: 'kapbot-log', input: 'kapbot-input', title: 'kapbot-title' };
  var root = el('div', { role: 'complementary', class: 'kapbot-root' + (LEFT ? ' kapbot-root--left' : ''), 'aria-label': S.region, 'data-kapbot-version': VERSION });
  var launcher = el('button', {
    type: 'button', id: 'kapbot-launcher', class: 'kapbot-launcher',
    'aria-expanded': 'false', 'aria-controls': ids.panel
  }, [
    svg('M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2zm3 6.5a1.5 1.5 0 1 0 0 .01zm5 0a1.5 1.5 0 1 0 0 .01zm5 0a1.5 1.5 0 1 0 0 .01z'),
    el('span', { class: 'kapbot-launcher-text', text: S.launcher })
  ]);
  var restartBtn = el('button', { type: 'button', id: 'kapbot-restart', class: 'kapbot-hbtn kapbot-restart', text: S.startOver });
  var closeBtn = el('button', { type: 'button', id: 'kapbot-close', class: 'kapbot-hbtn kapbot-close' }, [
    el('span', { class: 'kapbot-close-x', 'aria-hidden': 'true', text: '×' }),
    el('span', { class: 'kapbot-sr', text: S.close })
  ]);
  var header = el('div', { class: 'kapbot-header' }, [
    el('h2', { id: ids.title, class: 'kapbot-title', text: TITLE }),
    el('div', { class: 'kapbot-actions' }, [restartBtn, closeBtn])
  ]);
  var bannerBody = el('div', { class: 'kapbot-banner-body kapbot-text', tabindex: '0' });
  var banner = el('div', {
    id: 'kapbot-crisis-banner', class: 'kapbot-banner', role: 'region', 'aria-labelledby': 'kapbot-banner-title', hidden: true
  }, [el('p', { id: 'kapbot-banner-title', class: 'kapbot-banner-title', text: S.crisisTitle }), bannerBody]);
  var log = el('div', {
    id: ids.log, class: 'kapbot-log', role: 'log', 'aria-live': 'polite', 'aria-relevant': 'additions',
    'aria-label': S.log, tabindex: '0'
  });
  var typingText = el('span', { class: 'kapbot-sr' });
  var dots = el('span', { class: 'kapbot-dots', 'aria-hidden': 'true', hidden: true }, [el('span'), el('span'), el('span')]);
  var typing = el('div', { id: 'kapbot-typing', class: 'kapbot-typing', role: 'status', 'aria-live': 'polite' }, [typingText, dots]);
  var errorText = el('p', { class: 'kapbot-error-text' });
  var retryBtn = el('button', { type: 'button', id: 'kapbot-retry', class: 'kapbot-retry', text: S.retry });
  var errorBox = el('div', { id: 'kapbot-error', class: 'kapbot-error', role: 'alert', hidden: true }, [errorText, retryBtn]);
  var input = el('textarea', {
    id: ids.input, class: 'kapbot-input', name: 'message', rows: '1', maxlength: String(MAX_CHARS),
    placeholder: S.placeholder, autocomplete: 'off', autocapitalize: 'sentences', enterkeyhint: 'send'
  });
  var sendBtn = el('button', { type: 'submit', id: 'kapbot-send', class: 'kapbot-send', text: S.send });
  var form = el('form', { id: 'kapbot-form', class: 'kapbot-form', novalidate: true }, [
    el('label', { for: ids.input, class: 'kapbot-sr', text: S.inputLabel }), input, sendBtn
  ]);
  var panel = el('div', {
    id: ids.panel, class: 'kapbot-panel', role: 'dialog', 'aria-modal': 'false', 'aria-label': TITLE, hidden: true
  }, [header, banner, log, typing, errorBox, form]);
  root.appendChild(launcher);
  root.appendChild(panel);

  // ---- rendering ----------------------------------------------------------------------------
  function renderEntry(entry, live, withButtons) {
    var user = entry.from === 'user';
    var kind = user ? 'user' : entry.kind;
    var failed = user && entry.status === 'failed';
    var wrap = el('div', {
      class: 'kapbot-msg kapbot-msg--' + (user ? 'user' : 'bot kapbot-msg--' + kind) + (failed ? ' kapbot-msg--failed' : ''),
      'data-from': entry.from, 'data-kind': kind
    });
    var text = el('div', { class: 'kapbot-text' });
    if (user) text.textContent = entry.text; // the visitor's words: never links, never markup
    else renderText(text, entry.text, true);
    var bubble = el('div', { class: 'kapbot-bubble' }, [el('span', { class: 'kapbot-sr', text: (user ? S.you : S.bot) + ' ' }), text]);
    if (!user && kind !== 'crisis' && entry.sources.length) {
      var list = el('ul');
      entry.sources.forEach(function (s) { list.appendChild(renderText(el('li'), s, true)); });
      bubble.appendChild(el('details', { class: 'kapbot-sources' }, [el('summary', { text: S.sources }), list]));
    }
    wrap.appendChild(bubble);
    if (failed) wrap.appendChild(el('p', { class: 'kapbot-status', text: S.notSent }));
    if (!user && withButtons && entry.buttons.length) {
      var group = el('div', { class: 'kapbot-replies', role: 'group', 'aria-label': S.replies });
      entry.buttons.forEach(function (b) {
        var btn = el('button', { type: 'button', class: 'kapbot-reply', 'data-payload': b.payload, text: b.title });
        btn.addEventListener('click', function () { quickReply(b); });
        group.appendChild(btn);
      });
      wrap.appendChild(group);
    }
    if (kind === 'crisis' && live) wrap.setAttribute('role', 'alert'); // announced once, when it arrives
    nodes.set(entry, wrap);
    return wrap;
  }
  function renderAll() {
    while (log.firstChild) log.removeChild(log.firstChild);
    var lastUser = -1;
    state.entries.forEach(function (e, i) { if (e.from === 'user') lastUser = i; });
    state.entries.forEach(function (e, i) { log.appendChild(renderEntry(e, false, i > lastUser)); });
    updateBanner();
    var failed = lastUser >= 0 && state.entries[lastUser].status === 'failed';
    if (failed) showError(); else hideError();
  }
  function clearReplies() {
    Array.prototype.slice.call(log.querySelectorAll('.kapbot-replies')).forEach(function (g) {
      g.parentNode.removeChild(g);
    });
  }
  function scrollLog(node) {
    var max = log.scrollHeight - log.clientHeight;
    log.scrollTop = node ? Math.min(max, Math.max(0, node.offsetTop - 8)) : max;
  }
  function addEntry(entry) {
    state.entries.push(entry);
    if (state.entries.length > MAX_ENTRIES * 2) state.entries = state.entries.slice(-MAX_ENTRIES);
    if (entry.from === 'user') { clearReplies(); replyStart = null; }
    var node = renderEntry(entry, true, true);
    log.appendChild(node);
    if (entry.from === 'bot' && !replyStart) replyStart = node;
    scrollLog(entry.from === 'bot' ? replyStart : null);
    save();
  }
  function refreshEntry(entry) { // a visitor message's status, changed in place (no re-announcement)
    var node = nodes.get(entry);
    if (!node) return;
    var failed = entry.status === 'failed';
    var status = node.querySelector('.kapbot-status');
    node.classList.toggle('kapbot-msg--failed', failed);
    if (failed && !status) node.appendChild(el('p', { class: 'kapbot-status', text: S.notSent }));
    if (!failed && status) node.removeChild(status);
  }
  function updateBanner() {
    var text = state.flagged && state.crisisText;
    banner.hidden = !text;
    while (bannerBody.firstChild) bannerBody.removeChild(bannerBody.firstChild);
    if (text) renderText(bannerBody, resourcesOf(text), true);
  }
  function setTyping(on) {
    typingText.textContent = on ? S.typing : '';
    dots.hidden = !on;
  }
  function setBusy(on) {
    if (on) sendBtn.setAttribute('aria-disabled', 'true'); else sendBtn.removeAttribute('aria-disabled');
  }
  function showError() {
    errorText.textContent = S.error;
    errorBox.hidden = false;
  }
  function hideError() {
    errorBox.hidden = true;
    errorText.textContent = '';
  }

  // ---- incoming messages --------------------------------------------------------------------
  function receive(m) {
    if (!m || typeof m.text !== 'string' || !m.text) return;
    var kind = KINDS.indexOf(m.kind) >= 0 && m.kind !== 'greeting' ? m.kind : (m.topic === CRISIS_TOPIC ? 'crisis' : 'answer');
    var entry = {
      from: 'bot', text: m.text, kind: kind, topic: typeof m.topic === 'string' ? m.topic : null,
      buttons: cleanButtons(m.buttons), sources: cleanSources(m.sources)
    };
    if (kind === 'crisis') state.crisisText = m.text;
    if (m.flagged || kind === 'crisis') state.flagged = true;
    if (state.flagged && !state.crisisText && kind === 'reminder') state.crisisText = m.text;
    setTyping(false);
    addEntry(entry);
    updateBanner();
  }

  // ---- transport 1: Socket.IO v5 over Engine.IO v4, WebSocket only, Rasa's events -----------
  var ws = null; // {sock, ready}
  var socketFailedAt = 0;
  var waiter = null; // the reply a socket send waits for

  function socketUrl() {
    return SERVER.replace(/^http/, 'ws') + '/socket.io/?EIO=4&transport=websocket';
  }
  function connect() {
    if (ws) return ws.ready;
    if (typeof WebSocket !== 'function' || Date.now() - socketFailedAt < SOCKET_RETRY_AFTER) {
      return Promise.reject(new Error('socket unavailable'));
    }
    var conn = { sock: null, ready: null };
    var gen = generation;
    ws = conn;
    conn.ready = new Promise(function (resolve, reject) {
      var settled = false, closed = false, heartbeat = null, pingWait = 46000;
      var timer = setTimeout(function () { fail('timeout'); }, CONNECT_TIMEOUT);
      function fail(why) {
        if (closed) return;
        closed = true;
        clearTimeout(timer);
        clearTimeout(heartbeat);
        if (gen === generation) socketFailedAt = Date.now();
        if (ws === conn) ws = null;
        try { if (conn.sock) conn.sock.close(); } catch (e) { /* already closed */ }
        if (!settled) { settled = true; reject(new Error(why)); }
        if (waiter && waiter.conn === conn) {
          var w = waiter;
          waiter = null;
          w.reject(Object.assign(new Error('socket closed'), { fallback: true }));
        }
      }
      function emit(name, data) { conn.sock.send('42' + JSON.stringify([name, data])); }
      try {
        conn.sock = new WebSocket(socketUrl());
      } catch (e) {
        fail('blocked');
        return;
      }
      conn.sock.onerror = function () { fail('error'); };
      conn.sock.onclose = function () { fail('closed'); };
      conn.sock.onmessage = function (ev) {
        if (closed || typeof ev.data !== 'string') return;
        var d = ev.data;
        clearTimeout(heartbeat);
        heartbeat = setTimeout(function () { fail('no ping'); }, pingWait);
        if (d.charAt(0) === '0') { // Engine.IO open
          try {
            var o = JSON.parse(d.slice(1));
            pingWait = (Number(o.pingInterval) || 25000) + (Number(o.pingTimeout) || 20000) + 1000;
          } catch (e) { /* defaults */ }
          conn.sock.send('40'); // Socket.IO connect, default namespace
        } else if (d === '2') {
          conn.sock.send('3');
        } else if (d === '1' || d === '41' || d.slice(0, 2) === '44') {
          fail('refused');
        } else if (d.slice(0, 2) === '40') {
          emit('session_request', { session_id: state.senderId });
        } else if (d.slice(0, 2) === '42') {
          var m = /^42\d*(\[[\s\S]*\])$/.exec(d);
          var packet = null;
          try { packet = m && JSON.parse(m[1]); } catch (e) { packet = null; }
          if (!Array.isArray(packet) || gen !== generation) return;
          onEvent(conn, packet[0], packet[1], function () {
            if (!settled) { settled = true; clearTimeout(timer); resolve(conn); }
          });
        }
      };
    });
    return conn.ready;
  }
  function onEvent(conn, name, data, confirmed) {
    if (name === 'session_confirm') {
      if (typeof data === 'string' && ID_RE.test(data) && data !== state.senderId) { state.senderId = data; save(); }
      confirmed();
    } else if (name === 'bot_uttered' && data && typeof data === 'object') {
      var meta = data.metadata && typeof data.metadata === 'object' ? data.metadata : {};
      receive({
        text: data.text, kind: meta.kind, topic: meta.topic, flagged: meta.flagged,
        buttons: data.quick_replies || data.buttons, sources: meta.sources
      });
      if (waiter && waiter.conn === conn) { var w = waiter; waiter = null; w.resolve(); }
    } else if (name === 'kapbot_error' && waiter && waiter.conn === conn) {
      var v = waiter;
      waiter = null;
      v.reject(Object.assign(new Error(str(data && data.message) || 'error'), { code: data && data.code }));
    }
  }
  function viaSocket(conn, text) {
    return new Promise(function (resolve, reject) {
      var timer = setTimeout(function () {
        if (waiter && waiter.conn === conn) { waiter = null; reject(new Error('no answer')); }
      }, REPLY_TIMEOUT);
      waiter = {
        conn: conn,
        resolve: function () { clearTimeout(timer); resolve(); },
        reject: function (e) { clearTimeout(timer); reject(e); }
      };
      try {
        conn.sock.send('42' + JSON.stringify(['user_uttered', { message: text, session_id: state.senderId }]));
      } catch (e) {
        waiter = null;
        clearTimeout(timer);
        reject(Object.assign(e, { fallback: true }));
      }
    });
  }

  // ---- transport 2: POST /v1/chat -----------------------------------------------------------
  async function viaHttp(text, gen) {
    var ctrl = typeof AbortController === 'function' ? new AbortController() : null;
    var timer = setTimeout(function () { if (ctrl) ctrl.abort(); }, REPLY_TIMEOUT);
    try {
      var res = await fetch(SERVER + '/v1/chat', {
        method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify({ sender_id: state.senderId, message: text }),
        credentials: 'omit', cache: 'no-store', signal: ctrl ? ctrl.signal : undefined
      });
      if (!res.ok) throw Object.assign(new Error('HTTP ' + res.status), { status: res.status });
      var data = await res.json();
      if (gen !== generation) return;
      if (typeof data.sender_id === 'string' && ID_RE.test(data.sender_id)) state.senderId = data.sender_id;
      (Array.isArray(data.messages) ? data.messages : []).forEach(function (m) {
        receive({
          text: m && m.text, kind: m && m.kind, topic: m && m.topic, buttons: m && m.buttons,
          sources: m && m.sources, flagged: data.flagged === true || data.crisis === true
        });
      });
    } finally {
      clearTimeout(timer);
    }
  }

  async function transmit(text, gen) {
    var conn = null;
    try { conn = await connect(); } catch (e) { conn = null; }
    if (gen !== generation) return;
    if (conn) {
      try {
        await viaSocket(conn, text);
        return;
      } catch (e) {
        if (!e.fallback || gen !== generation) throw e;
      }
    }
    await viaHttp(text, gen);
  }

  // ---- sending ------------------------------------------------------------------------------
  async function deliver(entry) {
    var gen = generation;
    pending = entry;
    setBusy(true);
    hideError();
    setTyping(true);
    try {
      await transmit(entry.payload || entry.text, gen);
      if (gen !== generation) return;
      entry.status = 'sent';
    } catch (e) {
      if (gen !== generation) return;
      entry.status = 'failed';
      refreshEntry(entry);
      showError();
      scrollLog(null);
    } finally {
      if (gen === generation) {
        pending = null;
        setBusy(false);
        setTyping(false);
        save();
      }
    }
  }
  function send(text, title) {
    text = String(text || '').trim().slice(0, MAX_CHARS);
    if (!text || pending) return false;
    var entry = { from: 'user', text: title || text, status: 'sending' };
    if (title) entry.payload = text;
    addEntry(entry);
    deliver(entry);
    return true;
  }
  function quickReply(button) {
    if (pending) return;
    input.focus(); // the button is about to leave the DOM
    send(button.payload, button.title);
  }
  function retry() {
    if (pending) return;
    var entry = null;
    for (var i = state.entries.length - 1; i >= 0; i--) {
      if (state.entries[i].from === 'user') { entry = state.entries[i]; break; }
    }
    input.focus(); // the Retry button is about to be hidden
    if (!entry || entry.status !== 'failed') { hideError(); return; }
    entry.status = 'sending';
    refreshEntry(entry);
    replyStart = null;
    deliver(entry);
  }

  // ---- open / close / reset -----------------------------------------------------------------
  function open() {
    attach();
    if (!isOpen) {
      isOpen = true;
      panel.hidden = false;
      root.classList.add('kapbot-root--open');
      launcher.setAttribute('aria-expanded', 'true');
      if (!state.entries.length) addEntry({ from: 'bot', kind: 'greeting', text: GREETING, topic: null, buttons: [], sources: [] });
      scrollLog(null);
      connect().catch(function () { /* the HTTP API will do */ });
    }
    input.focus();
  }
  function close() {
    if (!isOpen) return;
    isOpen = false;
    panel.hidden = true;
    root.classList.remove('kapbot-root--open');
    launcher.setAttribute('aria-expanded', 'false');
    launcher.focus();
  }
  function reset() {
    generation += 1;
    if (waiter) { var w = waiter; waiter = null; w.reject(new Error('reset')); }
    if (ws) { var old = ws; ws = null; try { if (old.sock) old.sock.close(); } catch (e) { /* closed */ } }
    socketFailedAt = 0;
    pending = null;
    replyStart = null;
    state = { senderId: newId(), entries: [], flagged: false, crisisText: '' };
    if (store) { try { store.removeItem(STORAGE_KEY); } catch (e) { /* ignore */ } }
    setBusy(false);
    setTyping(false);
    renderAll();
    if (isOpen) {
      addEntry({ from: 'bot', kind: 'greeting', text: GREETING, topic: null, buttons: [], sources: [] });
      input.focus();
    } else {
      save();
    }
  }

  // ---- events -------------------------------------------------------------------------------
  launcher.addEventListener('click', function () { if (isOpen) close(); else open(); });
  closeBtn.addEventListener('click', close);
  restartBtn.addEventListener('click', reset);
  retryBtn.addEventListener('click', retry);
  form.addEventListener('submit', function (ev) {
    ev.preventDefault();
    if (pending) return;
    if (send(input.value)) input.value = '';
    input.focus();
  });
  input.addEventListener('keydown', function (ev) {
    if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing && ev.keyCode !== 229) {
      ev.preventDefault();
      if (typeof form.requestSubmit === 'function') form.requestSubmit();
      else sendBtn.click();
    }
  });
  root.addEventListener('keydown', function (ev) {
    if ((ev.key === 'Escape' || ev.key === 'Esc') && isOpen && !ev.defaultPrevented) {
      ev.preventDefault();
      close();
    }
  });

  // ---- start --------------------------------------------------------------------------------
  applyTheme(root);
  renderAll();
  window.KapbotWidget = Object.freeze({ open: open, close: close, reset: reset });

  var attached = false;
  function attach() {
    if (attached || !document.body) return;
    attached = true;
    document.body.appendChild(root);
  }
  function mount() {
    var link = el('link', { rel: 'stylesheet', href: SERVER + '/widget.css?v=' + VERSION, 'data-kapbot': '' });
    link.addEventListener('load', attach);
    link.addEventListener('error', attach); // unstyled but usable beats nothing
    setTimeout(attach, 3000);
    (document.head || document.documentElement).appendChild(link);
  }
  if (document.body) mount();
  else document.addEventListener('DOMContentLoaded', mount);
})();
