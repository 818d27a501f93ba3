// The state explorer on a page without a kernel (lmstate.widgets.explorer_html runs it).
(function (root, C, init) {
  // The state explorer without a kernel: the same checks, shapes and drawing as the Python side, by formula.
  const esc = s => String(s).replace(/[&<>"']/g,
    c => ({'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#x27;'})[c]);
  const num = n => n.toLocaleString('en-US');
  const INT = /^[ \t]*[+-]?[0-9]{1,15}[ \t]*$/;   // up to 15 digits: a Number holds them exactly
  const WHOLE = /^[ \t]*[+-]?[0-9]+[ \t]*$/;
  function toInt(name, v) {
    if (typeof v === 'number' && Number.isInteger(v)) return v;
    if (typeof v === 'string' && INT.test(v)) return parseInt(v, 10) + 0;   // + 0 turns -0 into 0
    if (typeof v === 'string' && WHOLE.test(v))
      throw new Error(`${name} must be a whole number of at most 15 digits, got ${v.trim().replace(/^[+-]/, '').length}`);
    throw new Error(`${name} must be a whole number, got ${typeof v === 'string' ? `'${v}'` : v}`);
  }
  function bytes(m, s) {
    const g = m === 'LMModel6' ? 4 : 1, H = s.n_hidden, V = s.vocab_sz, L = s.n_layers;
    const params = 2 * V * H + V + L * g * (2 * H * H + 2 * H);
    return 4 * (params + s.bs * s.sl * (H * (L * g + 1) + V));
  }
  function check(given) {
    const unknown = Object.keys(given).filter(k => !(k in C.DEFAULTS)).sort();
    if (unknown.length)
      throw new Error(`unknown setting '${unknown[0]}': the settings are ${Object.keys(C.DEFAULTS).join(', ')}`);
    const raw = {...C.DEFAULTS, ...given};
    if (!C.RNN_MODELS.includes(raw.model)) throw new Error(`model must be one of ${C.RNN_MODELS.join(', ')}`);
    if (!C.MOMENTS.includes(raw.moment)) throw new Error(`moment must be one of ${C.MOMENTS.join(', ')}`);
    const s = {model: raw.model, moment: raw.moment};
    for (const k of ['bs', 'sl', 'n_hidden', 'n_layers', 'vocab_sz', 't', 'last_bs', 'row']) s[k] = toInt(k, raw[k]);
    for (const [k, top] of Object.entries(C.LIMITS))
      if (!(1 <= s[k] && s[k] <= top)) throw new Error(`${k} must be from 1 to ${num(top)}, got ${num(s[k])}`);
    if (s.moment === 'after step t' && !(0 <= s.t && s.t < s.sl))
      throw new Error(`t must be a step from 0 to sl - 1 = ${s.sl - 1}, got ${s.t}`);
    const last = s.moment === 'last batch, fewer rows';
    if (last && s.bs < 2) throw new Error('a batch with fewer rows needs bs of 2 or more');
    if (last && !(1 <= s.last_bs && s.last_bs < s.bs))
      throw new Error(`last_bs must be from 1 to bs - 1 = ${s.bs - 1} (fewer rows), got ${s.last_bs}`);
    if (s.row < 0) throw new Error(`row must be 0 or more, got ${s.row}`);
    const gib = bytes(s.model, s) / 2 ** 30;
    if (gib > C.MAX_BYTES / 2 ** 30) throw new Error(`one batch at these sizes needs about ${
      gib.toLocaleString('en-US', {minimumFractionDigits: 1, maximumFractionDigits: 1})} GiB: too big to run`);
    return s;
  }
  const fmt = sh => sh === null ? 'None' : sh.length === 0 ? '0' : Array.isArray(sh[0])
    ? `(${sh.map(fmt).join(', ')})` : sh.length === 1 ? `(${sh[0]},)` : `(${sh.join(', ')})`;
  function spec(raw) {
    let s;
    try { s = check(raw); } catch (e) { return {error: e.message}; }
    const {model, moment, bs: B, n_hidden: H, n_layers: L, vocab_sz: V} = s;
    const last = moment === 'last batch, fewer rows', R = last ? s.last_bs : B;
    const S = moment === 'after step t' ? s.t + 1 : s.sl;
    const fresh = moment === 'before step 0' || moment === 'after reset()';
    const each = ` (each of ${S} steps)`;
    const x = moment === 'after step t' ? `x[:, :${S}]` : 'x';
    const loop = {name: 'LMModel4', shape: fresh ? [] : [R, H], error: null,
      flow: [[x, [R, S]], ['embedding' + each, [R, H]], ['h_h (before relu)' + each, [R, H]],
             ['head' + each, [R, V]], ['stacked output', [R, S, V]]]};
    const book = model === "book's LMModel5", lstm = model === 'LMModel6';
    const one = [L, last && !book ? R : B, H], full = lstm ? [one, one] : one;
    const rnn = {name: model, shape: book ? full : fresh ? null : full, error: null,
      flow: [[x, [R, S]], ['embedding', [R, S, H]]]};
    if (book && last) {
      rnn.error = `RuntimeError: Expected hidden size (${L}, ${R}, ${H}), got [${L}, ${B}, ${H}]`;
      rnn.flow.push(['error', rnn.error]);
    } else {
      const st = lstm ? [[L, R, H], [L, R, H]] : [L, R, H];
      rnn.flow.push([(lstm ? 'nn.LSTM' : 'nn.RNN') + ' output', [R, S, H]], [lstm ? '(h_n, c_n)' : 'h_n', st],
                    ['head', [R, S, V]]);
    }
    for (const p of [loop, rnn]) {
      p.state = fmt(p.shape);
      p.flow = p.flow.map(([k, v]) => [k, k === 'error' ? v : fmt(v)]);
    }
    return {settings: s, loop, rnn, note: C.NOTES[moment]};
  }
  function rows(n, row, k = 8) {
    if (n <= k) return [...Array(n).keys()];
    const keep = [...new Set([0, 1, 2, row, n - 2, n - 1])].sort((a, b) => a - b), out = [];
    keep.forEach((a, i) => { out.push(a); if (i + 1 < keep.length && keep[i + 1] > a + 1) out.push(null); });
    return out;
  }
  function svg(shape, row) {
    if (shape === null) return '<svg width="250" height="34"><rect x="1" y="1" width="246" height="30" fill="none" ' +
      'stroke="#888" stroke-dasharray="4"/><text x="124" y="21" text-anchor="middle" fill="#555">None: zeros made at ' +
      'the next call</text></svg>';
    if (shape.length === 0) return '<svg width="150" height="34"><circle cx="12" cy="17" r="7" fill="#1f77b4"/>' +
      '<text x="26" y="21">h = 0 (an int)</text></svg>';
    const groups = Array.isArray(shape[0]) ? [['h ', shape[0]], ['c ', shape[1]]] : [['', shape]];
    const parts = []; let y0 = 0, width = 0;
    for (const [tag, s] of groups) {
      const [layers, n] = s.length === 2 ? [1, s[0]] : s, hi = Math.min(row, n - 1), rs = rows(n, hi);
      for (let l = 0; l < layers; l++) {
        const x = 52 + l * 46, label = s.length === 3 ? `layer ${l}` : '(bs, n_hidden)';
        parts.push(`<text x="${x + 20}" y="${y0 + 12}" text-anchor="middle" font-size="11">${tag}${label}</text>`);
        rs.forEach((r, i) => {
          const y = y0 + 18 + i * 13;
          if (r === null) { parts.push(`<text x="${x + 20}" y="${y + 9}" text-anchor="middle">⋮</text>`); return; }
          parts.push(`<rect x="${x}" y="${y}" width="40" height="10" fill="${r === hi ? '#ff7f0e' : '#9ecae1'}"/>`);
          if (l === 0) parts.push(`<text x="46" y="${y + 9}" text-anchor="end" font-size="10">row ${r}</text>`);
        });
      }
      y0 += 24 + 13 * rs.length; width = Math.max(width, 52 + 46 * layers + (s.length === 2 ? 60 : 0));
    }
    return `<svg width="${width}" height="${y0}">${parts.join('')}</svg>`;
  }
  function view(sp) {
    if (sp.error) return `<div class="lm-view"><div class="lm-err lm-msg">${esc(sp.error)}</div></div>`;
    const out = ['loop', 'rnn'].map(key => {
      const p = sp[key];
      const flow = p.flow.filter(([k]) => k !== 'error').map(([k, v], i) =>
        `<span>${i ? '→ ' : ''}${esc(k)}</span><b>${esc(v)}</b>`).join('');
      const err = p.error ? `<div class="lm-err">${esc(p.error)}</div>` : '';
      return `<div class="lm-panel"><div><b>${esc(p.name)}</b> state: <span class="lm-shape lm-shape-${key}">` +
        `${p.state}</span></div>${svg(p.shape, sp.settings.row)}<div class="lm-flow">${flow}</div>${err}</div>`;
    });
    const note = esc(sp.note) + ` Highlighted: row ${sp.settings.row} (the last row, if a state has fewer).`;
    return `<div class="lm-view"><div class="lm-panels">${out.join('')}</div><div class="lm-note">${note}</div></div>`;
  }
  // the controls: the same names and kinds as the kernel widget's
  const sel = (k, opts) => `<label>${k} <select data-k="${k}">${opts.map(o =>
    `<option${o === init[k] ? ' selected' : ''}>${esc(o)}</option>`).join('')}</select></label>`;
  const txt = k => `<label>${k} <input type="text" data-k="${k}" value="${esc(init[k])}"></label>`;
  const rng = (k, lo, hi) => `<label>${k} <input type="range" data-k="${k}" min="${lo}" max="${hi}" ` +
    `value="${esc(init[k])}"><output>${esc(init[k])}</output></label>`;
  root.innerHTML = `<div class="lm-ctl">${sel('model', C.RNN_MODELS)}${sel('moment', C.MOMENTS)}` +
    `${['bs', 'sl', 'n_hidden', 'vocab_sz'].map(txt).join('')}${rng('n_layers', 0, C.LIMITS.n_layers)}` +
    `${rng('t', 0, Math.max(init.sl - 1, 0))}${txt('last_bs')}${txt('row')}</div><div class="lm-out"></div>`;
  const out = root.querySelector('.lm-out');
  function update() {
    const raw = {};
    root.querySelectorAll('[data-k]').forEach(el => {
      raw[el.dataset.k] = el.type === 'range' ? Number(el.value) : el.value;
      if (el.type === 'range') el.nextElementSibling.textContent = el.value;
    });
    const t = root.querySelector('[data-k="t"]');
    if (INT.test(raw.sl) && +raw.sl >= 1 && +raw.sl <= C.LIMITS.sl) {   // t follows sl, whatever else is wrong
      t.max = +raw.sl - 1; raw.t = Number(t.value); t.nextElementSibling.textContent = t.value;
    }
    out.innerHTML = view(spec(raw));
  }
  root.querySelectorAll('[data-k]').forEach(el => el.addEventListener('input', update));
  root.lmstate = {spec, view, update};
  update();
})
